"""Delivery: the outbox, lane claims and shared pacing; no raw platform ids at rest.

Every outgoing message becomes an ``outbox_message`` row written with what caused it. Open
question messages are remembered per lane (a keyed hash of the conversation) rather than per raw
conversation id. Conversation references and digest schedules are found by keyed hashes and keep
their addresses sealed: the columns are renamed here, and the rows written before this revision
are re-keyed and sealed when the server starts (that needs the secret key, which migrations do
not have). Processed-message keys held raw platform user ids (Slack clicks): they are dropped,
so at worst a platform resend in flight during the upgrade is handled twice.

Revision ID: 0008_delivery
Revises: 0006_people_index
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_delivery"
down_revision = "0006_people_index"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("lane", sa.String(64), nullable=False),
        sa.Column("op", sa.String(10), nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("address", sa.Text, nullable=True),
        sa.Column("payload", sa.Text, nullable=True),
        sa.Column("question_id", sa.String(60), nullable=True),
        sa.Column("target", sa.String(200), nullable=True),
        sa.Column("message_key", sa.String(64), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("error", sa.String(80), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("not_before", WHEN, nullable=False),
        sa.Column("sent_at", WHEN, nullable=True),
    )
    op.create_index("ix_outbox_message_due", "outbox_message", ["status", "not_before"])
    op.create_index("ix_outbox_message_lane", "outbox_message", ["lane", "id"])
    op.create_index("ix_outbox_message_key", "outbox_message", ["message_key"])
    op.create_table(
        "outbox_lane",
        sa.Column("lane", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(60), nullable=False),
        sa.Column("lease_until", WHEN, nullable=False),
    )
    op.create_table(
        "pacing_slot",
        sa.Column("key", sa.String(120), primary_key=True),
        sa.Column("times", sa.Text, nullable=False),
    )
    op.drop_table("posted_question")
    op.create_table(
        "posted_question",
        sa.Column("lane", sa.String(64), primary_key=True),
        sa.Column("question_id", sa.String(60), nullable=False),
        sa.Column("message_id", sa.String(200), nullable=False),
        sa.Column("posted_at", WHEN, nullable=False),
    )
    op.execute("DELETE FROM processed_message")
    op.drop_index("ix_conversation_ref_respondent", table_name="conversation_ref")
    with op.batch_alter_table("conversation_ref") as batch:
        batch.drop_constraint("uq_conversation_ref", type_="unique")
        batch.alter_column("conversation_id", new_column_name="conversation_key")
        batch.alter_column("respondent", new_column_name="contact")
    with op.batch_alter_table("conversation_ref") as batch:
        batch.create_unique_constraint("uq_conversation_ref", ["channel", "conversation_key"])
    op.create_index("ix_conversation_ref_contact", "conversation_ref", ["contact"])
    with op.batch_alter_table("digest_schedule") as batch:
        batch.alter_column("conversation_id", new_column_name="conversation_key")
        batch.add_column(sa.Column("address", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("digest_schedule") as batch:
        batch.drop_column("address")
        batch.alter_column("conversation_key", new_column_name="conversation_id")
    op.drop_index("ix_conversation_ref_contact", table_name="conversation_ref")
    with op.batch_alter_table("conversation_ref") as batch:
        batch.drop_constraint("uq_conversation_ref", type_="unique")
        batch.alter_column("contact", new_column_name="respondent")
        batch.alter_column("conversation_key", new_column_name="conversation_id")
    with op.batch_alter_table("conversation_ref") as batch:
        batch.create_unique_constraint("uq_conversation_ref", ["channel", "conversation_id"])
    op.create_index("ix_conversation_ref_respondent", "conversation_ref", ["respondent"])
    op.drop_table("posted_question")
    op.create_table(
        "posted_question",
        sa.Column("channel", sa.String(20), primary_key=True),
        sa.Column("conversation_id", sa.String(300), primary_key=True),
        sa.Column("question_id", sa.String(60), nullable=False),
        sa.Column("message_id", sa.String(200), nullable=False),
        sa.Column("posted_at", WHEN, nullable=False),
    )
    op.drop_table("pacing_slot")
    op.drop_table("outbox_lane")
    op.drop_table("outbox_message")
