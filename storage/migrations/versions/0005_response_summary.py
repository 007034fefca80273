"""Per-response facts for digests, options that carry their response's survey and start, and indexes.

Adds to ``survey_response`` the facts digests read (seconds to complete, the SUS score and its
items' answers, copies of the disruption, time-lost and consulted answers) and to ``answer_choice``
the option's position and its response's survey, start and abandonment, then fills both from the
stored answers, so an upgraded installation shows the same figures as before. Indexes for the
digest queries replace 0004's index of answer values, which digests no longer read. The SQL is
written out here rather than imported, so this revision keeps doing what it did when the code
moves on.

Revision ID: 0005_response_summary
Revises: 0004_insights
Create Date: 2026-11-27
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005_response_summary"
down_revision = "0004_insights"
branch_labels = None
depends_on = None

COPIED_ANSWERS = ("disruption", "time_lost", "consulted")
SUS_ITEMS = [f"sus_{item}" for item in range(1, 11)]
COPIED_NUMBERS = [f"{q}_number" for q in COPIED_ANSWERS]
# Each digest query reads one index and never the table rows: (name, table, key columns, columns
# it carries, partial-index condition). A period's digest reads a range of a period index in start
# order; an all-time digest walks the index whose keys are in the order the query groups by, so
# neither database has to sort or hash many rows (SQLite sorts to group, which costs more than
# the scan). SQLite has no INCLUDE, so there the carried columns are trailing keys. Facts a turn
# changes often (SUS, copied answers) stay out of the period index: on SQLite an answer then
# rewrites at most one index entry besides its row.
INDEXES = [
    ("ix_survey_response_period", "survey_response", ["survey_id", "started_at"],
     ["status", "respondent", "is_demo", "seconds_to_complete"], None),
    ("ix_survey_response_people", "survey_response", ["survey_id", "respondent"],
     ["started_at", "status", "is_demo"], None),
    ("ix_survey_response_completion", "survey_response", ["survey_id", "seconds_to_complete"],
     ["started_at", "status"], "seconds_to_complete IS NOT NULL"),
    ("ix_survey_response_sus", "survey_response", ["survey_id", "role", "team", "sus_score"],
     ["started_at", "status"], "sus_score IS NOT NULL"),
    ("ix_survey_response_answers", "survey_response", ["survey_id", *COPIED_ANSWERS],
     [*COPIED_NUMBERS, "started_at", "status"], None),
    ("ix_answer_choice_period", "answer_choice", ["survey_id", "question_id", "started_at"],
     ["choice", "abandoned", "position"], None),
    ("ix_answer_choice_counted", "answer_choice", ["survey_id", "question_id", "choice"],
     ["started_at", "abandoned", "position"], None),
]  # fmt: skip
# The tables as this revision knows them.
RESPONSE = sa.table(
    "survey_response",
    *(sa.column(c) for c in ("id", "survey_id", "status", "started_at", "finished_at")),
    *(sa.column(c) for c in ("seconds_to_complete", "sus_score")),
    *(sa.column(c) for q in COPIED_ANSWERS for c in (q, f"{q}_number")),
    *(sa.column(q) for q in SUS_ITEMS),
)
ANSWER = sa.table(
    "answer", *(sa.column(c) for c in ("response_id", "question_id", "kind", "value_text", "value_number"))
)
CHOICE = sa.table(
    "answer_choice",
    *(sa.column(c) for c in ("response_id", "question_id", "choice", "position", "survey_id")),
    *(sa.column(c) for c in ("started_at", "abandoned")),
)


def _seconds(dialect: str) -> sa.ColumnElement:
    r = RESPONSE.c
    if dialect == "sqlite":
        return sa.cast(
            (sa.func.julianday(r.finished_at) - sa.func.julianday(r.started_at)) * 86400.0, sa.Float
        )
    return sa.cast(sa.extract("epoch", r.finished_at - r.started_at), sa.Float)


def _sus_score() -> sa.ColumnElement:
    r = RESPONSE.c
    total = sum(
        (r[q] - 1 if item % 2 == 1 else 5 - r[q] for item, q in enumerate(SUS_ITEMS, start=1)),
        start=sa.literal_column("0"),
    )
    return sa.case((sa.and_(*(r[q].is_not(None) for q in SUS_ITEMS)), total * 2.5))


def _answer(question_id: str, column: str) -> sa.ScalarSelect:
    a = ANSWER.c
    return (
        sa.select(a[column])
        .where(a.response_id == RESPONSE.c.id, a.question_id == question_id, a.kind != "free_text")
        .scalar_subquery()
    )


def _backfill_responses(dialect: str) -> None:
    r = RESPONSE.c
    completed = sa.and_(r.status == "completed", r.finished_at.is_not(None))
    values: dict[str, sa.ColumnElement[Any]] = {
        "seconds_to_complete": sa.case((completed, _seconds(dialect)))
    }
    for q in COPIED_ANSWERS:
        values[q] = _answer(q, "value_text")
        values[f"{q}_number"] = _answer(q, "value_number")
    for q in SUS_ITEMS:
        values[q] = _answer(q, "value_number")
    op.execute(sa.update(RESPONSE).values(values))
    # Scored from the items just copied: SET sees a row as it was, so this is a second statement.
    op.execute(sa.update(RESPONSE).values(sus_score=_sus_score()))


def _backfill_choices() -> None:
    c = CHOICE.c

    def of_response(column: sa.ColumnElement) -> sa.ScalarSelect:
        return sa.select(column).where(RESPONSE.c.id == c.response_id).scalar_subquery()

    earlier = sa.alias(CHOICE, "earlier")
    position = (
        sa.select(sa.func.count())
        .select_from(earlier)
        .where(
            earlier.c.response_id == c.response_id,
            earlier.c.question_id == c.question_id,
            earlier.c.choice < c.choice,
        )
        .scalar_subquery()
    )
    op.execute(
        sa.update(CHOICE).values(
            survey_id=of_response(RESPONSE.c.survey_id),
            started_at=of_response(RESPONSE.c.started_at),
            abandoned=of_response(RESPONSE.c.status == "abandoned"),
            position=position,
        )
    )


def _create_indexes(dialect: str) -> None:
    for name, table, keys, carried, where in INDEXES:
        if dialect == "sqlite":
            extra: dict[str, Any] = {"sqlite_where": sa.text(where)} if where else {}
            op.create_index(name, table, [*keys, *carried], **extra)
        else:
            extra = {"postgresql_where": sa.text(where)} if where else {}
            op.create_index(name, table, keys, postgresql_include=carried, **extra)


def _answer_values_index(dialect: str) -> None:
    # As migration 0004 made it.
    if dialect == "postgresql":
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


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    add = op.add_column
    add("survey_response", sa.Column("seconds_to_complete", sa.Float, nullable=True))
    add("survey_response", sa.Column("sus_score", sa.Float, nullable=True))
    for q in COPIED_ANSWERS:
        add("survey_response", sa.Column(q, sa.Text, nullable=True))
        add("survey_response", sa.Column(f"{q}_number", sa.Float, nullable=True))
    for q in SUS_ITEMS:
        add("survey_response", sa.Column(q, sa.Float, nullable=True))
    add("answer_choice", sa.Column("position", sa.Integer, nullable=False, server_default="0"))
    add("answer_choice", sa.Column("survey_id", sa.String(60), nullable=True))
    add("answer_choice", sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))
    add("answer_choice", sa.Column("abandoned", sa.Boolean, nullable=False, server_default=sa.false()))
    _backfill_responses(dialect)
    _backfill_choices()
    op.drop_index("ix_answer_choice_question_choice", table_name="answer_choice")
    # Made in 0004 for digests that read answers; they read the facts now, and every answer
    # written no longer pays for it.
    op.drop_index("ix_answer_response_values", table_name="answer")
    _create_indexes(dialect)


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35 and later): rebuilding survey_response would break the
    # answers' foreign keys. The indexes that name these columns go first.
    for name, table, *_ in INDEXES:
        op.drop_index(name, table_name=table)
    op.create_index("ix_answer_choice_question_choice", "answer_choice", ["question_id", "choice"])
    _answer_values_index(op.get_bind().dialect.name)
    for column in ("abandoned", "started_at", "survey_id", "position"):
        op.drop_column("answer_choice", column)
    columns = ["seconds_to_complete", "sus_score", *COPIED_ANSWERS, *COPIED_NUMBERS, *SUS_ITEMS]
    for column in columns:
        op.drop_column("survey_response", column)
