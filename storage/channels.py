"""Conversation references: where the bot may write later (Teams chats and channels).

Callers pass keys and references already hashed and sealed (``bot.sealing``): this table holds
no readable platform id, and the person a personal chat belongs to is a ``contact`` key, not
their pseudonym, so a reference cannot be joined to answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from storage.models import ConversationRef, DigestSchedule, table_of

REF = table_of(ConversationRef)
SCHEDULE = table_of(DigestSchedule)
KEY_LENGTH = 64


@dataclass(frozen=True, slots=True)
class StoredRef:
    """A saved conversation reference (``reference`` still sealed)."""

    channel: str
    conversation_key: str
    kind: str
    contact: str | None
    reference: str
    blocked: bool
    updated_at: datetime


def save_conversation_ref(
    conn: Connection,
    *,
    channel: str,
    conversation_key: str,
    kind: str,
    contact: str | None,
    reference: str,
    now: datetime,
) -> bool:
    """Insert or refresh a conversation's reference (a message in it means it is not blocked).

    Returns True when the conversation had no reference, or only a blocked one, before.
    """
    before = conn.execute(
        select(REF.c.blocked).where(REF.c.channel == channel, REF.c.conversation_key == conversation_key)
    ).first()
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    values = {"kind": kind, "contact": contact, "reference": reference, "blocked": False, "updated_at": now}
    stmt = dialect.insert(REF).values(channel=channel, conversation_key=conversation_key, **values)
    conn.execute(stmt.on_conflict_do_update(index_elements=["channel", "conversation_key"], set_=values))
    return before is None or bool(before.blocked)


def conversation_refs(
    conn: Connection, *, channel: str, contact: str | None = None, kind: str | None = None
) -> list[StoredRef]:
    """Saved references for a channel, optionally one person's or one kind, not blocked ones."""
    query = select(REF).where(REF.c.channel == channel, REF.c.blocked.is_(False))
    if contact is not None:
        query = query.where(REF.c.contact == contact)
    if kind is not None:
        query = query.where(REF.c.kind == kind)
    return [_stored(r) for r in conn.execute(query.order_by(REF.c.updated_at.desc()))]


def conversation_ref(conn: Connection, *, channel: str, conversation_key: str) -> StoredRef | None:
    """The saved reference of one conversation (blocked or not), or None."""
    row = conn.execute(
        select(REF).where(REF.c.channel == channel, REF.c.conversation_key == conversation_key)
    ).first()
    return _stored(row) if row is not None else None


def mark_blocked(conn: Connection, *, channel: str, conversation_key: str) -> int:
    """Record that the platform refused to deliver here (the user removed the app): stop writing to it."""
    return conn.execute(
        update(REF)
        .where(REF.c.channel == channel, REF.c.conversation_key == conversation_key)
        .values(blocked=True)
    ).rowcount


def is_blocked(conn: Connection, *, channel: str, conversation_key: str) -> bool:
    """Whether deliveries to this conversation were refused."""
    row = conn.execute(
        select(REF.c.blocked).where(REF.c.channel == channel, REF.c.conversation_key == conversation_key)
    ).first()
    return bool(row and row.blocked)


def prune_personal_refs(conn: Connection, *, before: datetime) -> int:
    """Forget personal chats not heard from since ``before`` (a channel's reference serves schedules)."""
    return conn.execute(delete(REF).where(REF.c.kind == "personal", REF.c.updated_at < before)).rowcount


def reseal_legacy(
    conn: Connection,
    *,
    key_of: Callable[[str, str], str],
    seal_reference: Callable[[str], str],
    seal_address: Callable[[str, str, str | None], str],
) -> int:
    """Rows written before addresses were sealed: re-key and seal them; returns how many changed.

    Such rows carry a raw conversation id where the key now goes (keys are 64 hex characters).
    ``key_of(channel, conversation_id)`` is the new key, ``seal_reference(json)`` seals a stored
    reference, and ``seal_address(channel, conversation_id, reference json or None)`` a schedule's
    address. A personal chat's owner was kept by pseudonym, which cannot be turned into a contact
    key: it is dropped.
    """
    legacy = {
        (r.channel, r.conversation_key): r
        for r in conn.execute(select(REF.c.id, REF.c.channel, REF.c.conversation_key, REF.c.reference))
        if not _is_key(r.conversation_key)
    }
    changed = 0
    for row in conn.execute(select(SCHEDULE.c.id, SCHEDULE.c.channel, SCHEDULE.c.conversation_key)).all():
        if _is_key(row.conversation_key):
            continue
        ref = legacy.get((row.channel, row.conversation_key))
        conn.execute(
            update(SCHEDULE)
            .where(SCHEDULE.c.id == row.id)
            .values(
                conversation_key=key_of(row.channel, row.conversation_key),
                address=seal_address(row.channel, row.conversation_key, ref.reference if ref else None),
            )
        )
        changed += 1
    for (channel, conversation_id), ref in legacy.items():
        conn.execute(
            update(REF)
            .where(REF.c.id == ref.id)
            .values(
                conversation_key=key_of(channel, conversation_id),
                reference=seal_reference(ref.reference),
                contact=None,
            )
        )
        changed += 1
    return changed


def _is_key(value: str) -> bool:
    return len(value) == KEY_LENGTH and all(c in "0123456789abcdef" for c in value)


def _stored(r: Row[Any]) -> StoredRef:
    m = r._mapping
    return StoredRef(
        m["channel"], m["conversation_key"], m["kind"], m["contact"], m["reference"], m["blocked"],
        m["updated_at"],
    )  # fmt: skip
