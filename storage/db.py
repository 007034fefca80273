"""The database: one object that runs a function in a transaction, on SQLite or PostgreSQL.

SQLite runs through the standard driver in threads: one writer thread (SQLite has one writer at
a time anyway, and BEGIN IMMEDIATE avoids lock upgrades failing between processes) and a small
pool of reader threads, which WAL mode lets run beside the writer. A whole turn is one call into
the writer thread rather than one thread hop per statement, and the writer commits in groups:
writes that queue while one commits share the next transaction, each in its own savepoint, so a
failing write undoes only itself and no caller hears of its write before the commit that keeps it.
PostgreSQL runs on asyncpg, with the same functions run through ``run_sync``. Either way the
event loop never blocks on the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import QueuePool, StaticPool

T = TypeVar("T")
WRITE_RETRIES = 5
# A bound on how many writes share a commit, so one commit never holds back a caller for long.
GROUP_LIMIT = 64
# PostgreSQL connections per process: a turn holds one only for its few statements.
POOL_SIZE, POOL_OVERFLOW = 20, 10


@dataclass(slots=True)
class _Write(Generic[T]):
    """A write waiting for the writer thread, and where its outcome goes.

    ``future`` is an asyncio future of ``loop`` for ``write``, or a thread future for ``run_sync``.
    """

    fn: Callable[[Connection], T]
    future: asyncio.Future[T] | Future[T]
    loop: asyncio.AbstractEventLoop | None = None
    alone: bool = False
    result: Any = None
    error: BaseException | None = field(default=None)


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
        self._closed = False
        self._in_flight = 0
        self._idle = asyncio.Event()
        # An in-memory SQLite database lives and dies with its one connection: the writer's, which
        # reads then share (through its queue) instead of reader connections that would each open
        # another, empty, database.
        self.in_memory = self.is_sqlite and _in_memory(self.url)
        if self.is_sqlite:
            if parsed.database and not self.in_memory:
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self._sync = _sqlite_engine(self.url, immediate=True, pool_size=1)
            if not self.in_memory:
                self._reader_engine = _sqlite_engine(self.url, immediate=False, pool_size=readers)
            self._writer_conn: Connection | None = None
            self._queue: queue.SimpleQueue[_Write[Any] | None] = queue.SimpleQueue()
            self._writer = threading.Thread(target=self._write_forever, name="db-writer", daemon=True)
            self._writer.start()
            self._readers = ThreadPoolExecutor(readers, thread_name_prefix="db-reader")
        else:
            # No ping before each use: it was a round trip per transaction, an eighth of a turn under
            # load. A connection found dead is replaced and the transaction run again (below).
            self._async = create_async_engine(
                self.url,
                pool_size=POOL_SIZE,
                max_overflow=POOL_OVERFLOW,
                pool_recycle=1800,
                hide_parameters=True,
            )

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return "sqlite" if self.is_sqlite else "postgresql"

    async def write(self, fn: Callable[[Connection], T], *, alone: bool = False) -> T:
        """Run ``fn(connection)`` in one write transaction, retrying when another turn won a race.

        On SQLite the transaction may be shared with other writes (each in its own savepoint);
        ``alone`` gives ``fn`` a transaction of its own (migrations, bulk loads).
        """
        if self._closed:
            raise RuntimeError("the database is closed")
        for attempt in range(WRITE_RETRIES):
            try:
                if self._async is not None:
                    return await self._async_transaction(fn)
                return await self._queue_write(fn, alone)
            except (StaleState, IntegrityError):
                if attempt == WRITE_RETRIES - 1:
                    raise
                await asyncio.sleep(0.002 * (attempt + 1))
        raise AssertionError("unreachable")

    async def read(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn(connection)`` in a read-only transaction (beside the writer on SQLite)."""
        if self._closed:
            raise RuntimeError("the database is closed")
        if self._async is not None:
            return await self._async_transaction(fn)
        if self.in_memory:
            return await self._queue_write(fn, alone=False)
        return await asyncio.get_running_loop().run_in_executor(self._readers, self._read_transaction, fn)

    def run_sync(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn`` in a write transaction from synchronous code (CLI commands, migrations)."""
        if self.is_sqlite:
            item: _Write[T] = _Write(fn, Future(), alone=True)
            self._put(item)
            return item.future.result()
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
        """Finish the writes already asked for, then release connections and threads; later calls fail."""
        self._closed = True
        if self._async is not None:
            if self._in_flight:
                await self._idle.wait()
            await self._async.dispose()
        elif self._writer.is_alive():
            self._queue.put(None)  # after the writes already queued
            await asyncio.to_thread(self._writer.join)
            self._readers.shutdown(wait=True)
            assert self._sync is not None
            self._sync.dispose()
            if self._reader_engine is not None:
                self._reader_engine.dispose()

    def _read_transaction(self, fn: Callable[[Connection], T]) -> T:
        # Writes never come here: on SQLite they all go through the writer thread's queue.
        assert self._reader_engine is not None
        with self._reader_engine.begin() as conn:
            return fn(conn)

    async def _queue_write(self, fn: Callable[[Connection], T], alone: bool) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._put(_Write(fn, future, loop, alone))
        return await future

    def _put(self, item: _Write[Any]) -> None:
        if not self._writer.is_alive():
            raise RuntimeError("the database is closed")
        self._queue.put(item)

    def _write_forever(self) -> None:
        """The writer thread: take the writes queued, run them in one transaction, commit, answer."""
        held: list[_Write[Any] | None] = []  # taken from the queue but due after the group before it
        while True:
            first = held.pop() if held else self._queue.get()
            if first is None:
                break
            group = [first]
            while not first.alone and len(group) < GROUP_LIMIT:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None or item.alone:
                    held.append(item)
                    break
                group.append(item)
            self._commit_group(group)
        if self._writer_conn is not None:
            self._writer_conn.close()
            self._writer_conn = None
        late: list[_Write[Any]] = []  # writes queued while closing: refused, never left waiting
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                item.error = RuntimeError("the database is closed")
                late.append(item)
        _answer(late)

    def _commit_group(self, group: list[_Write[Any]]) -> None:
        # The writer keeps its connection: a pool checkout per write costs more than a turn.
        assert self._sync is not None
        try:
            if self._writer_conn is None or self._writer_conn.closed or self._writer_conn.invalidated:
                self._writer_conn = self._sync.connect()
            conn = self._writer_conn
            with conn.begin():
                if len(group) == 1:
                    group[0].result = group[0].fn(conn)
                else:
                    for item in group:
                        _in_savepoint(conn, item)
        except BaseException as exc:  # every waiting caller must hear of it
            if isinstance(exc, DBAPIError) and exc.connection_invalidated:
                self._writer_conn = None
            for item in group:
                item.error = item.error or exc
        _answer(group)

    async def _async_transaction(self, fn: Callable[[Connection], T]) -> T:
        try:
            return await self._async_attempt(fn)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            # The server closed the connection (a restart, an idle timeout): the pool has dropped it.
            # Nothing of this transaction was kept, so it runs once more on a fresh one.
            return await self._async_attempt(fn)

    async def _async_attempt(self, fn: Callable[[Connection], T]) -> T:
        assert self._async is not None
        self._in_flight += 1
        self._idle.clear()
        try:
            async with self._async.begin() as conn:
                return await conn.run_sync(fn)
        finally:
            self._in_flight -= 1
            if not self._in_flight:
                self._idle.set()


def _in_savepoint(conn: Connection, item: _Write[Any]) -> None:
    """Run one write of a group; if it fails, undo just its changes and keep its error for its caller.

    The savepoint is SQLite's own, on the driver connection: SQLAlchemy's nested transactions cost
    as much as the turn's statements, and the write functions never see or use savepoints.
    """
    driver = conn.connection.driver_connection
    assert driver is not None
    driver.execute("SAVEPOINT grouped")
    try:
        item.result = item.fn(conn)
    except Exception as exc:  # handed to its caller, who decides
        driver.execute("ROLLBACK TO grouped")
        driver.execute("RELEASE grouped")
        item.error = exc
    else:
        driver.execute("RELEASE grouped")


def _answer(items: list[_Write[Any]]) -> None:
    """Hand each write's outcome to its caller: thread futures now, event loops with one wake-up each."""
    waiting: dict[asyncio.AbstractEventLoop, list[_Write[Any]]] = {}
    for item in items:
        if item.loop is None:
            _settle(item)
        else:
            waiting.setdefault(item.loop, []).append(item)
    for loop, theirs in waiting.items():
        with contextlib.suppress(RuntimeError):  # a loop already closed has nobody left waiting
            loop.call_soon_threadsafe(_settle_all, theirs)


def _settle(item: _Write[Any]) -> None:
    if item.future.done():
        return  # the caller gave up waiting (cancelled); the write itself stands or fell with its group
    if item.error is not None:
        item.future.set_exception(item.error)
    else:
        item.future.set_result(item.result)


def _settle_all(items: list[_Write[Any]]) -> None:
    for item in items:
        _settle(item)


def normalise_url(url: str) -> str:
    """Accept the URLs people paste: plain ``postgresql://`` means asyncpg, ``sqlite+aiosqlite`` means sqlite."""
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite+aiosqlite://"):
        return "sqlite://" + url.split("://", 1)[1]
    return url


def _in_memory(url: str) -> bool:
    """Whether a SQLite URL names an in-memory database (``sqlite://``, ``:memory:``, ``mode=memory``)."""
    parsed = make_url(url)
    return parsed.database in (None, "", ":memory:") or parsed.query.get("mode") == "memory"


def _sqlite_engine(url: str, *, immediate: bool, pool_size: int) -> Engine:
    memory = _in_memory(url)
    # hide_parameters: an error's message never carries what a statement was given (free text).
    engine = create_engine(
        url,
        hide_parameters=True,
        connect_args={"check_same_thread": False, "timeout": 30},
        poolclass=StaticPool if memory else QueuePool,
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
