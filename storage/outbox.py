"""The outbox: every outgoing message as a row, written with what caused it, until it is sent.

A message is ``pending`` until the platform accepts it (``sent``), or ``failed`` once retries are
used up or the platform refused it for good; the web chat's replies go back in its HTTP answer and
are stored ``delivered``, so a retried request can be answered again. Messages of one lane (one
conversation) are sent in order. With several server processes on PostgreSQL a lane is claimed
by one of them for a lease (``outbox_lane``), so each message is sent by one process; one that
dies holding a claim gives it up when the lease runs out. On SQLite the one process owns all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql

from storage.models import OutboxLane, OutboxMessage, PostedQuestion, table_of
from storage.prepared import Prepared, first, per_dialect, upsert

OUTBOX = table_of(OutboxMessage)
LANE = table_of(OutboxLane)
POSTED = table_of(PostedQuestion)
PENDING, SENT, FAILED, DELIVERED = "pending", "sent", "failed", "delivered"
POST, EDIT, HOME = "post", "edit", "home"


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A message to add to the outbox. ``address`` is sealed by the caller; ``payload`` is JSON."""

    channel: str
    lane: str
    op: str
    purpose: str
    address: str | None
    payload: str
    question_id: str | None = None
    target: str | None = None
    message_key: str | None = None
    status: str = PENDING


@dataclass(frozen=True, slots=True)
class QueuedMessage:
    """A message waiting in the outbox (or just added to it)."""

    id: int
    channel: str
    lane: str
    op: str
    purpose: str
    address: str | None
    payload: str
    question_id: str | None
    target: str | None
    attempts: int
    not_before: datetime


@dataclass(frozen=True, slots=True)
class OutboxSummary:
    """What an operator sees: counts only, never a message's text or address."""

    pending: dict[str, int]
    failed: dict[tuple[str, str], int]
    oldest_pending: datetime | None


_COLUMNS = (
    OUTBOX.c.id,
    OUTBOX.c.channel,
    OUTBOX.c.lane,
    OUTBOX.c.op,
    OUTBOX.c.purpose,
    OUTBOX.c.address,
    OUTBOX.c.payload,
    OUTBOX.c.question_id,
    OUTBOX.c.target,
    OUTBOX.c.attempts,
    OUTBOX.c.not_before,
)
_INSERT = Prepared(
    insert(OUTBOX)
    .values(
        channel=bindparam("channel"),
        lane=bindparam("lane"),
        op=bindparam("op"),
        purpose=bindparam("purpose"),
        address=bindparam("address"),
        payload=bindparam("payload"),
        question_id=bindparam("question_id"),
        target=bindparam("target"),
        message_key=bindparam("message_key"),
        status=bindparam("status"),
        attempts=0,
        created_at=bindparam("now"),
        not_before=bindparam("now"),
    )
    .returning(OUTBOX.c.id)
)
_MARK_SENT = Prepared(
    update(OUTBOX)
    .where(OUTBOX.c.id == bindparam("mid"))
    .values(status=SENT, sent_at=bindparam("now"), payload=None, address=None, error=None)
)
_UPSERT_POSTED = per_dialect(
    lambda d: upsert(
        d,
        POSTED,
        {
            "lane": bindparam("lane"),
            "question_id": bindparam("question_id"),
            "message_id": bindparam("message_id"),
            "posted_at": bindparam("now"),
        },
        keys=["lane"],
    )
)
_SELECT_POSTED = Prepared(
    select(POSTED.c.question_id, POSTED.c.message_id).where(POSTED.c.lane == bindparam("lane"))
)
_DELETE_POSTED = Prepared(delete(POSTED).where(POSTED.c.lane == bindparam("lane")))
_CLAIM_LANE_INSERT = postgresql.insert(LANE).values(
    lane=bindparam("lane"), holder=bindparam("holder"), lease_until=bindparam("until")
)
_CLAIM_LANE = _CLAIM_LANE_INSERT.on_conflict_do_update(
    index_elements=["lane"],
    set_={
        "holder": _CLAIM_LANE_INSERT.excluded.holder,
        "lease_until": _CLAIM_LANE_INSERT.excluded.lease_until,
    },
    where=or_(LANE.c.lease_until < bindparam("now"), LANE.c.holder == bindparam("holder")),
).returning(LANE.c.lane)


def add_messages(conn: Connection, messages: Sequence[NewMessage], *, now: datetime) -> list[QueuedMessage]:
    """Add messages (in order) and return them with their ids."""
    added = []
    for m in messages:
        params = {
            "channel": m.channel,
            "lane": m.lane,
            "op": m.op,
            "purpose": m.purpose,
            "address": m.address,
            "payload": m.payload,
            "question_id": m.question_id,
            "target": m.target,
            "message_key": m.message_key,
            "status": m.status,
            "now": now,
        }
        row = first(conn, _INSERT, params)
        assert row is not None
        fields = (m.channel, m.lane, m.op, m.purpose, m.address, m.payload, m.question_id, m.target)
        added.append(QueuedMessage(int(row[0]), *fields, attempts=0, not_before=now))
    return added


def claim_lanes(
    conn: Connection, lanes: Iterable[str], *, holder: str, now: datetime, lease: timedelta
) -> set[str]:
    """Claim lanes for ``holder`` (PostgreSQL); returns those it now holds. SQLite: all of them."""
    wanted = set(lanes)
    if conn.dialect.name != "postgresql":
        return wanted
    held = set()
    for lane in sorted(wanted):  # a fixed order, so two processes never wait on each other in a cycle
        row = conn.execute(_CLAIM_LANE, {"lane": lane, "holder": holder, "until": now + lease, "now": now})
        if row.first() is not None:
            held.add(lane)
    return held


def succeed(conn: Connection, *, place: str, holder: str, now: datetime) -> int:
    """End the claims of earlier processes that served at ``place`` (host and port), so the sweep
    takes their lanes up at once: only one live process can listen there, so they are gone
    (PostgreSQL; SQLite's one process owns all)."""
    if conn.dialect.name != "postgresql":
        return 0
    return conn.execute(
        update(LANE)
        .where(LANE.c.holder.startswith(f"{place}:", autoescape=True), LANE.c.holder != holder)
        .values(lease_until=now - timedelta(seconds=1))
    ).rowcount


def renew_lane(conn: Connection, lane: str, *, holder: str, until: datetime) -> bool:
    """Extend a lease this holder has (PostgreSQL); False when it was lost to another process."""
    if conn.dialect.name != "postgresql":
        return True
    return (
        conn.execute(
            update(LANE).where(LANE.c.lane == lane, LANE.c.holder == holder).values(lease_until=until)
        ).rowcount
        == 1
    )


def release_lane(conn: Connection, lane: str, *, holder: str) -> None:
    """Give up a lane's claim (PostgreSQL); another process, or the sweep, takes what is left in it."""
    if conn.dialect.name == "postgresql":
        conn.execute(delete(LANE).where(LANE.c.lane == lane, LANE.c.holder == holder))


def pending_in_lane(conn: Connection, lane: str) -> list[QueuedMessage]:
    """A lane's pending messages, oldest first."""
    rows = conn.execute(
        select(*_COLUMNS).where(OUTBOX.c.lane == lane, OUTBOX.c.status == PENDING).order_by(OUTBOX.c.id)
    )
    return [_queued(r) for r in rows]


def pending_in_lanes(conn: Connection, lanes: Sequence[str]) -> list[QueuedMessage]:
    """Several lanes' pending messages, oldest first."""
    found: list[QueuedMessage] = []
    for start in range(0, len(lanes), 500):  # well under every database's limit on parameters
        rows = conn.execute(
            select(*_COLUMNS)
            .where(OUTBOX.c.lane.in_(list(lanes[start : start + 500])), OUTBOX.c.status == PENDING)
            .order_by(OUTBOX.c.id)
        )
        found += [_queued(r) for r in rows]
    return sorted(found, key=lambda m: m.id)


def due_lanes(conn: Connection, *, now: datetime, limit: int = 200, after: int = 0) -> list[tuple[str, int]]:
    """Lanes with a pending message due now that no live process holds, with their oldest message's
    id, in the order of those ids, starting after ``after`` (so a caller can page through them)."""
    held = select(LANE.c.lane).where(LANE.c.lease_until >= now)
    oldest = func.min(OUTBOX.c.id)
    rows = conn.execute(
        select(OUTBOX.c.lane, oldest)
        .where(OUTBOX.c.status == PENDING, OUTBOX.c.not_before <= now, OUTBOX.c.lane.not_in(held))
        .group_by(OUTBOX.c.lane)
        .having(oldest > after)
        .order_by(oldest)
        .limit(limit)
    )
    return [(r[0], int(r[1])) for r in rows]


def mark_sent(
    conn: Connection, ids: Sequence[int], *, now: datetime, posted: tuple[str, str, str] | None = None
) -> None:
    """Messages the platform accepted: their text and address are forgotten.

    ``posted`` (lane, question id, message id) remembers which message now shows the lane's open
    question, in the same write.
    """
    if ids:
        _MARK_SENT.run(conn, [{"mid": i, "now": now} for i in ids])
    if posted is not None:
        lane, question_id, message_id = posted
        _UPSERT_POSTED.run(
            conn, {"lane": lane, "question_id": question_id, "message_id": message_id, "now": now}
        )


def take_posted(conn: Connection, lane: str) -> tuple[str, str] | None:
    """The lane's open question and the message showing it, forgotten as they are returned."""
    row = first(conn, _SELECT_POSTED, {"lane": lane})
    if row is None:
        return None
    _DELETE_POSTED.run(conn, {"lane": lane})
    return row[0], row[1]


def posted(conn: Connection, lane: str) -> tuple[str, str] | None:
    """The lane's open question and the message showing it, if remembered."""
    row = first(conn, _SELECT_POSTED, {"lane": lane})
    return (row[0], row[1]) if row is not None else None


def schedule_retry(
    conn: Connection, message_id: int, *, attempts: int, not_before: datetime, error: str
) -> None:
    """A try failed in a way worth trying again at ``not_before``."""
    conn.execute(
        update(OUTBOX)
        .where(OUTBOX.c.id == message_id)
        .values(attempts=attempts, not_before=not_before, error=error[:80])
    )


def mark_failed(conn: Connection, ids: Sequence[int], *, error: str, attempts: int | None = None) -> None:
    """Messages given up on (retries used up, or refused for good), kept for ``guidebot outbox retry``."""
    values: dict[str, object] = {"status": FAILED, "error": error[:80]}
    if attempts is not None:
        values["attempts"] = attempts
    conn.execute(update(OUTBOX).where(OUTBOX.c.id.in_(list(ids))).values(**values))


def fail_lane(conn: Connection, lane: str, *, error: str) -> int:
    """Every pending message of a lane given up (the platform refused the conversation for good)."""
    return conn.execute(
        update(OUTBOX)
        .where(OUTBOX.c.lane == lane, OUTBOX.c.status == PENDING)
        .values(status=FAILED, error=error[:80])
    ).rowcount


def replies_of(conn: Connection, message_key: str) -> list[str]:
    """The payloads delivered in answer to one inbound message (the web chat's retries), in order."""
    rows = conn.execute(
        select(OUTBOX.c.payload)
        .where(OUTBOX.c.message_key == message_key, OUTBOX.c.status == DELIVERED)
        .order_by(OUTBOX.c.id)
    )
    return [r[0] for r in rows if r[0] is not None]


def summary(conn: Connection) -> OutboxSummary:
    """Pending messages per channel, failed ones per channel and error, and the oldest pending."""
    pending = {
        r[0]: int(r[1])
        for r in conn.execute(
            select(OUTBOX.c.channel, func.count())
            .where(OUTBOX.c.status == PENDING)
            .group_by(OUTBOX.c.channel)
        )
    }
    failed = {
        (r[0], r[1] or "unknown"): int(r[2])
        for r in conn.execute(
            select(OUTBOX.c.channel, OUTBOX.c.error, func.count())
            .where(OUTBOX.c.status == FAILED)
            .group_by(OUTBOX.c.channel, OUTBOX.c.error)
        )
    }
    oldest = conn.execute(select(func.min(OUTBOX.c.created_at)).where(OUTBOX.c.status == PENDING)).scalar()
    return OutboxSummary(pending, failed, _utc(oldest) if oldest is not None else None)


def retry_failed(conn: Connection, *, now: datetime) -> int:
    """Failed messages that still hold their text go back to pending, due now; returns how many."""
    return conn.execute(
        update(OUTBOX)
        .where(OUTBOX.c.status == FAILED, OUTBOX.c.payload.is_not(None))
        .values(status=PENDING, attempts=0, not_before=now, error=None)
    ).rowcount


def prune(conn: Connection, *, before: datetime) -> int:
    """Forget sent, failed and delivered messages created before ``before``."""
    return conn.execute(
        delete(OUTBOX).where(OUTBOX.c.status != PENDING, OUTBOX.c.created_at < before)
    ).rowcount


def _queued(r: Sequence[Any]) -> QueuedMessage:
    row = tuple(r)
    return QueuedMessage(
        int(row[0]), row[1], row[2], row[3], row[4], row[5], row[6] or "", row[7], row[8], int(row[9]),
        _utc(row[10]),
    )  # fmt: skip


def _utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything is stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
