"""Hot statements compiled once, and run straight on the driver's own connection.

A turn runs half a dozen small statements. Through SQLAlchemy's execution machinery each costs
several times what the database itself spends on it, so the statements of the turn's path are
compiled once by SQLAlchemy (the same SQL, with SQLAlchemy's own conversion of each parameter, so
what is stored is exactly what ``conn.execute`` would store) and run on the driver connection of
the connection's current transaction: sqlite3's cursor, or asyncpg's connection (awaited from
inside ``run_sync``, as SQLAlchemy's own asyncpg adapter does), whose statement cache prepares
each once per connection. On PostgreSQL this took a turn from about 2 ms of the server's CPU to
well under one; asyncpg's integrity errors come back as SQLAlchemy's, as callers expect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.sql import ClauseElement, Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.util import await_only

# The dialects SQLAlchemy connects with: their type conversions are the ones to copy.
SQLITE_DRIVER = sqlite.dialect(paramstyle="qmark")
ASYNCPG_DRIVER = asyncpg_dialect.dialect()
_REQUIRED = object()


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]
    defaults: tuple[Any, ...]
    convert: tuple[Callable[[Any], Any] | None, ...]
    returns_rows: bool = False


class Prepared:
    """One statement: ``run`` it with a dict of parameters (or a list of dicts, for many rows)."""

    def __init__(self, statement: Executable, *, sqlite_statement: Executable | None = None) -> None:
        self.statement = statement
        self._sqlite_statement = sqlite_statement if sqlite_statement is not None else statement
        self._compiled: dict[str, _Compiled] = {}

    def _for(self, dialect: str) -> _Compiled:
        found = self._compiled.get(dialect)
        if found is None:  # compiled on first use: a server imports far more statements than it runs
            if dialect == "sqlite":
                found = _compile(self._sqlite_statement, SQLITE_DRIVER)
            else:
                found = _compile(self.statement, ASYNCPG_DRIVER)
            self._compiled[dialect] = found
        return found

    def run(self, conn: Connection, params: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> Any:
        """Execute; returns a cursor-like result with ``rowcount``, ``fetchone`` and its rows."""
        name = conn.dialect.name
        if name == "postgresql" and conn.dialect.driver == "asyncpg":
            return _run_asyncpg(conn, self._for(name), params)
        if name != "sqlite":
            return conn.execute(self.statement, params)
        driver = conn.connection.driver_connection
        if driver is None:
            raise RuntimeError("the SQLite connection was closed")
        cursor = driver.cursor()
        c = self._for("sqlite")
        if isinstance(params, Mapping):
            cursor.execute(c.sql, _values(c, params))
        else:
            cursor.executemany(c.sql, [_values(c, p) for p in params])
        return cursor


def per_dialect(build: Callable[[Any], Executable]) -> Prepared:
    """One statement built for each database: ``build`` gets SQLAlchemy's dialect module (for its own
    INSERT, with ON CONFLICT)."""
    return Prepared(build(postgresql), sqlite_statement=build(sqlite))


def upsert(dialect: Any, table: Table, values: Mapping[str, Any], keys: Sequence[str]) -> Executable:
    """INSERT ``values`` into ``table``, or, where a row with the same ``keys`` exists, set its other
    columns to the values given. ``dialect`` is SQLAlchemy's module for the database (see ``per_dialect``)."""
    stmt = dialect.insert(table).values(**values)
    return stmt.on_conflict_do_update(
        index_elements=list(keys),
        set_={column: stmt.excluded[column] for column in values if column not in keys},
    )


def first(conn: Connection, prepared: Prepared, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """The first row of a query as a plain tuple, or None."""
    found = prepared.run(conn, params)
    row = found.fetchone()
    return tuple(row) if row is not None else None


def _compile(statement: Executable, dialect: Any) -> _Compiled:
    if not isinstance(statement, ClauseElement):
        raise TypeError(f"not a SQL statement: {type(statement).__name__}")
    compiled = statement.compile(dialect=dialect)
    if not isinstance(compiled, SQLCompiler):
        raise TypeError(f"not a DML or query statement: {type(statement).__name__}")
    names = tuple(compiled.positiontup or ())
    defaults, convert = [], []
    for name in names:
        bind = compiled.binds[name]
        defaults.append(_REQUIRED if bind.required or bind.callable else bind.value)
        convert.append(bind.type.dialect_impl(dialect).bind_processor(dialect))
    return _Compiled(
        compiled.string,
        names,
        tuple(defaults),
        tuple(convert),
        bool(compiled.returning) or not (compiled.isinsert or compiled.isupdate or compiled.isdelete),
    )


class _Rows:
    """What a statement run on asyncpg gave back, shaped like a DBAPI cursor's result."""

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount
        self._next = 0

    def fetchone(self) -> tuple[Any, ...] | None:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return tuple(self._rows[self._next - 1])

    def first(self) -> tuple[Any, ...] | None:
        return tuple(self._rows[0]) if self._rows else None

    def all(self) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self._rows]

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self.all())


def _run_asyncpg(
    conn: Connection, c: _Compiled, params: Mapping[str, Any] | Sequence[Mapping[str, Any]]
) -> _Rows:
    driver = conn.connection.driver_connection  # asyncpg's own connection
    adapted = conn.connection.dbapi_connection
    assert driver is not None and adapted is not None
    if adapted._transaction is None:
        # SQLAlchemy's adapter begins its transaction lazily, on its first statement: begin it now,
        # as that would, so these statements are inside the transaction (not committed one by one).
        await_only(adapted._start_transaction())
    try:
        if not isinstance(params, Mapping):
            await_only(driver.executemany(c.sql, [_values(c, p) for p in params]))
            return _Rows([], len(params))
        values = _values(c, params)
        if c.returns_rows:
            rows = await_only(driver.fetch(c.sql, *values))
            return _Rows(rows, len(rows))
        status = await_only(driver.execute(c.sql, *values))
    except asyncpg.exceptions.IntegrityConstraintViolationError as exc:
        raise IntegrityError(c.sql, None, exc, hide_parameters=True) from exc
    except asyncpg.exceptions.PostgresError as exc:
        raise DBAPIError(c.sql, None, exc, hide_parameters=True) from exc
    return _Rows([], _rowcount(status))


def _rowcount(status: str) -> int:
    """Rows a command touched, from its status ("UPDATE 1", "INSERT 0 1", "DELETE 3")."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


def _values(c: _Compiled, params: Mapping[str, Any]) -> list[Any]:
    values = []
    for name, default, convert in zip(c.names, c.defaults, c.convert, strict=True):
        value = params[name] if default is _REQUIRED or name in params else default
        values.append(convert(value) if convert is not None and value is not None else value)
    return values
