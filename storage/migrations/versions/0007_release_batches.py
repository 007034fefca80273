"""Release batches: completed responses enter figures only in whole batches, and query auditing.

Adds ``release_batch`` (a survey's responses released together), ``release_policy`` (the
threshold batches are made with) and ``released_population`` (the populations shown figures were
computed over, for auditing breakdowns). ``survey_response`` gains ``counts`` (whether it counts
towards a batch), ``batch_id`` and ``released_at``; ``answer_choice`` gains its response's
``batch_id`` and whether it counted, so counting options for a period needs no join. The digest indexes are rebuilt on
the batch rather than the start, since figures now cover released responses only.

Completed responses already stored are released in completion order, each batch as soon as the
responses so far come from ``GUIDEBOT_MIN_GROUP_SIZE`` people (read from the environment, 5 if
unset; the server records its own setting for later batches when it starts). Fewer left over stay
unreleased until more people complete. Demo responses are batched among themselves. As in 0005,
the SQL is written out here rather than imported, so this revision keeps doing what it did.

Revision ID: 0007_release_batches
Revises: 0008_delivery
Create Date: 2026-12-10
"""

import os
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007_release_batches"
down_revision = "0008_delivery"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)
SUS_ITEMS = [f"sus_{item}" for item in range(1, 11)]
COPIED_ANSWERS = ("disruption", "time_lost", "consulted")
COPIED_NUMBERS = [f"{q}_number" for q in COPIED_ANSWERS]
# (name, table, key columns, columns carried, partial-index condition), as in 0005: SQLite has no
# INCLUDE, so there the carried columns are trailing keys.
OLD_INDEXES = [
    ("ix_survey_response_period", "survey_response", ["survey_id", "started_at"],
     ["status", "respondent", "is_demo", "seconds_to_complete"], None),
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
NEW_INDEXES = [
    ("ix_survey_response_released", "survey_response", ["survey_id", "batch_id"],
     ["respondent", "is_demo", "counts", "role", "team", "seconds_to_complete"], "batch_id IS NOT NULL"),
    ("ix_survey_response_completion", "survey_response", ["survey_id", "seconds_to_complete"],
     ["batch_id"], "seconds_to_complete IS NOT NULL AND batch_id IS NOT NULL"),
    ("ix_survey_response_sus", "survey_response", ["survey_id", "role", "team", "sus_score"],
     ["batch_id", "counts", "is_demo"], "sus_score IS NOT NULL AND batch_id IS NOT NULL"),
    ("ix_survey_response_answers", "survey_response", ["survey_id", *COPIED_ANSWERS],
     [*COPIED_NUMBERS, "batch_id", "counts", "is_demo"], "batch_id IS NOT NULL"),
    ("ix_survey_response_unreleased", "survey_response", ["survey_id", "is_demo", "respondent"],
     ["counts"], "batch_id IS NULL AND status = 'completed'"),
    ("ix_answer_choice_released", "answer_choice", ["survey_id", "question_id", "batch_id"],
     ["choice", "position", "counting"], "batch_id IS NOT NULL"),
    ("ix_answer_choice_counted", "answer_choice", ["survey_id", "question_id", "choice"],
     ["batch_id", "position", "counting"], "batch_id IS NOT NULL"),
]  # fmt: skip
RESPONSE = sa.table(
    "survey_response",
    *map(sa.column, ("id", "survey_id", "respondent", "status", "is_demo", "counts", "sus_score")),
    sa.column("finished_at", WHEN),
    sa.column("released_at", WHEN),
    sa.column("batch_id", sa.Integer),
    *map(sa.column, SUS_ITEMS),
)
CHOICE = sa.table(
    "answer_choice", sa.column("response_id"), sa.column("batch_id", sa.Integer), sa.column("counting")
)
BATCH = sa.table(
    "release_batch",
    sa.column("id", sa.Integer),
    *map(sa.column, ("survey_id", "sequence", "is_demo", "responses", "counting_respondents")),
    sa.column("min_group_size"),
    sa.column("released_at", WHEN),
)
POLICY = sa.table("release_policy", *map(sa.column, ("id", "min_group_size")), sa.column("updated_at", WHEN))


def _create_indexes(indexes: list, dialect: str) -> None:
    for name, table, keys, carried, where in indexes:
        if dialect == "sqlite":
            extra: dict[str, Any] = {"sqlite_where": sa.text(where)} if where else {}
            op.create_index(name, table, [*keys, *carried], **extra)
        else:
            extra = {"postgresql_where": sa.text(where)} if where else {}
            op.create_index(name, table, keys, postgresql_include=carried, **extra)


def _threshold() -> int:
    try:
        return max(2, int(os.environ.get("GUIDEBOT_MIN_GROUP_SIZE", "5")))
    except ValueError:
        return 5


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _release_existing(k: int) -> None:
    """Existing completed responses, released in completion order (as ``storage.releases`` does)."""
    conn = op.get_bind()
    r = RESPONSE.c
    whole = sa.or_(r.sus_score.is_not(None), sa.and_(*(r[q].is_(None) for q in SUS_ITEMS)))
    rows = conn.execute(
        sa.select(r.id, r.survey_id, r.respondent, r.is_demo, r.counts, r.finished_at)
        .where(r.status == "completed", whole)
        .order_by(r.survey_id, r.finished_at, r.id)
    ).all()
    sequence: dict[str, tuple[int, datetime]] = {}
    pending: dict[tuple[str, bool], tuple[list[str], list[bool], set[str]]] = {}
    for row in rows:
        stream = (row.survey_id, bool(row.is_demo))
        members, flags, people = pending.setdefault(stream, ([], [], set()))
        members.append(row.id)
        flags.append(bool(row.counts) and not row.is_demo)
        if row.is_demo or row.counts:
            people.add(row.respondent)
        if len(people) < k:
            continue
        previous = sequence.get(row.survey_id)
        at = _utc(row.finished_at) if previous is None else max(_utc(row.finished_at), previous[1])
        number = 1 if previous is None else previous[0] + 1
        sequence[row.survey_id] = (number, at)
        values = {
            "survey_id": row.survey_id, "sequence": number, "is_demo": bool(row.is_demo),
            "responses": len(members), "counting_respondents": len(people), "min_group_size": k,
            "released_at": at,
        }  # fmt: skip
        batch_id = conn.execute(sa.insert(BATCH).values(values).returning(BATCH.c.id)).scalar_one()
        conn.execute(sa.update(RESPONSE).where(r.id.in_(members)).values(batch_id=batch_id, released_at=at))
        counted = [m for m, counts in zip(members, flags, strict=True) if counts]
        conn.execute(sa.update(CHOICE).where(CHOICE.c.response_id.in_(members)).values(batch_id=batch_id))
        conn.execute(sa.update(CHOICE).where(CHOICE.c.response_id.in_(counted)).values(counting=True))
        pending[stream] = ([], [], set())


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "release_batch",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("survey_id", sa.String(60), nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("released_at", WHEN, nullable=False),
        sa.Column("is_demo", sa.Boolean, nullable=False),
        sa.Column("responses", sa.Integer, nullable=False),
        sa.Column("counting_respondents", sa.Integer, nullable=False),
        sa.Column("min_group_size", sa.Integer, nullable=False),
        sa.UniqueConstraint("survey_id", "sequence", name="uq_release_batch_sequence"),
    )
    op.create_index("ix_release_batch_released", "release_batch", ["survey_id", "released_at"])
    op.create_table(
        "release_policy",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("min_group_size", sa.Integer, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
    )
    op.create_table(
        "released_population",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("survey_id", sa.String(60), nullable=False),
        sa.Column("field", sa.String(20), nullable=False),
        sa.Column("value", sa.String(60), nullable=False),
        sa.Column("first_batch", sa.Integer, nullable=False),
        sa.Column("last_batch", sa.Integer, nullable=False),
        sa.Column("released_at", WHEN, nullable=False),
        sa.UniqueConstraint(
            "survey_id", "field", "value", "first_batch", "last_batch", name="uq_released_population"
        ),
    )
    add = op.add_column
    add("survey_response", sa.Column("counts", sa.Boolean, nullable=False, server_default=sa.true()))
    add("survey_response", sa.Column("batch_id", sa.Integer, nullable=True))
    add("survey_response", sa.Column("released_at", WHEN, nullable=True))
    add("answer_choice", sa.Column("batch_id", sa.Integer, nullable=True))
    add("answer_choice", sa.Column("counting", sa.Boolean, nullable=False, server_default=sa.false()))
    for name, table, *_ in OLD_INDEXES:
        op.drop_index(name, table_name=table)
    k = _threshold()
    op.execute(sa.insert(POLICY).values(id=1, min_group_size=k, updated_at=datetime.now(UTC)))
    _release_existing(k)
    _create_indexes(NEW_INDEXES, dialect)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, table, *_ in NEW_INDEXES:
        op.drop_index(name, table_name=table)
    _create_indexes(OLD_INDEXES, dialect)
    op.drop_column("answer_choice", "counting")
    op.drop_column("answer_choice", "batch_id")
    for column in ("released_at", "batch_id", "counts"):
        op.drop_column("survey_response", column)
    op.drop_table("released_population")
    op.drop_table("release_policy")
    op.drop_index("ix_release_batch_released", table_name="release_batch")
    op.drop_table("release_batch")
