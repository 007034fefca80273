"""Facts kept on each response: turns keep them as the answers say, and the figures agree either way.

Turns update a response's facts answer by answer; bulk loads (and migration 0005) compute them
from stored answers. Both must give what the answers give, so a digest reads the same whichever
way the answers arrived.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import Connection, select

from bot.reports.demo_data import DemoPlan, demo_responses
from bot.reports.evidence import sus_items
from dialogs.effects import DropAnswer, FinishResponse, RecordAnswer, StartResponse
from dialogs.sus_score import sus_score
from storage import aggregates as agg
from storage.db import Database
from storage.demo import ResponseRow, insert_responses
from storage.models import AnswerChoice
from storage.releases import batch_range, release_pending, set_min_group_size
from tests.insights.data import CATALOG, MARCH, march_responses, response, sus
from tests.storage.conftest import as_turns, recomputed, take_turn

PAIN = CATALOG.get("pain-points")
assert PAIN is not None
CHOICE = AnswerChoice.__table__
RID = "00000000-0000-4000-8000-00000000f001"


async def answer(db: Database, question_id: str, value: int | str | None, *, kind: str = "agreement") -> None:
    if value is None:
        await take_turn(db, "ann", [DropAnswer(RID, question_id)])
        return
    number = float(value) if kind == "agreement" else (3.5 if value == "2-5h" else None)
    effect = RecordAnswer(RID, question_id, kind, MARCH, None, number, (str(value),))
    await take_turn(db, "ann", [effect])


async def test_turns_keep_the_facts_the_stored_answers_give(db: Database) -> None:
    for r in march_responses():
        for effects in as_turns(r):
            await take_turn(db, r.respondent, effects)
    facts = await recomputed(db)
    scores = sorted(f["sus_score"] for f in facts.values() if f["sus_score"] is not None)
    # Five scored March responses, the restarted one (100) and February's five (0); the unfinished one has no item 10.
    assert scores == [0.0] * 6 + [25.0, 50.0, 75.0, 100.0, 100.0]
    minutes = sorted(f["seconds_to_complete"] / 60 for f in facts.values() if f["seconds_to_complete"])
    assert minutes == pytest.approx([3] * 7 + [4, 5, 6, 10], abs=1e-4)  # SQLite's julianday is that coarse
    hours = sorted(f["time_lost_number"] for f in facts.values() if f["time_lost"] is not None)
    assert hours == [0.0, 1.5, 3.5, 7.5, 12.0]


async def test_a_changed_or_withdrawn_answer_changes_the_facts(db: Database) -> None:
    await take_turn(db, "ann", [StartResponse(RID, "pain-points", 1, MARCH)])
    for item, value in sus(4, 2).items():
        await answer(db, item, value)
    assert (await recomputed(db))[RID]["sus_score"] == 75.0
    await answer(db, "sus_3", 5)
    assert (await recomputed(db))[RID]["sus_score"] == 77.5
    await answer(db, "sus_3", None)
    assert (await recomputed(db))[RID]["sus_score"] is None
    await answer(db, "sus_3", 4)
    assert (await recomputed(db))[RID]["sus_score"] == 75.0
    await answer(db, "time_lost", "2-5h", kind="single_choice")
    assert (await recomputed(db))[RID]["time_lost_number"] == 3.5
    await answer(db, "time_lost", None)
    facts = (await recomputed(db))[RID]
    assert facts["time_lost"] is None and facts["time_lost_number"] is None


async def test_an_unfinished_response_with_every_item_is_scored_but_in_no_figure(db: Database) -> None:
    await take_turn(db, "ann", [StartResponse(RID, "pain-points", 1, MARCH)])
    for item, value in sus(3, 3).items():
        await answer(db, item, value)
    assert (await recomputed(db))[RID]["sus_score"] == 50.0
    counts = await db.read(lambda c: agg.sus_score_counts(c, await_all(c), sus_items(PAIN)))
    assert counts == {}


async def test_a_restarted_response_leaves_its_options_and_time_out(db: Database) -> None:
    tasks = RecordAnswer(RID, "tasks", "multiple_choice", MARCH, None, None, ("search", "speed"))
    await take_turn(db, "ann", [StartResponse(RID, "pain-points", 1, MARCH), tasks])
    picked = await db.read(lambda c: agg.choice_counts(c, await_all(c), "tasks"))
    assert (picked.answered, picked.counts) == (0, {})  # in progress: in no figure
    await take_turn(db, "ann", [FinishResponse(RID, "abandoned", MARCH + timedelta(minutes=2))])
    await db.write(lambda c: set_min_group_size(c, 1, now=MARCH))
    await db.write(release_pending)
    picked = await db.read(lambda c: agg.choice_counts(c, await_all(c), "tasks"))
    assert (picked.answered, picked.counts) == (0, {})
    flags = await db.read(lambda c: c.execute(select(CHOICE.c.abandoned, CHOICE.c.position)).all())
    assert sorted(flags) == [(True, 0), (True, 1)]
    assert (await recomputed(db))[RID]["seconds_to_complete"] is None


async def test_the_figures_are_the_same_whether_answers_came_by_turn_or_in_bulk(db: Database) -> None:
    # Every completion is released at once (a threshold of one), so both ways release the same
    # responses; batches then differ only in when they were made, so all of them are compared.
    await db.write(lambda c: set_min_group_size(c, 1, now=MARCH))
    plan = DemoPlan(60, MARCH + timedelta(days=40), days=80, seed=11, is_demo=False, repeat_share=0.3)
    bulk = [*march_responses(), *demo_responses(CATALOG, plan)]
    await db.write(lambda conn: insert_responses(conn, bulk, batch=7))
    for r in bulk:
        for effects in as_turns(_by_turn(r)):
            await take_turn(db, f"turn-{r.respondent}", effects)
    await recomputed(db)
    for survey in ("pain-points", "desired-outcomes"):
        loaded = await db.read(lambda c, s=survey: await_all(c, s))
        turned = await db.read(lambda c, s=survey: await_all(c, f"{s}~turns"))
        assert loaded.first_batch <= loaded.last_batch
        assert await _figures(db, loaded) == await _figures(db, turned)


def _by_turn(r: ResponseRow) -> ResponseRow:
    # The same response under another survey id, so both arrive in one database side by side.
    return dataclasses.replace(r, id="t" + r.id[1:], survey_id=f"{r.survey_id}~turns")


async def _figures(db: Database, scope: agg.Scope) -> tuple[object, ...]:
    single = ["disruption", "time_lost", "consulted", "tenure"]

    def read(conn: Connection) -> tuple[object, ...]:
        counts = agg.response_counts(conn, scope)
        median = round(counts.median_seconds, 3) if counts.median_seconds is not None else None
        return (
            dataclasses.replace(counts, median_seconds=median),
            agg.value_counts(conn, scope, single),
            agg.choice_counts(conn, scope, "tasks"),
            agg.choice_counts(conn, scope, "outcomes"),
            agg.sus_score_counts(conn, scope, sus_items(PAIN)),
            agg.group_sizes(conn, scope, "role"),
        )

    return await db.read(read)


async def test_sus_items_stored_under_other_ids_are_scored_from_the_answers(db: Database) -> None:
    # Items numbered differently from their ids cannot use the stored score: the answers are read.
    swapped = {f"sus_{i}": i + 1 if i % 2 else i - 1 for i in range(1, 11)}
    given = [sus(5, 1), sus(4, 2), sus(2, 5, missing=(4,)), sus(3, 1)]
    await db.write(lambda c: set_min_group_size(c, 1, now=MARCH))
    await db.write(lambda conn: insert_responses(conn, [response(a) for a in given]))
    counts = await db.read(lambda c: agg.sus_score_counts(c, await_all(c), swapped))
    by_rule = [sus_score({swapped[k]: v for k, v in a.items()}) for a in given]
    scored = sorted(s for (_, _, s), n in counts.items() for _ in range(n.count))
    assert scored == sorted(s for s in by_rule if s is not None) == [0.0, 25.0, 25.0]


def await_all(conn: Connection, survey_id: str = "pain-points") -> agg.Scope:
    """Every batch the survey has released."""
    return agg.Scope.of(batch_range(conn, survey_id, None, None))
