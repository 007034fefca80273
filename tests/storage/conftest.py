"""Fixtures for the storage tests: a migrated database, and responses written through turns."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from dialogs.effects import Effect, FinishResponse, RecordAnswer, StartResponse
from storage.db import Database
from storage.demo import ResponseRow
from storage.models import SurveyResponse
from storage.response_facts import COPIED_ANSWERS, SUS_QUESTIONS, refresh_facts
from storage.turns import Decision, record_turn

RESPONSE = SurveyResponse.__table__
FACTS = ("seconds_to_complete", "sus_score", *COPIED_ANSWERS, *(f"{q}_number" for q in COPIED_ANSWERS))
FACT_COLUMNS = (*FACTS, *SUS_QUESTIONS)


async def take_turn(db: Database, respondent: str, effects: Iterable[Effect]) -> None:
    """Store ``effects`` the way a turn does: in one transaction, through ``record_turn``."""
    decided = Decision({}, list(effects), None)

    def write(conn: Connection) -> None:
        now = datetime.now(UTC)
        record_turn(conn, message_key=None, respondent=respondent, now=now, decide=lambda _: decided)

    await db.write(write)


def as_turns(r: ResponseRow) -> list[list[Effect]]:
    """A bulk-loadable response as the turns that would have stored it, one effect per turn."""
    turns: list[list[Effect]] = [[StartResponse(r.id, r.survey_id, r.survey_version, r.started_at)]]
    for a in r.answers:
        free_text = a.kind == "free_text"
        choices = a.choices or (() if free_text or a.value_text is None else (a.value_text,))
        field = a.question_id if a.question_id in ("role", "team") else None
        text = a.value_text if free_text else None
        turns.append(
            [RecordAnswer(r.id, a.question_id, a.kind, a.answered_at, text, a.value_number, choices, field)]
        )
    if r.status != "in_progress":
        finished = r.finished_at or r.started_at + timedelta(minutes=1)
        turns.append([FinishResponse(r.id, r.status, finished)])
    return turns


async def facts_of(db: Database) -> dict[str, dict[str, Any]]:
    """Each response's fact columns, by response id."""

    def read(conn: Connection) -> dict[str, dict[str, Any]]:
        rows = conn.execute(select(RESPONSE.c.id, *(RESPONSE.c[c] for c in FACT_COLUMNS)))
        return {row.id: {c: row._mapping[c] for c in FACT_COLUMNS} for row in rows}

    return await db.read(read)


async def recomputed(db: Database) -> dict[str, dict[str, object]]:
    """Recompute every response's facts from its stored answers, check none moved, and return them."""

    def recompute(conn: Connection) -> None:
        ids = list(conn.execute(select(RESPONSE.c.id)).scalars())
        refresh_facts(conn, ids)

    kept = await facts_of(db)
    await db.write(recompute)
    again = await facts_of(db)
    assert again == kept, "the facts kept differ from what the stored answers give"
    return again
