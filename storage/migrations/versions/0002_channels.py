"""Channel tables: conversation references for proactive messages, and open question messages.

Revision ID: 0002_channels
Revises: 0001_core
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_channels"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversation_ref",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("conversation_id", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("respondent", sa.String(64), nullable=True),
        sa.Column("reference", sa.Text, nullable=False),
        sa.Column("blocked", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("channel", "conversation_id", name="uq_conversation_ref"),
    )
    op.create_index("ix_conversation_ref_respondent", "conversation_ref", ["respondent"])
    op.create_table(
        "posted_question",
        sa.Column("channel", sa.String(20), primary_key=True),
        sa.Column("conversation_id", sa.String(300), primary_key=True),
        sa.Column("question_id", sa.String(60), nullable=False),
        sa.Column("message_id", sa.String(200), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("posted_question")
    op.drop_table("conversation_ref")
