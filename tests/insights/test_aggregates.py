"""The aggregate queries against hand-computed figures, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from bot.reports.evidence import gather, sus_items
from bot.reports.periods import parse_period
from dialogs.sus_score import sus_score
from storage import aggregates as agg
from storage.db import Database
from tests.insights.conftest import load
from tests.insights.data import CATALOG, MARCH, march_responses, response, sus

LONDON = ZoneInfo("Europe/London")
SCOPE = agg.Scope("pain-points", datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
PAIN = CATALOG.get("pain-points")
assert PAIN is not None


async def test_response_counts_leave_out_restarted_responses_and_other_periods(db: Database) -> None:
    await load(db, march_responses())
    counts = await db.read(lambda c: agg.response_counts(c, SCOPE))
    assert (counts.started, counts.completed, counts.respondents, counts.demo) == (6, 5, 6, 0)
    assert counts.median_seconds == pytest.approx(5 * 60, abs=0.01)


async def test_median_time_with_an_even_number_is_the_mean_of_the_middle_two(db: Database) -> None:
    await load(db, [response({"disruption": "daily"}, minutes=m) for m in (2, 4, 8, 30)])
    counts = await db.read(lambda c: agg.response_counts(c, agg.Scope("pain-points")))
    assert counts.median_seconds == pytest.approx(6 * 60, abs=0.01)


async def test_single_choice_distributions_with_their_numbers(db: Database) -> None:
    await load(db, march_responses())
    counted = await db.read(lambda c: agg.value_counts(c, SCOPE, ["disruption", "time_lost", "consulted"]))
    assert {v: n.count for v, n in counted["disruption"].items()} == {
        "daily": 1, "weekly": 2, "monthly": 1, "fortnightly": 1, "rarely": 1,
    }  # fmt: skip
    hours = counted["time_lost"]
    assert sum(v.count for v in hours.values()) == 5
    assert sum(v.number_sum for v in hours.values()) / 5 == pytest.approx(4.9)
    assert {v: n.count for v, n in counted["consulted"].items()} == {"no": 4, "yes": 1}


async def test_multiple_choice_counts_each_option_and_the_responses_that_answered(db: Database) -> None:
    await load(db, march_responses())
    picked = await db.read(lambda c: agg.choice_counts(c, SCOPE, "tasks"))
    assert picked.answered == 5
    assert picked.counts == {"double-entry": 3, "search": 2, "recording-visits": 1, "speed": 1}


async def test_sus_is_scored_in_sql_and_a_missing_item_means_no_score(db: Database) -> None:
    await load(db, march_responses())
    counts = await db.read(lambda c: agg.sus_score_counts(c, SCOPE, sus_items(PAIN)))
    scores = sorted(score for (_, _, score), n in counts.items() for _ in range(n))
    assert scores == [0.0, 25.0, 50.0, 75.0, 100.0]


async def test_the_evidence_summarises_sus_as_computed_by_hand(db: Database) -> None:
    await load(db, march_responses())
    period = parse_period("2026-03", MARCH, LONDON)
    evidence = await db.read(lambda c: gather(c, PAIN, period, 5))
    s = evidence.sus
    assert s is not None
    assert (s.count, s.mean, s.median) == (5, 50.0, 50.0)
    assert s.ci_low == pytest.approx(0.93, abs=0.01) and s.ci_high == pytest.approx(99.07, abs=0.01)
    assert s.share_below_average == pytest.approx(0.6)
    assert s.band == "OK"
    weekly = next(c for c in evidence.comparisons if c.figure.values == ("daily", "weekly"))
    assert weekly.local_share == pytest.approx(2 / 6 + 1 / 6)
    assert evidence.distributions["time_lost"].mean_number == pytest.approx(4.9)
    assert [s.value for s in evidence.ranked("tasks")][:2] == ["double-entry", "search"]


async def test_free_text_themes_count_mentions_and_quote_redacted_words(db: Database) -> None:
    await load(db, march_responses())
    themes = {"speed": ("slow", "crash"), "double-entry": ("twice",)}
    answered, counts = await db.read(lambda c: agg.theme_counts(c, SCOPE, "frustration", themes))
    assert answered == 5 and counts == {"speed": 4, "double-entry": 1}
    period = parse_period("2026-03", MARCH, LONDON)
    evidence = await db.read(lambda c: gather(c, PAIN, period, 4))
    [speed] = evidence.themes["frustration"]
    assert speed.key == "speed" and speed.count == 4 and len(speed.quotes) == 3
    assert all("07700" not in q for q in speed.quotes)
    assert any("[phone number]" in q for q in speed.quotes)


async def test_the_queries_do_not_grow_with_the_answers(db: Database) -> None:
    period = parse_period("all", MARCH, LONDON)
    engine = db._reader_engine if db.is_sqlite else db._async.sync_engine  # type: ignore[union-attr]
    statements: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    counted = []
    for batch in (20, 200):
        await load(
            db, [response({"disruption": "weekly", **sus(4, 2), "tasks": ["search"]}) for _ in range(batch)]
        )
        statements.clear()
        event.listen(engine, "before_cursor_execute", record)
        try:
            evidence = await db.read(lambda c: gather(c, PAIN, period, 5))
        finally:
            event.remove(engine, "before_cursor_execute", record)
        counted.append(len([s for s in statements if s.lstrip().upper().startswith("SELECT")]))
        assert evidence.sus is not None and len(evidence.sus_scores) == 1
    assert counted[0] == counted[1] <= 12
    assert evidence.sus.count == 220


async def test_sql_sus_agrees_with_the_scoring_rule_on_random_answers(db: Database) -> None:
    rng = random.Random(5)
    answers = []
    for _ in range(60):
        given = {f"sus_{i}": rng.randint(1, 5) for i in range(1, 11) if rng.random() > 0.05}
        answers.append(given)
    await load(db, [response(a, started=MARCH + timedelta(minutes=i)) for i, a in enumerate(answers)])
    counts = await db.read(lambda c: agg.sus_score_counts(c, agg.Scope("pain-points"), sus_items(PAIN)))
    in_sql = sorted(score for (_, _, score), n in counts.items() for _ in range(n))
    by_rule = sorted(
        s for a in answers if (s := sus_score({int(k[4:]): v for k, v in a.items()})) is not None
    )
    assert in_sql == by_rule and len(by_rule) < 60
