"""Digest schedules and the claims that let exactly one server process post each scheduled digest.

A process that finds a schedule due inserts a ``digest_run`` row for (schedule, due time); the
unique constraint lets only one insert succeed, however many processes try at once. The winner
moves the schedule on and posts; a claim left unfinished by a crashed process is taken over
after a lease, so a digest is neither lost nor posted twice while processes stay up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from storage.models import DigestRun, DigestSchedule, ReportImage, table_of

SCHEDULE = table_of(DigestSchedule)
RUN = table_of(DigestRun)
IMAGE = table_of(ReportImage)
CLAIMED, POSTED, HELD, DELIVERED, FAILED = "claimed", "posted", "held", "delivered", "failed"


@dataclass(frozen=True, slots=True)
class Schedule:
    """A stored digest schedule."""

    id: str
    channel: str
    conversation_key: str
    address: str | None
    survey_id: str
    period: str
    cron: str
    description: str
    next_due_at: datetime
    # Who set it up (their pseudonym), for the access log; "" on a schedule not yet stored.
    created_by: str = ""


def _schedule(row: Row[Any]) -> Schedule:
    r = row._mapping
    return Schedule(
        r["id"], r["channel"], r["conversation_key"], r["address"], r["survey_id"], r["period"], r["cron"],
        r["description"],
        _utc(r["next_due_at"]), r["created_by"],
    )  # fmt: skip


def _utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything is stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def add_schedule(conn: Connection, schedule: Schedule, *, created_by: str, now: datetime) -> None:
    """Store a new schedule."""
    conn.execute(
        insert(SCHEDULE).values(
            id=schedule.id,
            channel=schedule.channel,
            conversation_key=schedule.conversation_key,
            address=schedule.address,
            survey_id=schedule.survey_id,
            period=schedule.period,
            cron=schedule.cron,
            description=schedule.description,
            created_by=created_by,
            created_at=now,
            next_due_at=schedule.next_due_at,
        )
    )


def conversation_schedules(conn: Connection, *, channel: str, conversation_key: str) -> list[Schedule]:
    """The running schedules of one conversation, oldest first."""
    rows = conn.execute(
        select(SCHEDULE)
        .where(
            SCHEDULE.c.channel == channel,
            SCHEDULE.c.conversation_key == conversation_key,
            SCHEDULE.c.stopped_at.is_(None),
        )
        .order_by(SCHEDULE.c.created_at, SCHEDULE.c.id)
    )
    return [_schedule(r) for r in rows]


def stop_schedules(conn: Connection, ids: list[str], *, now: datetime) -> int:
    """Stop the given schedules; returns how many were running."""
    return conn.execute(
        update(SCHEDULE).where(SCHEDULE.c.id.in_(ids), SCHEDULE.c.stopped_at.is_(None)).values(stopped_at=now)
    ).rowcount


def due_schedules(conn: Connection, now: datetime) -> list[Schedule]:
    """Running schedules whose next digest is due at or before ``now``."""
    rows = conn.execute(
        select(SCHEDULE)
        .where(SCHEDULE.c.stopped_at.is_(None), SCHEDULE.c.next_due_at <= now)
        .order_by(SCHEDULE.c.next_due_at)
    )
    return [_schedule(r) for r in rows]


def claim_run(
    conn: Connection, schedule: Schedule, *, following: datetime, worker: str, now: datetime
) -> bool:
    """Claim the digest due at ``schedule.next_due_at`` and move the schedule on to ``following``.

    True for exactly one caller per (schedule, due time), whichever process it runs in.
    """
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    claimed = conn.execute(
        dialect.insert(RUN)
        .values(
            schedule_id=schedule.id,
            due_at=schedule.next_due_at,
            status=CLAIMED,
            claimed_by=worker,
            claimed_at=now,
        )
        .on_conflict_do_nothing(index_elements=["schedule_id", "due_at"])
    ).rowcount
    if claimed != 1:
        return False
    conn.execute(
        update(SCHEDULE)
        .where(SCHEDULE.c.id == schedule.id, SCHEDULE.c.next_due_at == schedule.next_due_at)
        .values(next_due_at=following)
    )
    return True


def finish_run(conn: Connection, schedule_id: str, due_at: datetime, *, status: str, now: datetime) -> None:
    """Record how a claimed run ended: posted, held for a channel that cannot be written to, or failed."""
    conn.execute(
        update(RUN)
        .where(RUN.c.schedule_id == schedule_id, RUN.c.due_at == due_at)
        .values(status=status, finished_at=now)
    )


def take_over_stale(
    conn: Connection, *, worker: str, now: datetime, lease: timedelta
) -> list[tuple[Schedule, datetime]]:
    """Claims another process left unfinished for longer than ``lease``, now this worker's to post."""
    rows = conn.execute(
        select(RUN.c.id.label("run_id"), RUN.c.due_at, RUN.c.claimed_at, SCHEDULE)
        .join(SCHEDULE, SCHEDULE.c.id == RUN.c.schedule_id)
        .where(RUN.c.status == CLAIMED, RUN.c.claimed_at < now - lease)
    ).all()
    taken = []
    for row in rows:
        won = conn.execute(
            update(RUN)
            .where(RUN.c.id == row.run_id, RUN.c.status == CLAIMED, RUN.c.claimed_at == row.claimed_at)
            .values(claimed_by=worker, claimed_at=now)
        ).rowcount
        if won == 1:
            taken.append((_schedule(row), _utc(row.due_at)))
    return taken


def held_runs(conn: Connection, *, channel: str, conversation_key: str) -> list[tuple[Schedule, datetime]]:
    """Scheduled digests kept for a conversation the bot cannot write to first (the web chat), oldest first."""
    rows = conn.execute(
        select(RUN.c.due_at, SCHEDULE)
        .join(SCHEDULE, SCHEDULE.c.id == RUN.c.schedule_id)
        .where(
            RUN.c.status == HELD,
            SCHEDULE.c.channel == channel,
            SCHEDULE.c.conversation_key == conversation_key,
        )
        .order_by(RUN.c.due_at)
    )
    return [(_schedule(r), _utc(r.due_at)) for r in rows]


def mark_delivered(conn: Connection, runs: list[tuple[Schedule, datetime]], *, now: datetime) -> None:
    """Held digests have been shown."""
    for schedule, due_at in runs:
        finish_run(conn, schedule.id, due_at, status=DELIVERED, now=now)


def save_image(conn: Connection, image_id: str, png: bytes, *, now: datetime, expires_at: datetime) -> None:
    """Keep a chart until ``expires_at`` for channels that link to images."""
    conn.execute(insert(IMAGE).values(id=image_id, png=png, created_at=now, expires_at=expires_at))


def load_image(conn: Connection, image_id: str, *, now: datetime) -> bytes | None:
    """A kept chart, unless it has expired."""
    return conn.execute(select(IMAGE.c.png).where(IMAGE.c.id == image_id, IMAGE.c.expires_at > now)).scalar()


def prune_images(conn: Connection, *, now: datetime) -> int:
    """Forget expired charts."""
    return conn.execute(delete(IMAGE).where(IMAGE.c.expires_at <= now)).rowcount
