"""Apply the Alembic migrations, so an installation upgrades without losing answers.

A server that starts on a database already at the newest revision reads that revision and goes on:
Alembic (and Mako, which it brings) is only imported when there is something to migrate, which
keeps it out of a running server's start-up time and memory.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, inspect, text

from storage.db import Database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
# Any fixed number: server processes starting together take turns to migrate.
MIGRATION_LOCK = 74_120_301
_REVISION = re.compile(r'^(down_revision|revision)\s*=\s*"([^"]+)"', re.MULTILINE)


def _config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> str | None:
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    command.upgrade(_config(connection), "head")
    return MigrationContext.configure(connection).get_current_revision()


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at (None for an empty database)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


async def upgrade(db: Database) -> str | None:
    """Bring the schema to the newest revision; returns that revision."""
    head = code_head()
    if await db.read(current_revision) == head:
        return head
    return await db.write(_upgrade, alone=True)


def upgrade_sync(db: Database) -> str | None:
    """The same, from synchronous code such as ``guidebot db upgrade``."""
    return db.run_sync(_upgrade)


def head_revision() -> str | None:
    """The newest revision the code knows, as Alembic reads it."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def code_head() -> str | None:
    """The newest revision, read from the migration files without Alembic: the one no other revises."""
    revisions: set[str] = set()
    revised: set[Any] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = dict(_REVISION.findall(path.read_text(encoding="utf-8")))
        if "revision" in found:
            revisions.add(found["revision"])
            revised.add(found.get("down_revision"))
    heads = revisions - revised
    return heads.pop() if len(heads) == 1 else None
