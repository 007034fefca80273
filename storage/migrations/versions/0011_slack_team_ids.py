"""Slack team ids in pseudonyms: list the pseudonyms stored so far, so each person's are joined later.

Slack user ids are unique only within a workspace, so pseudonyms are now made from
``slack:T0123:U0123`` instead of ``slack:U0123``. A migration cannot work out the new pseudonyms
(they need the secret key and the raw ids, which are never stored), so it lists every pseudonym
stored before this revision in ``legacy_pseudonym``; the first time a Slack user arrives with
their team, the rows under their old pseudonym are re-keyed to the new one (``storage.pseudonyms``).

Revision ID: 0011_slack_team_ids
Revises: 0007_release_batches
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_slack_team_ids"
down_revision = "0009_campaigns"
branch_labels = None
depends_on = None

# Every column that holds a pseudonym, as the tables stood at 0007.
HOLDERS = (
    ("survey_response", "respondent"),
    ("dialog_state", "respondent"),
    ("digest_schedule", "created_by"),
)


def upgrade() -> None:
    legacy = op.create_table("legacy_pseudonym", sa.Column("pseudonym", sa.String(64), primary_key=True))
    # UNION, not UNION ALL: a person's pseudonym is in several tables and rows; each is listed once.
    known = sa.union(*(sa.select(sa.table(table, sa.column(column)).c[column]) for table, column in HOLDERS))
    op.execute(legacy.insert().from_select(["pseudonym"], known))


def downgrade() -> None:
    op.drop_table("legacy_pseudonym")
