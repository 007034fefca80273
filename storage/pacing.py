"""Rate-limit state shared by every server process (PostgreSQL): one row per limit, in GCRA form.

Each row holds the limit's "theoretical arrival time": for a limit of N messages in W seconds a
message may go once ``next_at - (W - W/N)`` has passed, and each message moves ``next_at`` on by
W/N. Reserving locks the rows of every limit a message is under, in key order, so processes
sharing a limit take turns and together never exceed it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql

from storage.models import PacingSlot

SLOT = PacingSlot.__table__


def reserve(conn: Connection, limits: Sequence[tuple[str, float, float]], *, now: datetime) -> datetime:
    """Reserve the earliest time a message may go under every ``(key, interval, tolerance)``; returns it.

    ``interval`` is W/N and ``tolerance`` W - W/N, in seconds. PostgreSQL only (SQLite's one
    process paces in memory).
    """
    keys = sorted({key for key, _, _ in limits})
    conn.execute(
        postgresql.insert(SLOT).values([{"key": k, "next_at": now} for k in keys]).on_conflict_do_nothing()
    )
    rows = conn.execute(select(SLOT.c.key, SLOT.c.next_at).where(SLOT.c.key.in_(keys)).with_for_update())
    state = {r.key: _utc(r.next_at) for r in rows}
    at = now
    for key, _, tolerance in limits:
        at = max(at, state[key] - timedelta(seconds=tolerance))
    for key, interval, _ in limits:
        following = max(state[key], at) + timedelta(seconds=interval)
        conn.execute(update(SLOT).where(SLOT.c.key == key).values(next_at=following))
        state[key] = following
    return at


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
