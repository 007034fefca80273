"""A smaller index of each survey's respondents, so all-time digests count people from it.

0005's ``ix_survey_response_people`` carried the start beside the status and demo flag. Every
entry then differs, and the index is nearly half the table's size, so PostgreSQL's planner
prefers to read the whole table to count an all-time digest's distinct respondents (a third of
the digest's time in the database). With only keys that repeat (survey, respondent, status,
demo), PostgreSQL stores each respondent once: a sixth of the size, so it is read instead of the
table, in a third of the time. SQLite reads it as before; no query looks up the start in it
(periods read ``ix_survey_response_period``).

Revision ID: 0006_people_index
Revises: 0005_response_summary
Create Date: 2026-11-28
"""

from alembic import op

revision = "0006_people_index"
down_revision = "0005_response_summary"
branch_labels = None
depends_on = None

NAME, TABLE = "ix_survey_response_people", "survey_response"


def upgrade() -> None:
    op.drop_index(NAME, table_name=TABLE)
    op.create_index(NAME, TABLE, ["survey_id", "respondent", "status", "is_demo"])


def downgrade() -> None:
    op.drop_index(NAME, table_name=TABLE)
    # As migration 0005 made it.
    if op.get_bind().dialect.name == "sqlite":
        op.create_index(NAME, TABLE, ["survey_id", "respondent", "started_at", "status", "is_demo"])
    else:
        op.create_index(
            NAME, TABLE, ["survey_id", "respondent"], postgresql_include=["started_at", "status", "is_demo"]
        )
