"""Fixtures for the insights tests: a migrated database on SQLite and (when available) PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

import pytest

from storage.db import Database
from storage.demo import ResponseRow, insert_responses
from storage.migrate import upgrade


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """An empty, migrated database."""
    database = Database(database_url)
    await upgrade(database)
    yield database
    await database.close()


async def load(db: Database, responses: Iterable[ResponseRow]) -> int:
    """Write responses straight into the tables; returns the answers written."""
    rows = list(responses)
    return await db.write(lambda conn: insert_responses(conn, rows))
