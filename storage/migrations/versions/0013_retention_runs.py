"""Retention runs: the claim that lets one server process apply the retention rules each day.

Adds ``retention_run``: one row per day (in the council's time zone) the daily retention job has
been claimed for. The primary key lets only one process claim a day, however many try at once;
a claim left unfinished by a process that died is taken over after a lease. Nothing existing
changes.

Revision ID: 0013_retention_runs
Revises: 0012_governance
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_retention_runs"
down_revision = "0012_governance"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "retention_run",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("claimed_by", sa.String(60), nullable=False),
        sa.Column("claimed_at", WHEN, nullable=False),
        sa.Column("finished_at", WHEN, nullable=True),
        sa.Column("removed", sa.Integer, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_table("retention_run")
