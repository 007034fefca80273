"""Apply the Alembic migrations, so an installation upgrades without losing answers."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from storage.db import Database

MIGRATIONS = Path(__file__).parent / "migrations"
# Any fixed number: server processes starting together take turns to migrate.
MIGRATION_LOCK = 74_120_301


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> str | None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    command.upgrade(_config(connection), "head")
    return MigrationContext.configure(connection).get_current_revision()


async def upgrade(db: Database) -> str | None:
    """Bring the schema to the newest revision; returns that revision."""
    return await db.write(_upgrade, alone=True)


def upgrade_sync(db: Database) -> str | None:
    """The same, from synchronous code such as ``guidebot db upgrade``."""
    return db.run_sync(_upgrade)


def head_revision() -> str | None:
    """The newest revision the code knows."""
    return ScriptDirectory.from_config(_config()).get_current_head()
