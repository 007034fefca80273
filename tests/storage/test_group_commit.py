"""Writes that share a commit (SQLite's writer groups the writes queued while it commits).

Each write must still behave as if it had its own transaction: a failing write undoes only its
own changes and its caller hears why, the others are kept, writes apply in the order they were
asked for, and closing the database finishes what was queued and refuses what comes after. The
same tests run on PostgreSQL, where every write has its own transaction.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, func, select, update
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.migrate import upgrade
from storage.models import DialogStateRow, ProcessedMessage
from storage.turns import claim_message

PROCESSED = ProcessedMessage.__table__
STATE = DialogStateRow.__table__
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


class Refused(Exception):
    """A write that fails after changing something."""


def claim(key: str, *, fail: bool = False):
    def write(conn: Connection) -> str:
        assert claim_message(conn, key, NOW)
        if fail:
            raise Refused(key)
        return key

    return write


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated SQLite database, for what only its one writer thread promises."""
    database = Database(f"sqlite:///{tmp_path / 'writer.db'}")
    await upgrade(database)
    yield database
    await database.close()


async def claimed(db: Database) -> set[str]:
    return set(await db.read(lambda conn: conn.execute(select(PROCESSED.c.key)).scalars().all()))


async def test_a_failing_write_undoes_only_itself_and_its_caller_hears_why(db: Database) -> None:
    writes = [claim(f"web:m{i}", fail=i % 7 == 3) for i in range(60)]
    outcomes = await asyncio.gather(*(db.write(w) for w in writes), return_exceptions=True)
    failed = {f"web:m{i}" for i in range(60) if i % 7 == 3}
    assert {str(o) for o in outcomes if isinstance(o, Refused)} == failed
    assert {o for o in outcomes if isinstance(o, str)} == {f"web:m{i}" for i in range(60)} - failed
    assert await claimed(db) == {f"web:m{i}" for i in range(60)} - failed


async def test_a_constraint_broken_by_one_write_leaves_the_writes_beside_it(db: Database) -> None:
    from sqlalchemy import insert

    def duplicate(conn: Connection) -> None:
        conn.execute(insert(PROCESSED), [{"key": "web:twice", "processed_at": NOW}] * 2)

    outcomes = await asyncio.gather(
        db.write(claim("web:before")),
        db.write(duplicate),
        db.write(claim("web:after")),
        return_exceptions=True,
    )
    assert outcomes[0] == "web:before" and outcomes[2] == "web:after"
    assert isinstance(outcomes[1], IntegrityError)
    assert await claimed(db) == {"web:before", "web:after"}


async def test_sqlite_writes_apply_in_the_order_they_were_asked_for(sqlite_db: Database) -> None:
    db = sqlite_db
    from sqlalchemy import insert

    await db.write(
        lambda conn: conn.execute(
            insert(STATE), {"respondent": "r-order", "state": "", "version": 0, "updated_at": NOW}
        )
    )

    def append(letter: str):
        def write(conn: Connection) -> None:
            current = conn.execute(select(STATE.c.state).where(STATE.c.respondent == "r-order")).scalar_one()
            conn.execute(update(STATE).where(STATE.c.respondent == "r-order").values(state=current + letter))

        return write

    letters = "abcdefghijklmnopqrstuvwxyz" * 4
    await asyncio.gather(*(db.write(append(letter)) for letter in letters))
    stored = await db.read(
        lambda conn: conn.execute(select(STATE.c.state).where(STATE.c.respondent == "r-order")).scalar_one()
    )
    assert stored == letters


async def test_close_finishes_the_writes_queued_and_refuses_later_ones(database_url: str) -> None:
    db = Database(database_url)
    await upgrade(db)
    pending = [asyncio.ensure_future(db.write(claim(f"web:q{i}"))) for i in range(40)]
    await asyncio.sleep(0)  # every write is queued before the close
    await db.close()
    assert [p.result() for p in pending] == [f"web:q{i}" for i in range(40)]
    with pytest.raises(RuntimeError, match="closed"):
        await db.write(claim("web:late"))
    with pytest.raises(RuntimeError, match="closed"):
        await db.read(lambda conn: None)
    again = Database(database_url)
    try:
        assert await claimed(again) >= {f"web:q{i}" for i in range(40)}
    finally:
        await again.close()


async def test_sqlite_synchronous_writes_work_beside_the_event_loop_writes(sqlite_db: Database) -> None:
    db = sqlite_db
    await db.write(claim("web:async"))
    written = await asyncio.to_thread(db.run_sync, claim("web:sync"))
    assert written == "web:sync"
    assert await claimed(db) == {"web:async", "web:sync"}


async def test_sqlite_writes_queued_behind_a_slow_one_wait_for_their_commit(sqlite_db: Database) -> None:
    """Later writes wait for the one writer thread, and nobody hears of a write before its commit."""
    db = sqlite_db
    started, release = threading.Event(), threading.Event()

    def slow(conn: Connection) -> str:
        claim_message(conn, "web:slow", NOW)
        started.set()
        release.wait(5)
        return "web:slow"

    first = asyncio.ensure_future(db.write(slow))
    assert await asyncio.to_thread(started.wait, 5)  # the writer thread is inside the slow write
    queued = [asyncio.ensure_future(db.write(claim(f"web:w{i}"))) for i in range(10)]
    # One pass of the loop runs each write up to its wait (nothing in write() awaits before it
    # queues): all ten are now queued behind the slow one, which still holds the writer.
    await asyncio.sleep(0)
    assert db._queue.qsize() == 10
    assert not any(q.done() for q in queued)
    release.set()
    assert await first == "web:slow"
    assert [await q for q in queued] == [f"web:w{i}" for i in range(10)]
    count = await db.read(lambda conn: conn.execute(select(func.count()).select_from(PROCESSED)).scalar())
    assert count == 11
