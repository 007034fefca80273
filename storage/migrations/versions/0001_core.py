"""Core tables: responses, answers, chosen options, dialog state and processed messages.

Revision ID: 0001_core
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_core"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "survey_response",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("survey_id", sa.String(60), nullable=False),
        sa.Column("survey_version", sa.Integer, nullable=False),
        sa.Column("respondent", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("role", sa.String(60), nullable=True),
        sa.Column("team", sa.String(60), nullable=True),
        sa.Column("is_demo", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_survey_response_respondent", "survey_response", ["respondent"])
    op.create_index("ix_survey_response_survey_started", "survey_response", ["survey_id", "started_at"])
    op.create_table(
        "answer",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("response_id", sa.String(36), sa.ForeignKey("survey_response.id"), nullable=False),
        sa.Column("question_id", sa.String(60), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("value_text", sa.Text, nullable=True),
        sa.Column("value_number", sa.Float, nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("response_id", "question_id", name="uq_answer_response_question"),
    )
    op.create_index("ix_answer_question", "answer", ["question_id"])
    op.create_table(
        "answer_choice",
        sa.Column("response_id", sa.String(36), sa.ForeignKey("survey_response.id"), primary_key=True),
        sa.Column("question_id", sa.String(60), primary_key=True),
        sa.Column("choice", sa.String(60), primary_key=True),
    )
    op.create_index("ix_answer_choice_question_choice", "answer_choice", ["question_id", "choice"])
    op.create_table(
        "dialog_state",
        sa.Column("respondent", sa.String(64), primary_key=True),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "processed_message",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_processed_message_processed_at", "processed_message", ["processed_at"])


def downgrade() -> None:
    for table in ("processed_message", "dialog_state", "answer_choice", "answer", "survey_response"):
        op.drop_table(table)
