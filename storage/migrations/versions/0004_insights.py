"""Insights: digest schedules and their claims, chart images, and indexes for the aggregate queries.

Revision ID: 0004_insights
Revises: 0003_guidance
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_insights"
down_revision = "0003_guidance"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digest_schedule",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("conversation_id", sa.String(300), nullable=False),
        sa.Column("survey_id", sa.String(60), nullable=False),
        sa.Column("period", sa.String(30), nullable=False),
        sa.Column("cron", sa.String(100), nullable=False),
        sa.Column("description", sa.String(120), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_digest_schedule_due", "digest_schedule", ["stopped_at", "next_due_at"])
    op.create_table(
        "digest_run",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("schedule_id", sa.String(36), sa.ForeignKey("digest_schedule.id"), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("claimed_by", sa.String(60), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("schedule_id", "due_at", name="uq_digest_run_schedule_due"),
    )
    op.create_table(
        "report_image",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("png", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_report_image_expires_at", "report_image", ["expires_at"])
    # Digests read a handful of answers per response (SUS items, disruption, time lost): an index
    # that holds those values lets both databases skip the table rows. Free text stays out of it.
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            "ix_answer_response_values",
            "answer",
            ["response_id", "question_id"],
            postgresql_include=["value_text", "value_number"],
            postgresql_where=sa.text("kind <> 'free_text'"),
        )
    else:
        op.create_index(
            "ix_answer_response_values",
            "answer",
            ["response_id", "question_id", "value_text", "value_number"],
            sqlite_where=sa.text("kind <> 'free_text'"),
        )


def downgrade() -> None:
    op.drop_index("ix_answer_response_values", table_name="answer")
    op.drop_table("report_image")
    op.drop_table("digest_run")
    op.drop_table("digest_schedule")
