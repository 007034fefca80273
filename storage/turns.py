"""The write path of a turn: dedupe, load state, decide, store answers and state, in one transaction."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from dialogs.effects import (
    DropAnswer,
    Effect,
    FinishResponse,
    RecordAnswer,
    RecordFeedback,
    RecordGuidanceAnswer,
    StartResponse,
)
from storage.db import StaleState
from storage.models import (
    Answer,
    AnswerChoice,
    DialogStateRow,
    GuidanceAnswer,
    ProcessedMessage,
    SurveyResponse,
)

RESPONSE = SurveyResponse.__table__
ANSWER = Answer.__table__
CHOICE = AnswerChoice.__table__
STATE = DialogStateRow.__table__
PROCESSED = ProcessedMessage.__table__
GUIDANCE = GuidanceAnswer.__table__


@dataclass(frozen=True, slots=True)
class Decision:
    """What the dialogs decided for one turn: the new state (JSON-able), effects and anything to return."""

    state: dict[str, Any]
    effects: list[Effect]
    result: Any


Decide = Callable[[dict[str, Any] | None], Decision]


def record_turn(
    conn: Connection, *, message_key: str | None, respondent: str, now: datetime, decide: Decide
) -> Decision | None:
    """Run one turn atomically. Returns None when ``message_key`` was processed before (a duplicate)."""
    if message_key is not None and not claim_message(conn, message_key, now):
        return None
    query = select(STATE.c.state, STATE.c.version).where(STATE.c.respondent == respondent)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    decision = decide(json.loads(row.state) if row else None)
    for effect in decision.effects:
        _apply(conn, effect, respondent)
    encoded = json.dumps(decision.state, separators=(",", ":"), default=str)
    if row is None:
        conn.execute(insert(STATE).values(respondent=respondent, state=encoded, version=1, updated_at=now))
    else:
        changed = conn.execute(
            update(STATE)
            .where(STATE.c.respondent == respondent, STATE.c.version == row.version)
            .values(state=encoded, version=row.version + 1, updated_at=now)
        ).rowcount
        if changed != 1:
            raise StaleState(respondent)
    return decision


def load_state(conn: Connection, respondent: str) -> tuple[dict[str, Any] | None, int]:
    """A respondent's saved dialog state and its version (0 when there is none)."""
    row = conn.execute(select(STATE.c.state, STATE.c.version).where(STATE.c.respondent == respondent)).first()
    return (json.loads(row.state), row.version) if row else (None, 0)


def prune_processed(conn: Connection, before: datetime) -> int:
    """Forget processed-message keys older than ``before`` (platforms stop retrying within minutes)."""
    return conn.execute(delete(PROCESSED).where(PROCESSED.c.processed_at < before)).rowcount


def claim_message(conn: Connection, key: str, now: datetime) -> bool:
    """Mark a message as processed; False when it was processed before."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(PROCESSED).values(key=key, processed_at=now).on_conflict_do_nothing()
    return conn.execute(stmt).rowcount == 1


def _apply(conn: Connection, effect: Effect, respondent: str) -> None:
    match effect:
        case StartResponse():
            conn.execute(
                insert(RESPONSE).values(
                    id=effect.response_id,
                    survey_id=effect.survey_id,
                    survey_version=effect.survey_version,
                    respondent=respondent,
                    status="in_progress",
                    started_at=effect.started_at,
                    is_demo=False,
                )
            )
        case RecordAnswer():
            _record_answer(conn, effect)
        case DropAnswer():
            _drop_choices(conn, effect.response_id, effect.question_id)
            conn.execute(
                delete(ANSWER).where(
                    ANSWER.c.response_id == effect.response_id, ANSWER.c.question_id == effect.question_id
                )
            )
        case RecordGuidanceAnswer():
            conn.execute(
                insert(GUIDANCE).values(
                    id=effect.answer_id,
                    question=effect.question,
                    sections=",".join(effect.sections),
                    confident=effect.confident,
                    asked_at=effect.asked_at,
                )
            )
        case RecordFeedback():
            conn.execute(
                update(GUIDANCE)
                .where(GUIDANCE.c.id == effect.answer_id)
                .values(helpful=effect.helpful, feedback_at=effect.given_at)
            )
        case FinishResponse():
            conn.execute(
                update(RESPONSE)
                .where(RESPONSE.c.id == effect.response_id)
                .values(status=effect.status, finished_at=effect.finished_at)
            )


def _record_answer(conn: Connection, a: RecordAnswer) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    value_text = a.text if a.text is not None else (",".join(a.choices) if a.choices else None)
    stmt = dialect.insert(ANSWER).values(
        response_id=a.response_id,
        question_id=a.question_id,
        kind=a.kind,
        value_text=value_text,
        value_number=a.number,
        answered_at=a.answered_at,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["response_id", "question_id"],
        set_={
            "kind": a.kind,
            "value_text": value_text,
            "value_number": a.number,
            "answered_at": a.answered_at,
        },
    )
    conn.execute(stmt)
    if a.kind == "multiple_choice":
        _drop_choices(conn, a.response_id, a.question_id)
        conn.execute(
            insert(CHOICE),
            [{"response_id": a.response_id, "question_id": a.question_id, "choice": c} for c in a.choices],
        )
    if a.field in ("role", "team"):
        conn.execute(update(RESPONSE).where(RESPONSE.c.id == a.response_id).values({a.field: a.choices[0]}))


def _drop_choices(conn: Connection, response_id: str, question_id: str) -> None:
    conn.execute(
        delete(CHOICE).where(CHOICE.c.response_id == response_id, CHOICE.c.question_id == question_id)
    )
