"""An erased person's released response leaves every figure, and its batch's totals, from then on.

Hand-checked data (tests/insights/data.py): five March responses released as one batch of five
people, SUS scores 50, 100, 75, 25 and 0. Erasing the person who scored 100 leaves four, below the
threshold of five, so the batch's floor on people says so and a digest would hold the figures back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

from bot.respondent import pseudonym
from storage import aggregates as agg
from storage import personal_data
from storage.db import Database
from tests.insights.conftest import load, released
from tests.insights.data import march_responses

START, END = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)


async def test_an_erased_response_leaves_figures_and_its_batch(db: Database) -> None:
    rows = list(march_responses())
    await load(db, rows)
    scope = await released(db, "pain-points", START, END)
    before = await db.read(lambda c: agg.response_counts(c, scope))
    assert (before.completed, before.counting, before.people) == (5, 5, 5)
    second = rows[1].respondent  # SUS 100

    removed = await db.write(partial(personal_data.erase, pseudonyms=[second], contacts=[]))
    assert removed["survey_response"] == 1 and removed["answer"] == len(rows[1].answers)

    scope = await released(db, "pain-points", START, END)
    after = await db.read(lambda c: agg.response_counts(c, scope))
    assert (after.completed, after.counting, after.people) == (4, 4, 4)
    found = await db.read(partial(personal_data.collect, pseudonyms=[second], contacts=[]))
    assert found.empty


async def test_erasing_someone_with_nothing_stored_changes_nothing(db: Database) -> None:
    await load(db, march_responses())
    nobody = pseudonym(b"some key of at least sixteen", "web", "nobody")
    assert await db.write(partial(personal_data.erase, pseudonyms=[nobody], contacts=[])) == {}
    scope = await released(db, "pain-points", START, END)
    assert (await db.read(lambda c: agg.response_counts(c, scope))).completed == 5
