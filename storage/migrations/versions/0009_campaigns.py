"""Survey campaigns: who was asked (by pseudonym), where to write to them (sealed, kept apart), reminders.

Adds ``campaign``, ``campaign_member`` and ``campaign_contact``. Nothing existing changes.

Revision ID: 0009_campaigns
Revises: 0007_release_batches
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_campaigns"
down_revision = "0007_release_batches"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "campaign",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("conversation_key", sa.String(300), nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("audience", sa.Text, nullable=False),
        sa.Column("audience_label", sa.String(120), nullable=False),
        sa.Column("survey_id", sa.String(60), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("launched_at", WHEN, nullable=True),
        sa.Column("closes_at", WHEN, nullable=False),
        sa.Column("grace_until", WHEN, nullable=True),
        sa.Column("closed_at", WHEN, nullable=True),
        sa.Column("reminders_at", sa.Text, nullable=False, server_default=""),
        sa.Column("reminders_sent", sa.Integer, nullable=False, server_default="0"),
        sa.Column("repeat_months", sa.Integer, nullable=True),
        sa.Column("repeat_of", sa.String(36), nullable=True),
        sa.Column("left_out", sa.Integer, nullable=False, server_default="0"),
        sa.Column("channel_posted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("addresses_until", WHEN, nullable=True),
        sa.Column("follow_up_at", WHEN, nullable=True),
    )
    op.create_index("ix_campaign_conversation", "campaign", ["channel", "conversation_key"])
    op.create_index("ix_campaign_status", "campaign", ["status"])
    op.create_table(
        "campaign_member",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("campaign_id", sa.String(36), sa.ForeignKey("campaign.id"), nullable=False),
        sa.Column("person", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reach", sa.String(16), nullable=True),
        sa.Column("invited_at", WHEN, nullable=True),
        sa.Column("reminded", sa.Integer, nullable=False, server_default="0"),
        sa.Column("outbox_id", sa.Integer, nullable=True),
        sa.UniqueConstraint("campaign_id", "person", name="uq_campaign_member"),
    )
    op.create_index("ix_campaign_member_state", "campaign_member", ["campaign_id", "state"])
    op.create_index("ix_campaign_member_outbox", "campaign_member", ["outbox_id"])
    op.create_table(
        "campaign_contact",
        sa.Column("member_id", sa.Integer, sa.ForeignKey("campaign_member.id"), primary_key=True),
        sa.Column("campaign_id", sa.String(36), nullable=False),
        sa.Column("address", sa.Text, nullable=False),
    )
    op.create_index("ix_campaign_contact_campaign_id", "campaign_contact", ["campaign_id"])


def downgrade() -> None:
    op.drop_table("campaign_contact")
    op.drop_table("campaign_member")
    op.drop_table("campaign")
