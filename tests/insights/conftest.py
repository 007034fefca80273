"""Fixtures for the insights tests: a migrated database on SQLite and (when available) PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable

from storage.db import Database
from storage.demo import ResponseRow, insert_responses


async def load(db: Database, responses: Iterable[ResponseRow]) -> int:
    """Write responses straight into the tables; returns the answers written."""
    rows = list(responses)
    return await db.write(lambda conn: insert_responses(conn, rows))
