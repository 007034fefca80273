"""The database: one object that runs a function in a transaction, on SQLite or PostgreSQL.

SQLite runs through the standard driver in threads: one writer thread (SQLite has one writer at
a time anyway, and BEGIN IMMEDIATE avoids lock upgrades failing between processes) and a small
pool of reader threads, which WAL mode lets run beside the writer. A whole turn is one call into
the writer thread rather than one thread hop per statement. PostgreSQL runs on asyncpg, with the
same functions run through ``run_sync``. Either way the event loop never blocks on the database.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool, QueuePool

T = TypeVar("T")
WRITE_RETRIES = 5


class StaleState(Exception):
    """Another turn changed the same dialog state first; the turn is retried."""


class Database:
    """A database the rest of the bot uses only through ``write``, ``read`` and named queries."""

    def __init__(self, url: str, *, readers: int = 2) -> None:
        self.url = normalise_url(url)
        parsed = make_url(self.url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self._sync: Engine | None = None
        self._reader_engine: Engine | None = None
        self._async: AsyncEngine | None = None
        if self.is_sqlite:
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self._sync = _sqlite_engine(self.url, immediate=True, pool_size=1)
            self._reader_engine = _sqlite_engine(self.url, immediate=False, pool_size=readers)
            self._writer = ThreadPoolExecutor(1, thread_name_prefix="db-writer")
            self._writer_conn: Connection | None = None
            self._readers = ThreadPoolExecutor(readers, thread_name_prefix="db-reader")
        else:
            self._async = create_async_engine(self.url, pool_size=10, max_overflow=10, pool_pre_ping=True)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return "sqlite" if self.is_sqlite else "postgresql"

    async def write(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn(connection)`` in one write transaction, retrying when another turn won a race."""
        for attempt in range(WRITE_RETRIES):
            try:
                return await self._run(fn, write=True)
            except (StaleState, IntegrityError):
                if attempt == WRITE_RETRIES - 1:
                    raise
                await asyncio.sleep(0.002 * (attempt + 1))
        raise AssertionError("unreachable")

    async def read(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn(connection)`` in a read-only transaction (beside the writer on SQLite)."""
        return await self._run(fn, write=False)

    def run_sync(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn`` in a write transaction from synchronous code (CLI commands, migrations)."""
        if self.is_sqlite:
            return self._transaction(fn, write=True)
        return asyncio.run(self._async_transaction(fn))

    async def ping(self) -> bool:
        """Whether the database answers a trivial query."""
        try:
            await asyncio.wait_for(self.read(lambda c: c.execute(text("SELECT 1")).scalar()), timeout=3)
        except (OperationalError, OSError, TimeoutError, ConnectionError):
            return False
        except Exception:
            return False
        return True

    async def close(self) -> None:
        """Release connections and threads."""
        if self._async is not None:
            await self._async.dispose()
        else:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._writer, self._dispose)
            self._writer.shutdown(wait=True)
            self._readers.shutdown(wait=True)

    def _dispose(self) -> None:
        assert self._sync is not None and self._reader_engine is not None
        if self._writer_conn is not None:
            self._writer_conn.close()
            self._writer_conn = None
        self._sync.dispose()
        self._reader_engine.dispose()

    async def _run(self, fn: Callable[[Connection], T], *, write: bool) -> T:
        if self._async is not None:
            return await self._async_transaction(fn)
        loop = asyncio.get_running_loop()
        pool = self._writer if write else self._readers
        return await loop.run_in_executor(pool, self._transaction, fn, write)

    def _transaction(self, fn: Callable[[Connection], T], write: bool) -> T:
        if write and threading.current_thread().name.startswith("db-writer"):
            return self._in_writer_thread(fn)
        engine = self._sync if write else self._reader_engine
        assert engine is not None
        with engine.begin() as conn:
            return fn(conn)

    def _in_writer_thread(self, fn: Callable[[Connection], T]) -> T:
        # The one writer thread keeps its connection: a pool checkout per turn costs more than the turn.
        assert self._sync is not None
        if self._writer_conn is None or self._writer_conn.closed or self._writer_conn.invalidated:
            self._writer_conn = self._sync.connect()
        conn = self._writer_conn
        try:
            with conn.begin():
                return fn(conn)
        except DBAPIError as exc:
            if exc.connection_invalidated:
                self._writer_conn = None
            raise

    async def _async_transaction(self, fn: Callable[[Connection], T]) -> T:
        assert self._async is not None
        async with self._async.begin() as conn:
            return await conn.run_sync(fn)


def normalise_url(url: str) -> str:
    """Accept the URLs people paste: plain ``postgresql://`` means asyncpg, ``sqlite+aiosqlite`` means sqlite."""
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite+aiosqlite://"):
        return "sqlite://" + url.split("://", 1)[1]
    return url


def _sqlite_engine(url: str, *, immediate: bool, pool_size: int) -> Engine:
    memory = ":memory:" in url or url.rstrip("/") == "sqlite:"
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        poolclass=NullPool if memory else QueuePool,
        **({} if memory else {"pool_size": pool_size, "max_overflow": 0}),
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN IMMEDIATE below is what runs.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine
