"""The write path of a turn: dedupe, load state, decide, store answers and state, in one transaction.

Recording an answer also keeps the facts digests read on its response (``storage.response_facts``).

Statements are built once, with bound parameters, so each turn reuses SQLAlchemy's compiled
form instead of rebuilding and re-keying statements: this is the hottest path of the server.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Integer, String, bindparam, delete, insert, literal_column, select, update
from sqlalchemy.dialects import postgresql

from dialogs.effects import (
    DropAnswer,
    Effect,
    FinishResponse,
    RecordAnswer,
    RecordFeedback,
    RecordGuidanceAnswer,
    StartResponse,
)
from storage import releases
from storage import response_facts as facts
from storage.db import StaleState
from storage.models import (
    Answer,
    AnswerChoice,
    DialogStateRow,
    GuidanceAnswer,
    ProcessedMessage,
    SurveyResponse,
    table_of,
)
from storage.prepared import Prepared, first, per_dialect, upsert

RESPONSE = table_of(SurveyResponse)
ANSWER = table_of(Answer)
CHOICE = table_of(AnswerChoice)
STATE = table_of(DialogStateRow)
PROCESSED = table_of(ProcessedMessage)
GUIDANCE = table_of(GuidanceAnswer)


@dataclass(frozen=True, slots=True)
class Decision:
    """What the dialogs decided for one turn: the new state (JSON-able), effects and anything to return.

    ``delivered`` is what the turn's ``deliver`` step wrote in the same transaction (outbox rows).
    """

    state: dict[str, Any]
    effects: list[Effect]
    result: Any
    delivered: Any = None


Decide = Callable[[dict[str, Any] | None], Decision]
Deliver = Callable[[Connection, Decision], Any]


CLAIM = per_dialect(
    lambda d: (
        d.insert(PROCESSED)
        .values(key=bindparam("key"), processed_at=bindparam("now"))
        .on_conflict_do_nothing()
    )
)
CLAIMED = Prepared(select(PROCESSED.c.key).where(PROCESSED.c.key == bindparam("key")))
_SELECT_STATE = select(STATE.c.state, STATE.c.version).where(STATE.c.respondent == bindparam("respondent"))
SELECT_STATE = Prepared(_SELECT_STATE)
# PostgreSQL locks the row for the turn; SQLite's one writer already has the database to itself.
SELECT_STATE_LOCKED = Prepared(_SELECT_STATE.with_for_update(), sqlite_statement=_SELECT_STATE)
INSERT_STATE = Prepared(
    insert(STATE).values(
        respondent=bindparam("respondent"), state=bindparam("state"), version=1, updated_at=bindparam("now")
    )
)
UPDATE_STATE = Prepared(
    update(STATE)
    .where(STATE.c.respondent == bindparam("who"), STATE.c.version == bindparam("seen"))
    .values(state=bindparam("state"), version=bindparam("next_version"), updated_at=bindparam("now"))
)


def _upsert_answer(d: Any) -> Any:
    values: dict[str, Any] = {
        "response_id": bindparam("rid"),
        "question_id": bindparam("qid"),
        "kind": bindparam("kind"),
        "value_text": bindparam("text"),
        "value_number": bindparam("number"),
        "answered_at": bindparam("at"),
    }
    return upsert(d, ANSWER, values, keys=["response_id", "question_id"])


UPSERT_ANSWER = per_dialect(_upsert_answer)
DROP_CHOICES = Prepared(
    delete(CHOICE).where(CHOICE.c.response_id == bindparam("rid"), CHOICE.c.question_id == bindparam("qid"))
)
DROP_ANSWER = Prepared(
    delete(ANSWER).where(ANSWER.c.response_id == bindparam("rid"), ANSWER.c.question_id == bindparam("qid"))
)
INSERT_RESPONSE = insert(RESPONSE)
_RID = bindparam("rid", type_=String)
# Each option copies its response's survey, start and status, so options are counted without a join.
INSERT_CHOICES = Prepared(
    insert(CHOICE).from_select(
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
)
ABANDON_CHOICES = update(CHOICE).where(CHOICE.c.response_id == bindparam("rid")).values(abandoned=True)
# An answer may change its response's row too: its role or team, or a fact digests read
# (storage.response_facts). Keyed by the field, or by the question id for facts. PostgreSQL runs
# the answer's upsert and the response's update as one statement (the upsert as a data-modifying
# WITH), a round trip less per answer; SQLite runs in process and does both.
_RESPONSE_UPDATES = {
    **{
        field: update(RESPONSE).where(RESPONSE.c.id == bindparam("rid")).values({field: bindparam("value")})
        for field in ("role", "team")
    },
    **facts.ANSWER_UPDATES,
}
RESPONSE_UPDATES = {key: Prepared(stmt) for key, stmt in _RESPONSE_UPDATES.items()}
ANSWER_AND_RESPONSE = {
    key: Prepared(stmt.add_cte(_upsert_answer(postgresql).cte("answered")))
    for key, stmt in _RESPONSE_UPDATES.items()
}
_FINISHED = bindparam("finished", type_=RESPONSE.c.finished_at.type)


def _complete(d: str) -> Any:
    return (
        update(RESPONSE)
        .where(RESPONSE.c.id == bindparam("rid"))
        .values(
            status=bindparam("status"),
            finished_at=_FINISHED,
            seconds_to_complete=facts.seconds_between(d, RESPONSE.c.started_at, _FINISHED),
        )
    )


COMPLETE = Prepared(_complete("postgresql"), sqlite_statement=_complete("sqlite"))
END = (
    update(RESPONSE)
    .where(RESPONSE.c.id == bindparam("rid"))
    .values(status=bindparam("status"), finished_at=_FINISHED)
)


def record_turn(
    conn: Connection,
    *,
    message_key: str | None,
    respondent: str,
    now: datetime,
    decide: Decide,
    deliver: Deliver | None = None,
    before: Callable[[Connection], object] | None = None,
) -> Decision | None:
    """Run one turn atomically. Returns None when ``message_key`` was processed before (a duplicate).

    ``before`` runs once the message is claimed, before the state is read (to record something
    ``decide`` then reads, such as whether the person has seen the privacy notice). ``deliver``
    runs last, in the same transaction, with the decision (to write the replies' outbox rows);
    what it returns comes back as the decision's ``delivered``.
    """
    if message_key is not None and not claim_message(conn, message_key, now):
        return None
    if before is not None:
        before(conn)
    row = first(conn, SELECT_STATE_LOCKED, {"respondent": respondent})
    decision = decide(json.loads(row[0]) if row else None)
    for effect in decision.effects:
        _apply(conn, effect, respondent)
    encoded = json.dumps(decision.state, separators=(",", ":"), default=str)
    if row is None:
        INSERT_STATE.run(conn, {"respondent": respondent, "state": encoded, "now": now})
    else:
        version = row[1]
        params = {
            "who": respondent,
            "seen": version,
            "state": encoded,
            "next_version": version + 1,
            "now": now,
        }
        if UPDATE_STATE.run(conn, params).rowcount != 1:
            raise StaleState(respondent)
    if deliver is not None:
        return replace(decision, delivered=deliver(conn, decision))
    return decision


def load_state(conn: Connection, respondent: str) -> tuple[dict[str, Any] | None, int]:
    """A respondent's saved dialog state and its version (0 when there is none)."""
    row = first(conn, SELECT_STATE, {"respondent": respondent})
    return (json.loads(row[0]), row[1]) if row else (None, 0)


def prune_processed(conn: Connection, before: datetime) -> int:
    """Forget processed-message keys older than ``before`` (platforms stop retrying within minutes)."""
    return conn.execute(delete(PROCESSED).where(PROCESSED.c.processed_at < before)).rowcount


def is_claimed(conn: Connection, key: str) -> bool:
    """Whether a message with this key was processed already."""
    return first(conn, CLAIMED, {"key": key}) is not None


def claim_message(conn: Connection, key: str, now: datetime) -> bool:
    """Mark a message as processed; False when it was processed before."""
    return CLAIM.run(conn, {"key": key, "now": now}).rowcount == 1


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
                    "counts": effect.counts,
                },
            )
        case RecordAnswer():
            _record_answer(conn, effect)
        case DropAnswer():
            keys = {"rid": effect.response_id, "qid": effect.question_id}
            DROP_CHOICES.run(conn, keys)
            DROP_ANSWER.run(conn, keys)
            if effect.question_id in facts.ANSWER_UPDATES:
                withdrawn = {"rid": effect.response_id, "text": None, "number": None}
                RESPONSE_UPDATES[effect.question_id].run(conn, withdrawn)
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
    also = _response_update(a)
    if also is not None and conn.dialect.name == "postgresql":
        ANSWER_AND_RESPONSE[also].run(conn, params)
    else:
        UPSERT_ANSWER.run(conn, params)
        if also is not None:
            RESPONSE_UPDATES[also].run(conn, params)
    if a.kind == "multiple_choice":
        DROP_CHOICES.run(conn, params)
        INSERT_CHOICES.run(
            conn,
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
        COMPLETE.run(conn, params)
        releases.release_after_completion(conn, effect.response_id, effect.finished_at)
        return
    conn.execute(END, params)
    if effect.status == "abandoned":
        conn.execute(ABANDON_CHOICES, {"rid": effect.response_id})
