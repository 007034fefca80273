"""The daily claim on the retention job: one server process applies the rules each day.

A process that finds today's run not yet claimed inserts a ``retention_run`` row for the day (a
date in the council's time zone); the primary key lets only one insert succeed, however many
processes try at once. A claim left unfinished for longer than a lease (its process died) is
taken over by the next process to look. The rules themselves only remove what is past a
cut-off (``storage.retention``), so a run repeated after a takeover removes nothing twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from storage.models import RetentionRun, table_of

RUN = table_of(RetentionRun)


def claim_day(conn: Connection, *, day: str, worker: str, now: datetime, lease: timedelta) -> bool:
    """Claim ``day``'s run for ``worker``: True for one caller, or for whoever takes over a claim
    left unfinished for longer than ``lease``."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    inserted = conn.execute(
        dialect.insert(RUN)
        .values(day=day, claimed_by=worker, claimed_at=now, removed=0)
        .on_conflict_do_nothing(index_elements=["day"])
    ).rowcount
    if inserted == 1:
        return True
    taken = conn.execute(
        update(RUN)
        .where(RUN.c.day == day, RUN.c.finished_at.is_(None), RUN.c.claimed_at < now - lease)
        .values(claimed_by=worker, claimed_at=now)
    ).rowcount
    return taken == 1


def finish_day(conn: Connection, *, day: str, worker: str, now: datetime, removed: int) -> None:
    """Record that ``worker`` finished ``day``'s run, having removed ``removed`` rows in all."""
    conn.execute(
        update(RUN)
        .where(RUN.c.day == day, RUN.c.claimed_by == worker)
        .values(finished_at=now, removed=removed)
    )


def runs(conn: Connection) -> list[tuple[str, str, datetime | None, int]]:
    """Every remembered day's run as (day, claimed by, finished at, rows removed), oldest first."""
    rows = conn.execute(
        select(RUN.c.day, RUN.c.claimed_by, RUN.c.finished_at, RUN.c.removed).order_by(RUN.c.day)
    )
    return [(r.day, r.claimed_by, r.finished_at, int(r.removed)) for r in rows]


def forget_runs(conn: Connection, *, before: str) -> int:
    """Forget the claims of days before ``before`` (a date): only today's is consulted."""
    return conn.execute(delete(RUN).where(RUN.c.day < before)).rowcount
