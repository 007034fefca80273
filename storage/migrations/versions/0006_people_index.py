"""PostgreSQL: a smaller index of each survey's respondents, so all-time digests count people from it.

0005's ``ix_survey_response_people`` carried the start beside the status and demo flag. Every
entry then differs, and the index is nearly half the table's size, so PostgreSQL's planner
prefers to read the whole table to count an all-time digest's distinct respondents (a third of
the digest's time in the database). With only keys that repeat (survey, respondent, status,
demo), PostgreSQL stores each respondent once: a sixth of the size, so it is read instead of the
table, in a third of the time. No query looks up the start in it (periods read
``ix_survey_response_period``).

SQLite keeps 0005's index: it does not deduplicate, so it would gain nothing, and a new index
has no statistics until the next ANALYZE, without which SQLite reads it for the wrong queries.

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
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index(NAME, table_name=TABLE)
        op.create_index(NAME, TABLE, ["survey_id", "respondent", "status", "is_demo"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index(NAME, table_name=TABLE)
        # As migration 0005 made it.
        op.create_index(
            NAME, TABLE, ["survey_id", "respondent"], postgresql_include=["started_at", "status", "is_demo"]
        )
