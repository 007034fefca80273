"""Facts about a response that digests read, kept on its row by the write that changes them.

A digest needs, per response, how long it took, its SUS score and a few answers (how often the
system disrupts work, the time it costs). Reading those from the answers means joining every
answer to its response and grouping per response; keeping them on ``survey_response`` lets a
digest read one row per response. The turn that records an answer updates the fact in the same
transaction (``storage.turns``) with the statements built here; bulk loads recompute them from
stored answers with the same expressions, so every path applies one rule.

The SUS items' answers are kept too (columns ``sus_1`` to ``sus_10``), so that an item answered
rescoring the response is one update of its row rather than a query over its answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    ScalarSelect,
    Update,
    and_,
    bindparam,
    case,
    cast,
    extract,
    func,
    literal_column,
    select,
    update,
)

from storage.models import Answer, SurveyResponse, table_of

RESPONSE = table_of(SurveyResponse)
ANSWER = table_of(Answer)
# Question ids whose answer (value and number) is copied onto the response, in columns of those names.
COPIED_ANSWERS = ("disruption", "time_lost", "consulted")
# The SUS items as the surveys store them: question id (also its column) -> item number.
SUS_QUESTIONS = {f"sus_{item}": item for item in range(1, 11)}
DIALECTS = ("sqlite", "postgresql")


def sus_score(answers: Mapping[str, ColumnElement[Any]]) -> ColumnElement[Any]:
    """The 0-100 score from the ten items' answers (question id -> 1-5): None when any is missing.

    Odd items count answer - 1, even items 5 - answer, and the sum is multiplied by 2.5.
    """
    one, five = literal_column("1", Float), literal_column("5", Float)
    contributions = [
        answers[q] - one if item % 2 == 1 else five - answers[q] for q, item in SUS_QUESTIONS.items()
    ]
    complete = and_(*(answers[q].is_not(None) for q in SUS_QUESTIONS))
    total = contributions[0]
    for contribution in contributions[1:]:
        total = total + contribution
    return case((complete, total * literal_column("2.5", Float)), else_=None)


def record_sus_item(question_id: str) -> Update:
    """Store one SUS item's answer (``:number``, None to withdraw it) and rescore, in one statement.

    SET reads the row as it was before the update, so the new answer comes from the parameter.
    """
    number = bindparam("number", type_=Float)
    answers = {q: number if q == question_id else RESPONSE.c[q] for q in SUS_QUESTIONS}
    return (
        update(RESPONSE)
        .where(RESPONSE.c.id == bindparam("rid"))
        .values({question_id: number, "sus_score": sus_score(answers)})
    )


def record_copied_answer(question_id: str) -> Update:
    """Copy an answer (``:text`` and ``:number``, None to withdraw it) onto its response."""
    return (
        update(RESPONSE)
        .where(RESPONSE.c.id == bindparam("rid"))
        .values({question_id: bindparam("text"), f"{question_id}_number": bindparam("number")})
    )


# The update that keeps the facts in step when a question's answer is given or withdrawn:
# parameters ``rid``, ``text`` and ``number`` (the answer's value and number, or None).
ANSWER_UPDATES: dict[str, Update] = {
    **{q: record_copied_answer(q) for q in COPIED_ANSWERS},
    **{q: record_sus_item(q) for q in SUS_QUESTIONS},
}


def seconds_between(dialect: str, start: Any, end: Any) -> ColumnElement[float]:
    """``end - start`` in seconds, in the given database's SQL."""
    if dialect == "sqlite":
        return cast((func.julianday(end) - func.julianday(start)) * 86400.0, Float)
    return cast(extract("epoch", end - start), Float)


def _stored(question_id: str, column: ColumnElement[Any]) -> ScalarSelect[Any]:
    # The row's own answer to a question (at most one: answers are unique per response and question).
    return (
        select(column)
        .where(
            ANSWER.c.response_id == RESPONSE.c.id,
            ANSWER.c.question_id == question_id,
            ANSWER.c.kind != "free_text",
        )
        .scalar_subquery()
    )


def refresh_facts(conn: Connection, response_ids: Sequence[str]) -> None:
    """Recompute the facts of these responses from their stored answers (after a bulk load)."""
    if not response_ids:
        return
    completed = and_(RESPONSE.c.status == "completed", RESPONSE.c.finished_at.is_not(None))
    seconds = seconds_between(conn.dialect.name, RESPONSE.c.started_at, RESPONSE.c.finished_at)
    copies: dict[str, Any] = {"seconds_to_complete": case((completed, seconds), else_=None)}
    for q in COPIED_ANSWERS:
        copies[q] = _stored(q, ANSWER.c.value_text)
        copies[f"{q}_number"] = _stored(q, ANSWER.c.value_number)
    for q in SUS_QUESTIONS:
        copies[q] = _stored(q, ANSWER.c.value_number)
    these = RESPONSE.c.id.in_(list(response_ids))
    conn.execute(update(RESPONSE).where(these).values(copies))
    # A second statement, because SET sees the items as they were before the first.
    score = sus_score({q: RESPONSE.c[q] for q in SUS_QUESTIONS})
    conn.execute(update(RESPONSE).where(these).values(sus_score=score))
