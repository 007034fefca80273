"""Every answer to one survey, streamed in batches for ``guidebot export`` (never all in memory)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, select

from storage.models import Answer, SurveyResponse, table_of

RESPONSE = table_of(SurveyResponse)
ANSWER = table_of(Answer)
EXPORT_COLUMNS = (
    "respondent",
    "response_id",
    "survey_id",
    "survey_version",
    "status",
    "started_at",
    "finished_at",
    "role",
    "team",
    "is_demo",
    "question_id",
    "kind",
    "value_text",
    "value_number",
    "answered_at",
)


def survey_answers(
    conn: Connection, survey_id: str, *, include_demo: bool = True
) -> Iterator[dict[str, Any]]:
    """One dict per answer with its response's details, in response order, fetched 1,000 rows at a time."""
    query = (
        select(
            RESPONSE.c.respondent,
            RESPONSE.c.id.label("response_id"),
            RESPONSE.c.survey_id,
            RESPONSE.c.survey_version,
            RESPONSE.c.status,
            RESPONSE.c.started_at,
            RESPONSE.c.finished_at,
            RESPONSE.c.role,
            RESPONSE.c.team,
            RESPONSE.c.is_demo,
            ANSWER.c.question_id,
            ANSWER.c.kind,
            ANSWER.c.value_text,
            ANSWER.c.value_number,
            ANSWER.c.answered_at,
        )
        .join(ANSWER, ANSWER.c.response_id == RESPONSE.c.id)
        .where(RESPONSE.c.survey_id == survey_id)
        .order_by(RESPONSE.c.started_at, RESPONSE.c.id, ANSWER.c.id)
    )
    if not include_demo:
        query = query.where(RESPONSE.c.is_demo.is_(False))
    for row in conn.execution_options(yield_per=1000).execute(query):
        yield dict(row._mapping)
