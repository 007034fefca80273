"""The aggregates against a recount in Python of the stored answers, on realistic random data.

The digest's figures are read from facts kept per response and per chosen option; here every
figure is worked out again from the answers themselves, the way the aggregates used to, so the
two must agree exactly (the median to the precision SQLite's dates allow).
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, select

from bot.reports.demo_data import DemoPlan, demo_responses
from bot.reports.evidence import sus_items
from dialogs.sus_score import sus_score
from storage import aggregates as agg
from storage.db import Database
from storage.models import Answer, AnswerChoice, SurveyResponse
from tests.insights.conftest import load, released
from tests.insights.data import CATALOG, MARCH, march_responses

PAIN = CATALOG.get("pain-points")
assert PAIN is not None
RESPONSE, ANSWER, CHOICE = SurveyResponse.__table__, Answer.__table__, AnswerChoice.__table__
SINGLE = ("disruption", "time_lost", "consulted", "tenure")
NOW = MARCH + timedelta(days=40)


def _in_scope(scope: agg.Scope) -> list[Any]:
    released = RESPONSE.c.batch_id.between(scope.first_batch, scope.last_batch)
    return [RESPONSE.c.survey_id == scope.survey_id, released]


def recount(conn: Connection, scope: agg.Scope) -> dict[str, Any]:
    """Every digest figure for ``scope``, counted in Python from the rows themselves."""
    responses = {r.id: r for r in conn.execute(select(RESPONSE).where(*_in_scope(scope)))}
    answers = [a for a in conn.execute(select(ANSWER)) if a.response_id in responses]
    options = [c for c in conn.execute(select(CHOICE)) if c.response_id in responses]
    durations = [
        (r.finished_at - r.started_at).total_seconds()
        for r in responses.values()
        if r.status == "completed" and r.finished_at is not None
    ]
    values: dict[str, dict[str, list[float]]] = {}
    items: dict[str, dict[int, float]] = {}
    numbered = sus_items(PAIN)
    for a in answers:
        if a.kind == "free_text":
            continue
        if a.question_id in SINGLE and a.value_text is not None:
            values.setdefault(a.question_id, {}).setdefault(a.value_text, []).append(a.value_number or 0.0)
        if a.question_id in numbered and a.value_number is not None:
            items.setdefault(a.response_id, {})[numbered[a.question_id]] = a.value_number
    sus = Counter()
    for rid, given in items.items():
        if (score := sus_score(given)) is not None:
            sus[(responses[rid].role, responses[rid].team, score)] += 1
    return {
        "counts": (
            len(responses),
            sum(r.status == "completed" for r in responses.values()),
            len({r.respondent for r in responses.values()}),
            sum(bool(r.is_demo) for r in responses.values()),
        ),
        "unreleased_in_figures": sum(r.status != "completed" for r in responses.values()),
        "median": statistics.median(durations) if durations else None,
        "values": {q: {v: (len(ns), sum(ns)) for v, ns in by.items()} for q, by in values.items()},
        "choices": {
            q: (
                len({c.response_id for c in options if c.question_id == q}),
                dict(Counter(c.choice for c in options if c.question_id == q)),
            )
            for q in ("tasks", "outcomes")
        },
        "sus": dict(sus),
    }


def counted(conn: Connection, scope: agg.Scope) -> dict[str, Any]:
    """The same figures from the aggregate queries."""
    c = agg.response_counts(conn, scope)
    values = agg.value_counts(conn, scope, list(SINGLE))
    choices = {q: agg.choice_counts(conn, scope, q) for q in ("tasks", "outcomes")}
    return {
        "counts": (c.completed, c.completed, agg.respondent_counts(conn, scope)[0], c.demo),
        "unreleased_in_figures": 0,
        "median": c.median_seconds,
        "values": {q: {v: (n.count, n.number_sum) for v, n in by.items()} for q, by in values.items()},
        "choices": {q: (found.answered, found.counts) for q, found in choices.items()},
        "sus": {key: n.count for key, n in agg.sus_score_counts(conn, scope, sus_items(PAIN)).items()},
    }


SCOPES = [
    (None, None),
    (NOW - timedelta(days=30), NOW),
    (NOW - timedelta(days=60), NOW - timedelta(days=30)),
    (MARCH, MARCH + timedelta(days=1)),
]


@pytest.mark.parametrize("bounds", SCOPES, ids=["all", "last-30-days", "30-days-before", "one-day"])
async def test_the_aggregates_agree_with_a_recount_of_the_answers(
    db: Database, bounds: tuple[datetime | None, datetime | None]
) -> None:
    plan = DemoPlan(120, NOW, days=75, seed=3, repeat_share=0.4)
    await load(db, [*march_responses(), *demo_responses(CATALOG, plan)])
    for survey in ("pain-points", "desired-outcomes"):
        scope = await released(db, survey, *bounds)
        by_hand = await db.read(lambda c, s=scope: recount(c, s))
        by_sql = await db.read(lambda c, s=scope: counted(c, s))
        median, by_hand_median = by_sql.pop("median"), by_hand.pop("median")
        assert by_hand["counts"][0] > 0 or survey != "pain-points"
        assert by_sql == by_hand
        assert median == pytest.approx(by_hand_median, abs=0.01)
