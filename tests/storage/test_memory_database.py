"""An in-memory SQLite URL is one database: what a write stores, a read finds (one shared connection)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from storage.db import Database
from storage.migrate import upgrade
from storage.models import ProcessedMessage, table_of

PROCESSED = table_of(ProcessedMessage)
WHEN = datetime(2026, 12, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    "url", ["sqlite://", "sqlite:///:memory:", "sqlite+aiosqlite://", "sqlite+aiosqlite:///:memory:"]
)
async def test_reads_see_what_writes_stored_in_an_in_memory_database(url: str) -> None:
    db = Database(url)
    try:
        assert db.in_memory
        await upgrade(db)  # the migrations' tables are in the same database the reads use
        await db.write(lambda conn: conn.execute(insert(PROCESSED).values(key="k1", processed_at=WHEN)))
        keys = await db.read(lambda conn: conn.execute(select(PROCESSED.c.key)).scalars().all())
        assert keys == ["k1"]
    finally:
        await db.close()


async def test_each_in_memory_database_is_its_own() -> None:
    first, second = Database("sqlite://"), Database("sqlite://")
    try:
        for db in (first, second):
            await upgrade(db)
        await first.write(lambda conn: conn.execute(insert(PROCESSED).values(key="k1", processed_at=WHEN)))
        count = select(func.count()).select_from(PROCESSED)
        assert await first.read(lambda conn: conn.execute(count).scalar_one()) == 1
        assert await second.read(lambda conn: conn.execute(count).scalar_one()) == 0
    finally:
        await first.close()
        await second.close()


async def test_a_file_database_is_not_taken_for_an_in_memory_one(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/memory.db")
    try:
        assert not db.in_memory
    finally:
        await db.close()
