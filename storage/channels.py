"""Queries the channel adapters need: conversation references and the open question's message."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from storage.models import ConversationRef, PostedQuestion
from storage.prepared import Prepared, first, per_dialect, upsert

REF = ConversationRef.__table__
POSTED = PostedQuestion.__table__


@dataclass(frozen=True, slots=True)
class StoredRef:
    """A saved conversation reference."""

    channel: str
    conversation_id: str
    kind: str
    respondent: str | None
    reference: dict[str, Any]
    blocked: bool


def _insert(conn: Connection, table: Any) -> Any:
    return (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table)


def save_conversation_ref(
    conn: Connection,
    *,
    channel: str,
    conversation_id: str,
    kind: str,
    respondent: str | None,
    reference: dict[str, Any],
    now: datetime,
) -> None:
    """Insert or refresh the reference for a conversation (a message in it means it is not blocked)."""
    encoded = json.dumps(reference, separators=(",", ":"), default=str)
    stmt = _insert(conn, REF).values(
        channel=channel,
        conversation_id=conversation_id,
        kind=kind,
        respondent=respondent,
        reference=encoded,
        blocked=False,
        updated_at=now,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["channel", "conversation_id"],
        set_={
            "kind": kind,
            "respondent": respondent,
            "reference": encoded,
            "blocked": False,
            "updated_at": now,
        },
    )
    conn.execute(stmt)


def conversation_refs(
    conn: Connection, *, channel: str, respondent: str | None = None, kind: str | None = None
) -> list[StoredRef]:
    """Saved references for a channel, optionally one person's or one kind, not blocked ones."""
    query = select(REF).where(REF.c.channel == channel, REF.c.blocked.is_(False))
    if respondent is not None:
        query = query.where(REF.c.respondent == respondent)
    if kind is not None:
        query = query.where(REF.c.kind == kind)
    return [
        StoredRef(r.channel, r.conversation_id, r.kind, r.respondent, json.loads(r.reference), r.blocked)
        for r in conn.execute(query.order_by(REF.c.updated_at.desc()))
    ]


def mark_blocked(conn: Connection, *, channel: str, conversation_id: str) -> int:
    """Record that the platform refused to deliver here (the user removed the app): stop writing to it."""
    return conn.execute(
        update(REF)
        .where(REF.c.channel == channel, REF.c.conversation_id == conversation_id)
        .values(blocked=True)
    ).rowcount


def is_blocked(conn: Connection, *, channel: str, conversation_id: str) -> bool:
    """Whether deliveries to this conversation were refused."""
    row = conn.execute(
        select(REF.c.blocked).where(REF.c.channel == channel, REF.c.conversation_id == conversation_id)
    ).first()
    return bool(row and row.blocked)


def _upsert_posted(dialect: Any) -> Any:
    values = {
        "channel": bindparam("channel"),
        "conversation_id": bindparam("conversation_id"),
        "question_id": bindparam("question_id"),
        "message_id": bindparam("message_id"),
        "posted_at": bindparam("now"),
    }
    return upsert(dialect, POSTED, values, keys=["channel", "conversation_id"])


# Run on every question a chat channel posts: prepared (storage.prepared) like the turn's own statements.
UPSERT_POSTED = per_dialect(_upsert_posted)
SELECT_POSTED = Prepared(
    select(POSTED.c.question_id, POSTED.c.message_id).where(
        POSTED.c.channel == bindparam("channel"), POSTED.c.conversation_id == bindparam("conversation_id")
    )
)
DELETE_POSTED = Prepared(
    delete(POSTED).where(
        POSTED.c.channel == bindparam("channel"), POSTED.c.conversation_id == bindparam("conversation_id")
    )
)


def set_posted_question(
    conn: Connection, *, channel: str, conversation_id: str, question_id: str, message_id: str, now: datetime
) -> None:
    """Remember which message shows the conversation's open question."""
    params = {
        "channel": channel,
        "conversation_id": conversation_id,
        "question_id": question_id,
        "message_id": message_id,
        "now": now,
    }
    UPSERT_POSTED.run(conn, params)


def take_posted_question(conn: Connection, *, channel: str, conversation_id: str) -> tuple[str, str] | None:
    """The open question's (question id, message id), forgotten as it is returned."""
    where = {"channel": channel, "conversation_id": conversation_id}
    row = first(conn, SELECT_POSTED, where)
    if row is None:
        return None
    DELETE_POSTED.run(conn, where)
    return row[0], row[1]


def conversation_ref(conn: Connection, *, channel: str, conversation_id: str) -> StoredRef | None:
    """The saved reference of one conversation (blocked or not), or None."""
    row = conn.execute(
        select(REF).where(REF.c.channel == channel, REF.c.conversation_id == conversation_id)
    ).first()
    if row is None:
        return None
    return StoredRef(
        row.channel, row.conversation_id, row.kind, row.respondent, json.loads(row.reference), row.blocked
    )
