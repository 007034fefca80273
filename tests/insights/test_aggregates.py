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
from storage.releases import batch_range
from tests.insights.conftest import load, released
from tests.insights.data import CATALOG, MARCH, march_responses, response, sus

LONDON = ZoneInfo("Europe/London")
START, END = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)


async def march(db: Database) -> agg.Scope:
    """The March data loaded, and the scope of what was released in March."""
    await load(db, march_responses())
    return await released(db, "pain-points", START, END)


async def gathered(db: Database, period_name: str, k: int, **options: object) -> object:
    period = parse_period(period_name, MARCH, LONDON)

    def read(c: object) -> object:
        batches = batch_range(c, PAIN.stored_as, period.start, period.end)  # type: ignore[arg-type]
        return gather(c, PAIN, period, batches, k, **options)  # type: ignore[arg-type]

    return await db.read(read)


PAIN = CATALOG.get("pain-points")
assert PAIN is not None


async def test_response_counts_leave_out_unreleased_responses_and_other_periods(db: Database) -> None:
    scope = await march(db)
    counts = await db.read(lambda c: agg.response_counts(c, scope))
    assert (counts.completed, counts.counting, counts.people, counts.demo) == (5, 5, 5, 0)
    assert await db.read(lambda c: agg.respondent_counts(c, scope)) == (5, 5)
    assert counts.median_seconds == pytest.approx(5 * 60, abs=0.01)


async def test_median_time_with_an_even_number_is_the_mean_of_the_middle_two(db: Database) -> None:
    await load(db, [response({"disruption": "daily"}, minutes=m) for m in (2, 4, 8, 30, 31, 32)])
    scope = await released(db, "pain-points")
    counts = await db.read(lambda c: agg.response_counts(c, scope))
    # The sixth is released once the fifth person has finished, with the first five: a batch of 5.
    assert counts.completed == 5
    assert counts.median_seconds == pytest.approx(8 * 60, abs=0.01)
    await load(db, [response({"disruption": "daily"}, minutes=m) for m in (40, 41, 42, 43)])
    scope = await released(db, "pain-points")
    counts = await db.read(lambda c: agg.response_counts(c, scope))
    assert counts.completed == 10
    assert counts.median_seconds == pytest.approx((31 + 32) / 2 * 60, abs=0.01)


async def test_single_choice_distributions_with_their_numbers(db: Database) -> None:
    scope = await march(db)
    counted = await db.read(lambda c: agg.value_counts(c, scope, ["disruption", "time_lost", "consulted"]))
    assert {v: n.count for v, n in counted["disruption"].items()} == {
        "daily": 1, "weekly": 2, "monthly": 1, "fortnightly": 1,
    }  # fmt: skip
    hours = counted["time_lost"]
    assert sum(v.count for v in hours.values()) == 5
    assert sum(v.number_sum for v in hours.values()) / 5 == pytest.approx(4.9)
    assert {v: n.count for v, n in counted["consulted"].items()} == {"no": 4, "yes": 1}


async def test_multiple_choice_counts_each_option_and_the_responses_that_answered(db: Database) -> None:
    scope = await march(db)
    picked = await db.read(lambda c: agg.choice_counts(c, scope, "tasks"))
    assert picked.answered == 5
    assert picked.counts == {"double-entry": 3, "search": 2, "recording-visits": 1, "speed": 1}


async def test_sus_is_scored_in_sql_and_a_missing_item_means_no_score(db: Database) -> None:
    scope = await march(db)
    counts = await db.read(lambda c: agg.sus_score_counts(c, scope, sus_items(PAIN)))
    scores = sorted(score for (_, _, score), n in counts.items() for _ in range(n.count))
    assert scores == [0.0, 25.0, 50.0, 75.0, 100.0]


async def test_the_evidence_summarises_sus_as_computed_by_hand(db: Database) -> None:
    await load(db, march_responses())
    evidence = await gathered(db, "2026-03", 5)
    s = evidence.sus
    assert s is not None
    assert (s.count, s.mean, s.median) == (5, 50.0, 50.0)
    assert s.ci_low == pytest.approx(0.93, abs=0.01) and s.ci_high == pytest.approx(99.07, abs=0.01)
    assert s.share_below_average == pytest.approx(0.6)
    assert s.band == "OK"
    # Every cell holds fewer than five, so no cell and no comparison built from cells is shown.
    assert not evidence.comparisons
    assert all(not s.shown for s in evidence.distributions["disruption"].shares)
    assert evidence.distributions["time_lost"].mean_number == pytest.approx(4.9)
    # Every option was picked by fewer than five: none is shown, and they follow the survey's order.
    assert [s.value for s in evidence.ranked("tasks")] == [
        "recording-visits",
        "double-entry",
        "search",
        "speed",
    ]
    assert not any(s.shown for s in evidence.ranked("tasks"))


async def test_free_text_themes_count_mentions_and_quote_redacted_words(db: Database) -> None:
    scope = await march(db)
    themes = {"speed": ("slow", "crash"), "double-entry": ("twice",)}
    answered, counts = await db.read(lambda c: agg.theme_counts(c, scope, "frustration", themes))
    assert answered == 5 and {k: v.count for k, v in counts.items()} == {"speed": 4, "double-entry": 1}
    evidence = await gathered(db, "2026-03", 4)
    [speed] = evidence.themes["frustration"]
    assert speed.key == "speed" and speed.count == 4 and len(speed.quotes) == 3
    assert all("07700" not in q for q in speed.quotes)
    assert any("[phone number]" in q for q in speed.quotes)


async def test_the_queries_do_not_grow_with_the_answers(db: Database) -> None:
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
            evidence = await gathered(db, "all", 5)
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
    scope = await released(db, "pain-points")
    counts = await db.read(lambda c: agg.sus_score_counts(c, scope, sus_items(PAIN)))
    in_sql = sorted(score for (_, _, score), n in counts.items() for _ in range(n.count))
    by_rule = [s for a in answers if (s := sus_score({int(k[4:]): v for k, v in a.items()})) is not None]
    # Responses missing an item are never released; the others in batches of five, in order.
    assert in_sql == sorted(by_rule[: len(by_rule) // 5 * 5]) and len(by_rule) < 60
