"""Hot statements compiled once, and on SQLite run straight on the driver's cursor.

A turn runs half a dozen small statements. Through SQLAlchemy's execution machinery each costs
several times what SQLite itself spends on it, so on SQLite the statements of the turn's path are
compiled once by SQLAlchemy (the same SQL, with SQLAlchemy's own conversion of each parameter, so
what is stored is exactly what ``conn.execute`` would store) and run on the DBAPI cursor of the
connection's current transaction. On PostgreSQL they run through ``conn.execute`` as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import Executable

# The pysqlite dialect SQLAlchemy connects with: its type conversions are the ones to copy.
SQLITE_DRIVER = sqlite.dialect(paramstyle="qmark")
_REQUIRED = object()


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]
    defaults: tuple[Any, ...]
    convert: tuple[Callable[[Any], Any] | None, ...]


class Prepared:
    """One statement: ``run`` it with a dict of parameters (or a list of dicts, for many rows)."""

    def __init__(self, statement: Executable, *, sqlite_statement: Executable | None = None) -> None:
        self.statement = statement
        self._sqlite = _compile(sqlite_statement if sqlite_statement is not None else statement)

    def run(self, conn: Connection, params: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> Any:
        """Execute; returns a cursor (SQLite's, or SQLAlchemy's result) with ``rowcount`` and rows."""
        if conn.dialect.name != "sqlite":
            return conn.execute(self.statement, params)  # type: ignore[arg-type]
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        c = self._sqlite
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


def _compile(statement: Executable) -> _Compiled:
    compiled = statement.compile(dialect=SQLITE_DRIVER)  # type: ignore[attr-defined]
    names = tuple(compiled.positiontup or ())
    defaults, convert = [], []
    for name in names:
        bind = compiled.binds[name]
        defaults.append(_REQUIRED if bind.required or bind.callable else bind.value)
        convert.append(bind.type.dialect_impl(SQLITE_DRIVER).bind_processor(SQLITE_DRIVER))
    return _Compiled(compiled.string, names, tuple(defaults), tuple(convert))


def _values(c: _Compiled, params: Mapping[str, Any]) -> list[Any]:
    values = []
    for name, default, convert in zip(c.names, c.defaults, c.convert, strict=True):
        value = params[name] if default is _REQUIRED or name in params else default
        values.append(convert(value) if convert is not None and value is not None else value)
    return values
