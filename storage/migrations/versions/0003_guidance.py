"""Guidance answers: each question answered (redacted), its sections, and the asker's feedback.

Revision ID: 0003_guidance
Revises: 0002_channels
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_guidance"
down_revision = "0002_channels"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "guidance_answer",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("sections", sa.String(400), nullable=False, server_default=""),
        sa.Column("confident", sa.Boolean, nullable=False),
        sa.Column("helpful", sa.Boolean, nullable=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("feedback_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_guidance_answer_asked_at", "guidance_answer", ["asked_at"])


def downgrade() -> None:
    op.drop_table("guidance_answer")
