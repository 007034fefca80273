"""The newest revision read from the migration files without Alembic is Alembic's own."""

from __future__ import annotations

from storage.migrate import code_head, head_revision


def test_the_quick_head_is_alembics_head() -> None:
    assert code_head() is not None and code_head() == head_revision()
