"""Bulk loading of synthetic responses (demo data and benchmarks), and removing demo data again.

Rows go in with executemany in batches, not through turns: a million answers load in seconds.
Each batch's response facts are then computed in SQL by the rules turns use (``response_facts``),
and the completed responses are released into figures in completion order (``releases``), as if
each had been completed by a turn. Demo responses are marked ``is_demo``, so one command removes
them and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from sqlalchemy import Connection, case, delete, func, insert, select

from storage.models import Answer, AnswerChoice, ReleaseBatch, SurveyResponse, table_of
from storage.releases import release_pending
from storage.response_facts import refresh_facts

RESPONSE = table_of(SurveyResponse)
ANSWER = table_of(Answer)
CHOICE = table_of(AnswerChoice)
RELEASE = table_of(ReleaseBatch)
BATCH = 2000


@dataclass(frozen=True, slots=True)
class AnswerRow:
    """One answer of a synthetic response; ``choices`` for a multiple-choice answer."""

    question_id: str
    kind: str
    answered_at: datetime
    value_text: str | None = None
    value_number: float | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ResponseRow:
    """A synthetic survey response with its answers."""

    id: str
    survey_id: str
    survey_version: int
    respondent: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    role: str | None
    team: str | None
    is_demo: bool
    answers: tuple[AnswerRow, ...]
    counts: bool = True


def insert_responses(conn: Connection, responses: Iterable[ResponseRow], *, batch: int = BATCH) -> int:
    """Insert responses with their answers and chosen options, ``batch`` responses at a time; returns answers.

    Then releases what is due, as the turns that completed them would have.
    """
    answers_written = 0
    for chunk in _chunks(iter(responses), batch):
        conn.execute(insert(RESPONSE), [_response_values(r) for r in chunk])
        answer_rows = [_answer_values(r.id, a) for r in chunk for a in r.answers]
        if answer_rows:
            conn.execute(insert(ANSWER), answer_rows)
        choice_rows = [
            _choice_values(r, a.question_id, c, i)
            for r in chunk
            for a in r.answers
            for i, c in enumerate(a.choices)
        ]
        if choice_rows:
            conn.execute(insert(CHOICE), choice_rows)
        refresh_facts(conn, [r.id for r in chunk])
        answers_written += len(answer_rows)
    release_pending(conn)
    return answers_written


def response_total(conn: Connection) -> tuple[int, int]:
    """(all responses, demo responses) stored."""
    row = conn.execute(
        select(func.count(), func.coalesce(func.sum(case((RESPONSE.c.is_demo, 1), else_=0)), 0))
    ).one()
    return int(row[0]), int(row[1])


def remove_demo(conn: Connection) -> int:
    """Delete every demo response with its answers and chosen options; returns the responses removed."""
    demo_ids = select(RESPONSE.c.id).where(RESPONSE.c.is_demo.is_(True)).scalar_subquery()
    conn.execute(delete(CHOICE).where(CHOICE.c.response_id.in_(demo_ids)))
    conn.execute(delete(ANSWER).where(ANSWER.c.response_id.in_(demo_ids)))
    removed = conn.execute(delete(RESPONSE).where(RESPONSE.c.is_demo.is_(True))).rowcount
    conn.execute(delete(RELEASE).where(RELEASE.c.is_demo.is_(True)))
    return removed


def _response_values(r: ResponseRow) -> dict[str, object]:
    return {
        "id": r.id,
        "survey_id": r.survey_id,
        "survey_version": r.survey_version,
        "respondent": r.respondent,
        "status": r.status,
        "started_at": r.started_at,
        "finished_at": r.finished_at,
        "role": r.role,
        "team": r.team,
        "is_demo": r.is_demo,
        "counts": r.counts,
    }


def _answer_values(response_id: str, a: AnswerRow) -> dict[str, object]:
    return {
        "response_id": response_id,
        "question_id": a.question_id,
        "kind": a.kind,
        "value_text": a.value_text,
        "value_number": a.value_number,
        "answered_at": a.answered_at,
    }


def _choice_values(r: ResponseRow, question_id: str, choice: str, position: int) -> dict[str, object]:
    return {
        "response_id": r.id,
        "question_id": question_id,
        "choice": choice,
        "position": position,
        "survey_id": r.survey_id,
        "started_at": r.started_at,
        "abandoned": r.status == "abandoned",
    }


def _chunks(items: Iterator[ResponseRow], size: int) -> Iterator[list[ResponseRow]]:
    while chunk := list(islice(items, size)):
        yield chunk


def analyse(conn: Connection) -> None:
    """Refresh the planner's statistics after a bulk load (both dialects spell it ANALYZE)."""
    conn.exec_driver_sql("ANALYZE")


def plain_scan(conn: Connection) -> tuple[int, float]:
    """One full scan of the answers: the yardstick the insights benchmark compares digests with."""
    count, total = conn.execute(
        select(func.count(), func.sum(ANSWER.c.value_number)).select_from(ANSWER)
    ).one()
    return int(count), float(total or 0)


def data_size(conn: Connection) -> tuple[int, int, int]:
    """(answers, responses, distinct respondents) stored."""
    answers = conn.execute(select(func.count()).select_from(ANSWER)).scalar_one()
    responses, people = conn.execute(select(func.count(), func.count(RESPONSE.c.respondent.distinct()))).one()
    return int(answers), int(responses), int(people)
