"""Query auditing of the plan's breakdowns: a group that grew by one person since it was last shown stays hidden."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.reports.periods import parse_period
from storage.db import Database
from tests.insights.conftest import evidence_for, load
from tests.insights.data import CATALOG, response, sus

PAIN = CATALOG.get("pain-points")
assert PAIN is not None
NOW = datetime(2026, 3, 20, 12, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")
ALL = parse_period("all", NOW, LONDON)


def people(role: str, n: int, start: datetime, odd: int = 4) -> list:
    return [
        response({"role": role, "team": "assessment", **sus(odd, 2)}, started=start + timedelta(minutes=i))
        for i in range(n)
    ]


def rows(evidence: object, by: str = "role") -> dict[str, int | None]:
    return {row.label: row.respondents for row in evidence.breakdowns[by]}  # type: ignore[attr-defined]


async def test_a_group_one_person_bigger_than_when_last_shown_is_refused(db: Database) -> None:
    march = datetime(2026, 3, 2, 9, tzinfo=UTC)
    await load(
        db,
        [*people("social-worker", 5, march), *people("senior-practitioner", 5, march + timedelta(hours=1))],
    )
    first = await evidence_for(db, PAIN, ALL, 5, breakdowns=True)
    assert rows(first) == {"Social worker": 5, "Senior or advanced practitioner": 5}
    # One more social worker, released with four team managers: the whole population grows by a
    # batch of five, but the social workers' own group by one, whose SUS the two plans would give.
    later = march + timedelta(days=2)
    await load(
        db,
        [*people("social-worker", 1, later, odd=1), *people("team-manager", 4, later + timedelta(hours=1))],
    )
    second = await evidence_for(db, PAIN, ALL, 5, breakdowns=True)
    assert second.counts.completed == 15
    shown = rows(second)
    assert shown["Social worker"] is None and shown["Team manager"] is None
    assert shown["Senior or advanced practitioner"] == 5  # the same five as before


async def test_the_same_group_is_shown_when_nobody_saw_it_before(db: Database) -> None:
    march = datetime(2026, 3, 2, 9, tzinfo=UTC)
    later = march + timedelta(days=2)
    await load(
        db,
        [*people("social-worker", 5, march), *people("senior-practitioner", 5, march + timedelta(hours=1))],
    )
    await load(
        db,
        [*people("social-worker", 1, later, odd=1), *people("team-manager", 4, later + timedelta(hours=1))],
    )
    only = await evidence_for(db, PAIN, ALL, 5, breakdowns=True)
    assert rows(only)["Social worker"] == 6


async def test_a_group_that_is_a_whole_population_but_one_is_refused(db: Database) -> None:
    # A digest showed March's whole population (ten people); a plan for the quarter would show the
    # social workers, who are everyone in March but one: the two would give that one's answers.
    # (Were the digest never asked, the audit would still compare with March as it stands.)
    march = datetime(2026, 3, 2, 9, tzinfo=UTC)
    await load(
        db, [*people("social-worker", 9, march), *people("team-manager", 1, march + timedelta(hours=1))]
    )
    month = parse_period("2026-03", NOW, LONDON)
    digest = await evidence_for(db, PAIN, month, 5)
    assert digest.counts.completed == 10
    await load(db, [*people("senior-practitioner", 5, march + timedelta(days=20))])
    quarter = await evidence_for(db, PAIN, parse_period("2026-Q1", NOW, LONDON), 5, breakdowns=True)
    assert rows(quarter)["Social worker"] is None
