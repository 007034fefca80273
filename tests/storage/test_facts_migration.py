"""Migration 0005 fills the new facts from answers already stored, so an upgrade keeps its figures."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Connection

from bot.reports.evidence import sus_items
from storage import aggregates as agg
from storage.db import Database
from storage.demo import ResponseRow
from storage.migrate import _config
from storage.releases import batch_range
from tests.insights.data import CATALOG, march_responses
from tests.storage.conftest import recomputed

BEFORE = "0004_insights"
PAIN = CATALOG.get("pain-points")
assert PAIN is not None
START, END = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)


async def march_scope(db: Database) -> agg.Scope:
    """What migration 0007 released in March, in completion order."""
    return agg.Scope.of(await db.read(lambda c: batch_range(c, "pain-points", START, END)))


WHEN = sa.DateTime(timezone=True)
# The tables as revision 0004 left them.
OLD_RESPONSE = sa.table(
    "survey_response",
    *map(sa.column, ("id", "survey_id", "survey_version", "respondent", "status")),
    sa.column("started_at", WHEN),
    sa.column("finished_at", WHEN),
    *map(sa.column, ("role", "team")),
    sa.column("is_demo", sa.Boolean),
)
OLD_ANSWER = sa.table(
    "answer",
    *map(sa.column, ("response_id", "question_id", "kind", "value_text", "value_number")),
    sa.column("answered_at", WHEN),
)
OLD_CHOICE = sa.table("answer_choice", *map(sa.column, ("response_id", "question_id", "choice")))


@pytest.fixture
async def old_db(database_url: str) -> AsyncIterator[Database]:
    """A database at revision 0004 holding the March answers, as an installation before this change."""
    database = Database(database_url)
    rows = list(march_responses())
    await database.write(lambda conn: _at_0004(conn, rows))
    yield database
    await database.close()


def _at_0004(conn: Connection, rows: list[ResponseRow]) -> None:
    command.upgrade(_config(conn), BEFORE)
    for r in rows:
        conn.execute(sa.insert(OLD_RESPONSE), [{c.name: getattr(r, c.name) for c in OLD_RESPONSE.columns}])
        for a in r.answers:
            values = {
                "response_id": r.id,
                **{c.name: getattr(a, c.name) for c in list(OLD_ANSWER.columns)[1:]},
            }
            conn.execute(sa.insert(OLD_ANSWER), [values])
            # Stored in reverse, so the position can only come from the backfill's own order.
            for choice in reversed(a.choices):
                conn.execute(
                    sa.insert(OLD_CHOICE),
                    [{"response_id": r.id, "question_id": a.question_id, "choice": choice}],
                )


def _migrate(conn: Connection, revision: str, *, down: bool = False) -> None:
    (command.downgrade if down else command.upgrade)(_config(conn), revision)


async def test_an_upgraded_installation_keeps_its_figures(old_db: Database) -> None:
    await old_db.write(lambda conn: _migrate(conn, "head"))
    await recomputed(old_db)
    SCOPE = await march_scope(old_db)
    counts = await old_db.read(lambda c: agg.response_counts(c, SCOPE))
    # Migration 0007 released the five March completions in a batch of their own.
    assert (counts.completed, counts.people, counts.demo) == (5, 5, 0)
    assert counts.median_seconds == pytest.approx(5 * 60, abs=0.01)
    scores = await old_db.read(lambda c: agg.sus_score_counts(c, SCOPE, sus_items(PAIN)))
    assert sorted(s for (_, _, s), n in scores.items() for _ in range(n.count)) == [
        0.0,
        25.0,
        50.0,
        75.0,
        100.0,
    ]
    picked = await old_db.read(lambda c: agg.choice_counts(c, SCOPE, "tasks"))
    assert picked.answered == 5
    assert picked.counts == {"double-entry": 3, "search": 2, "recording-visits": 1, "speed": 1}
    hours = (await old_db.read(lambda c: agg.value_counts(c, SCOPE, ["time_lost"])))["time_lost"]
    assert sum(v.number_sum for v in hours.values()) / sum(v.count for v in hours.values()) == pytest.approx(
        4.9
    )


async def test_the_backfill_gives_each_answer_one_first_option(old_db: Database) -> None:
    await old_db.write(lambda conn: _migrate(conn, "head"))
    choice = sa.table("answer_choice", *map(sa.column, ("response_id", "question_id", "choice", "position")))
    rows = await old_db.read(lambda c: c.execute(sa.select(choice)).all())
    positions: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for r in rows:
        positions.setdefault((r.response_id, r.question_id), []).append((r.position, r.choice))
    assert positions and all(
        sorted(found) == list(enumerate(sorted(c for _, c in found))) for found in positions.values()
    )


async def test_the_revision_goes_down_and_up_again_keeping_the_answers(old_db: Database) -> None:
    await old_db.write(lambda conn: _migrate(conn, "head"))
    await old_db.write(lambda conn: _migrate(conn, BEFORE, down=True))
    answers = await old_db.read(
        lambda c: c.execute(sa.select(sa.func.count()).select_from(OLD_ANSWER)).scalar()
    )
    assert answers == sum(len(r.answers) for r in march_responses())
    await old_db.write(lambda conn: _migrate(conn, "head"))
    SCOPE = await march_scope(old_db)
    counts = await old_db.read(lambda c: agg.response_counts(c, SCOPE))
    assert counts.completed == 5
