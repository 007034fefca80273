"""Alembic environment: migrations always run on a connection the bot hands over."""

from __future__ import annotations

from alembic import context

from storage.models import SQLModel

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
context.run_migrations()
