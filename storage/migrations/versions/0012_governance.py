"""Governance: the access log (who looked at results or personal data) and the privacy notice shown.

Adds ``access_log`` and ``privacy_notice_shown``. Nothing existing changes.

Revision ID: 0012_governance
Revises: 0011_slack_team_ids
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_governance"
down_revision = "0011_slack_team_ids"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("requester", sa.String(64), nullable=False),
        sa.Column("role", sa.String(30), nullable=False),
        sa.Column("survey_id", sa.String(60), nullable=False, server_default=""),
        sa.Column("period", sa.String(60), nullable=False, server_default=""),
        sa.Column("detail", sa.String(200), nullable=False, server_default=""),
    )
    op.create_index("ix_access_log_at", "access_log", ["at"])
    op.create_table(
        "privacy_notice_shown",
        sa.Column("person", sa.String(64), primary_key=True),
        sa.Column("shown_at", WHEN, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("privacy_notice_shown")
    op.drop_index("ix_access_log_at", "access_log")
    op.drop_table("access_log")
