"""The write path of a turn: dedupe, load state, decide, store answers and state, in one transaction.

Recording an answer also keeps the facts digests read on its response (``storage.response_facts``).

Statements are built once, with bound parameters, so each turn reuses SQLAlchemy's compiled
form instead of rebuilding and re-keying statements: this is the hottest path of the server.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Integer, String, bindparam, delete, insert, literal_column, select, update
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
from storage import response_facts as facts
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


def _per_dialect(build: Callable[[Any], Any]) -> dict[str, Any]:
    return {"sqlite": build(sqlite), "postgresql": build(postgresql)}


CLAIM = _per_dialect(
    lambda d: (
        d.insert(PROCESSED)
        .values(key=bindparam("key"), processed_at=bindparam("now"))
        .on_conflict_do_nothing()
    )
)
SELECT_STATE = select(STATE.c.state, STATE.c.version).where(STATE.c.respondent == bindparam("respondent"))
SELECT_STATE_LOCKED = SELECT_STATE.with_for_update()
INSERT_STATE = insert(STATE).values(
    respondent=bindparam("respondent"), state=bindparam("state"), version=1, updated_at=bindparam("now")
)
UPDATE_STATE = (
    update(STATE)
    .where(STATE.c.respondent == bindparam("who"), STATE.c.version == bindparam("seen"))
    .values(state=bindparam("state"), version=bindparam("next_version"), updated_at=bindparam("now"))
)
UPSERT_ANSWER = _per_dialect(
    lambda d: (
        stmt := d.insert(ANSWER).values(
            response_id=bindparam("rid"),
            question_id=bindparam("qid"),
            kind=bindparam("kind"),
            value_text=bindparam("text"),
            value_number=bindparam("number"),
            answered_at=bindparam("at"),
        )
    ).on_conflict_do_update(
        index_elements=["response_id", "question_id"],
        set_={
            "kind": stmt.excluded.kind,
            "value_text": stmt.excluded.value_text,
            "value_number": stmt.excluded.value_number,
            "answered_at": stmt.excluded.answered_at,
        },
    )
)
DROP_CHOICES = delete(CHOICE).where(
    CHOICE.c.response_id == bindparam("rid"), CHOICE.c.question_id == bindparam("qid")
)
DROP_ANSWER = delete(ANSWER).where(
    ANSWER.c.response_id == bindparam("rid"), ANSWER.c.question_id == bindparam("qid")
)
INSERT_RESPONSE = insert(RESPONSE)
_RID = bindparam("rid", type_=String)
# Each option copies its response's survey, start and status, so options are counted without a join.
INSERT_CHOICES = insert(CHOICE).from_select(
    ["response_id", "question_id", "choice", "position", "survey_id", "started_at", "abandoned"],
    select(
        _RID,
        bindparam("qid", type_=String),
        bindparam("choice", type_=String),
        bindparam("position", type_=Integer),
        RESPONSE.c.survey_id,
        RESPONSE.c.started_at,
        RESPONSE.c.status == literal_column("'abandoned'"),
    ).where(RESPONSE.c.id == _RID),
)
ABANDON_CHOICES = update(CHOICE).where(CHOICE.c.response_id == bindparam("rid")).values(abandoned=True)
# An answer may change its response's row too: its role or team, or a fact digests read
# (storage.response_facts). Keyed by the field, or by the question id for facts.
RESPONSE_UPDATES = {
    **{
        field: update(RESPONSE).where(RESPONSE.c.id == bindparam("rid")).values({field: bindparam("value")})
        for field in ("role", "team")
    },
    **facts.ANSWER_UPDATES,
}
# PostgreSQL runs such an answer's upsert and the response's update as one statement (the upsert
# as a data-modifying WITH), a round trip less per answer; SQLite runs in process and does both.
ANSWER_AND_RESPONSE = {
    key: stmt.add_cte(UPSERT_ANSWER["postgresql"].cte("answered")) for key, stmt in RESPONSE_UPDATES.items()
}
_FINISHED = bindparam("finished", type_=RESPONSE.c.finished_at.type)
COMPLETE = {
    d: update(RESPONSE)
    .where(RESPONSE.c.id == bindparam("rid"))
    .values(
        status=bindparam("status"),
        finished_at=_FINISHED,
        seconds_to_complete=facts.seconds_between(d, RESPONSE.c.started_at, _FINISHED),
    )
    for d in facts.DIALECTS
}
END = (
    update(RESPONSE)
    .where(RESPONSE.c.id == bindparam("rid"))
    .values(status=bindparam("status"), finished_at=_FINISHED)
)


def record_turn(
    conn: Connection, *, message_key: str | None, respondent: str, now: datetime, decide: Decide
) -> Decision | None:
    """Run one turn atomically. Returns None when ``message_key`` was processed before (a duplicate)."""
    if message_key is not None and not claim_message(conn, message_key, now):
        return None
    locked = conn.dialect.name == "postgresql"
    row = conn.execute(SELECT_STATE_LOCKED if locked else SELECT_STATE, {"respondent": respondent}).first()
    decision = decide(json.loads(row.state) if row else None)
    for effect in decision.effects:
        _apply(conn, effect, respondent)
    encoded = json.dumps(decision.state, separators=(",", ":"), default=str)
    if row is None:
        conn.execute(INSERT_STATE, {"respondent": respondent, "state": encoded, "now": now})
    else:
        params = {
            "who": respondent,
            "seen": row.version,
            "state": encoded,
            "next_version": row.version + 1,
            "now": now,
        }
        if conn.execute(UPDATE_STATE, params).rowcount != 1:
            raise StaleState(respondent)
    return decision


def load_state(conn: Connection, respondent: str) -> tuple[dict[str, Any] | None, int]:
    """A respondent's saved dialog state and its version (0 when there is none)."""
    row = conn.execute(SELECT_STATE, {"respondent": respondent}).first()
    return (json.loads(row.state), row.version) if row else (None, 0)


def prune_processed(conn: Connection, before: datetime) -> int:
    """Forget processed-message keys older than ``before`` (platforms stop retrying within minutes)."""
    return conn.execute(delete(PROCESSED).where(PROCESSED.c.processed_at < before)).rowcount


def claim_message(conn: Connection, key: str, now: datetime) -> bool:
    """Mark a message as processed; False when it was processed before."""
    return conn.execute(CLAIM[conn.dialect.name], {"key": key, "now": now}).rowcount == 1


def _apply(conn: Connection, effect: Effect, respondent: str) -> None:
    match effect:
        case StartResponse():
            conn.execute(
                INSERT_RESPONSE,
                {
                    "id": effect.response_id,
                    "survey_id": effect.survey_id,
                    "survey_version": effect.survey_version,
                    "respondent": respondent,
                    "status": "in_progress",
                    "started_at": effect.started_at,
                    "is_demo": False,
                },
            )
        case RecordAnswer():
            _record_answer(conn, effect)
        case DropAnswer():
            keys = {"rid": effect.response_id, "qid": effect.question_id}
            conn.execute(DROP_CHOICES, keys)
            conn.execute(DROP_ANSWER, keys)
            if effect.question_id in facts.ANSWER_UPDATES:
                withdrawn = {"rid": effect.response_id, "text": None, "number": None}
                conn.execute(facts.ANSWER_UPDATES[effect.question_id], withdrawn)
        case RecordGuidanceAnswer():
            conn.execute(
                insert(GUIDANCE),
                {
                    "id": effect.answer_id,
                    "question": effect.question,
                    "sections": ",".join(effect.sections),
                    "confident": effect.confident,
                    "asked_at": effect.asked_at,
                },
            )
        case RecordFeedback():
            conn.execute(
                update(GUIDANCE)
                .where(GUIDANCE.c.id == effect.answer_id)
                .values(helpful=effect.helpful, feedback_at=effect.given_at)
            )
        case FinishResponse():
            _finish(conn, effect)


def _record_answer(conn: Connection, a: RecordAnswer) -> None:
    params = {
        "rid": a.response_id,
        "qid": a.question_id,
        "kind": a.kind,
        "text": a.text if a.text is not None else (",".join(a.choices) if a.choices else None),
        "number": a.number,
        "at": a.answered_at,
        "value": a.choices[0] if a.choices else None,
    }
    dialect, also = conn.dialect.name, _response_update(a)
    if also is not None and dialect == "postgresql":
        conn.execute(ANSWER_AND_RESPONSE[also], params)
    else:
        conn.execute(UPSERT_ANSWER[dialect], params)
        if also is not None:
            conn.execute(RESPONSE_UPDATES[also], params)
    if a.kind == "multiple_choice":
        conn.execute(DROP_CHOICES, params)
        conn.execute(
            INSERT_CHOICES,
            [
                {"rid": a.response_id, "qid": a.question_id, "choice": c, "position": i}
                for i, c in enumerate(a.choices)
            ],
        )


def _response_update(a: RecordAnswer) -> str | None:
    """Which of ``RESPONSE_UPDATES`` this answer needs, if any."""
    if a.field in ("role", "team"):
        return a.field
    if a.kind != "free_text" and a.question_id in facts.ANSWER_UPDATES:
        return a.question_id
    return None


def _finish(conn: Connection, effect: FinishResponse) -> None:
    params = {"rid": effect.response_id, "status": effect.status, "finished": effect.finished_at}
    if effect.status == "completed":
        conn.execute(COMPLETE[conn.dialect.name], params)
        return
    conn.execute(END, params)
    if effect.status == "abandoned":
        conn.execute(ABANDON_CHOICES, {"rid": effect.response_id})
