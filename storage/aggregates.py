"""Every aggregate query behind digests and plans: counted in the database, never row by row in Python.

Each function takes a ``Scope`` (one survey, responses started within a period, restarted
ones left out) and returns small results: counts per value, per choice, per SUS score, per group.
Answers are small discrete sets (a choice, 1 to 5, a score that is a multiple of 2.5), so counts per
value give exact medians and confidence intervals without fetching the answers themselves. Written
in SQLAlchemy Core, so the same statements run on SQLite and PostgreSQL.

What a digest reads is kept per response (``storage.response_facts``: the SUS score, time to
complete, copies of a few answers) and on each chosen option (its response's survey and start),
so those figures read one row per response or option and never join answers to responses. Other
questions, and SUS items stored under other ids, are still counted from the answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    case,
    distinct,
    func,
    or_,
    select,
)

from storage.models import Answer, AnswerChoice, SurveyResponse
from storage.response_facts import COPIED_ANSWERS, SUS_QUESTIONS

RESPONSE = SurveyResponse.__table__
ANSWER = Answer.__table__
CHOICE = AnswerChoice.__table__
GROUP_FIELDS = ("role", "team")
RESTARTED = "abandoned"
ANSWERS = ANSWER.join(RESPONSE, RESPONSE.c.id == ANSWER.c.response_id)
NOT_FREE_TEXT = ANSWER.c.kind != "free_text"


@dataclass(frozen=True, slots=True)
class Scope:
    """Which responses count: one survey's, started in [start, end) (None leaves a side open).

    Responses abandoned by ``restart`` are left out: the person's later response stands for them.
    """

    survey_id: str
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True, slots=True)
class ResponseCounts:
    """Responses started and completed, distinct respondents, demo responses, median minutes to finish."""

    started: int
    completed: int
    respondents: int
    demo: int
    median_seconds: float | None


@dataclass(frozen=True, slots=True)
class ValueCount:
    """How many answers gave one value, and the sum of their numbers (hours, levels, scores)."""

    count: int
    number_sum: float


@dataclass(frozen=True, slots=True)
class ChoiceCounts:
    """A multiple-choice question: how many answered it, and how many picked each option."""

    answered: int
    counts: dict[str, int]


def _in_scope(scope: Scope) -> list[ColumnElement[bool]]:
    where = [RESPONSE.c.survey_id == scope.survey_id, RESPONSE.c.status != RESTARTED]
    if scope.start is not None:
        where.append(RESPONSE.c.started_at >= scope.start)
    if scope.end is not None:
        where.append(RESPONSE.c.started_at < scope.end)
    return where


def _options_in_scope(scope: Scope) -> list[ColumnElement[bool]]:
    where = [CHOICE.c.survey_id == scope.survey_id, CHOICE.c.abandoned.is_(False)]
    if scope.start is not None:
        where.append(CHOICE.c.started_at >= scope.start)
    if scope.end is not None:
        where.append(CHOICE.c.started_at < scope.end)
    return where


def _group_column(by: str) -> ColumnElement[Any]:
    if by not in GROUP_FIELDS:
        raise ValueError(f"responses can be grouped by {GROUP_FIELDS}, not {by!r}")
    return RESPONSE.c[by].label("grp")


def response_counts(conn: Connection, scope: Scope) -> ResponseCounts:
    """Started, completed, respondents and demo responses in scope, and the median time to complete."""
    completed = RESPONSE.c.status == "completed"
    row = conn.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((completed, 1), else_=0)), 0),
            func.count(distinct(_people(conn))),
            func.coalesce(func.sum(case((RESPONSE.c.is_demo, 1), else_=0)), 0),
        ).where(*_in_scope(scope))
    ).one()
    started, done, respondents, demo = (int(v) for v in row)
    median = None
    if done:
        # The middle one or two durations, found by the database's order rather than fetched.
        seconds = RESPONSE.c.seconds_to_complete
        middle = conn.execute(
            select(seconds)
            .where(*_in_scope(scope), completed, seconds.is_not(None))
            .order_by(seconds)
            .offset((done - 1) // 2)
            .limit(2 - done % 2)
        ).scalars()
        values = [float(v) for v in middle]
        median = sum(values) / len(values) if values else None
    return ResponseCounts(started, done, respondents, demo, median)


def _people(conn: Connection) -> ColumnElement[str]:
    # Pseudonyms are compared only for equality: PostgreSQL's byte order ("C") tells them apart
    # as its locale's rules do, at a fraction of the cost of sorting them by those rules.
    if conn.dialect.name == "postgresql":
        return RESPONSE.c.respondent.collate("C")
    return RESPONSE.c.respondent


def group_sizes(conn: Connection, scope: Scope, by: str) -> dict[str | None, int]:
    """Distinct respondents per role or team (None: not given), for the anonymity rules."""
    grp = _group_column(by)
    rows = conn.execute(
        select(grp, func.count(distinct(_people(conn)))).where(*_in_scope(scope)).group_by(grp)
    )
    return {r[0]: int(r[1]) for r in rows}


def value_counts(
    conn: Connection, scope: Scope, question_ids: Sequence[str]
) -> dict[str, dict[str, ValueCount]]:
    """For single-value questions: ``{question: {value: ValueCount}}``.

    Questions copied onto responses (``response_facts.COPIED_ANSWERS``) are counted from there in
    one pass; the rest together in one pass over their answers. Free-text and multiple-choice
    questions do not belong here.
    """
    copied = [q for q in question_ids if q in COPIED_ANSWERS]
    result = _copied_value_counts(conn, scope, copied) if copied else {}
    others = [q for q in question_ids if q not in COPIED_ANSWERS]
    if not others:
        return result
    query = (
        select(
            ANSWER.c.question_id,
            ANSWER.c.value_text,
            func.count(),
            func.coalesce(func.sum(ANSWER.c.value_number), 0.0),
        )
        .select_from(ANSWERS)
        .where(*_in_scope(scope), NOT_FREE_TEXT, ANSWER.c.question_id.in_(others))
        .group_by(ANSWER.c.question_id, ANSWER.c.value_text)
    )
    for question_id, text, count, number_sum in conn.execute(query):
        if text is not None:
            result.setdefault(question_id, {})[text] = ValueCount(int(count), float(number_sum))
    return result


def _copied_value_counts(
    conn: Connection, scope: Scope, question_ids: Sequence[str]
) -> dict[str, dict[str, ValueCount]]:
    # One pass groups the responses by all their copied answers together (a few dozen groups);
    # each question's counts are then the sums over the other questions' values.
    values = [RESPONSE.c[q] for q in COPIED_ANSWERS]
    numbers = [func.sum(RESPONSE.c[f"{q}_number"]) for q in COPIED_ANSWERS]
    rows = conn.execute(
        select(*values, func.count(), *numbers).where(*_in_scope(scope)).group_by(*values)
    ).all()
    width = len(COPIED_ANSWERS)
    result: dict[str, dict[str, ValueCount]] = {}
    for row in rows:
        count = int(row[width])
        for i, question_id in enumerate(COPIED_ANSWERS):
            text = row[i]
            if question_id not in question_ids or text is None:
                continue
            found = result.setdefault(question_id, {}).get(text, ValueCount(0, 0.0))
            number = float(row[width + 1 + i] or 0.0)
            result[question_id][text] = ValueCount(found.count + count, found.number_sum + number)
    return result


def choice_counts(conn: Connection, scope: Scope, question_id: str) -> ChoiceCounts:
    """A multiple-choice question: responses that answered it and how often each option was picked."""
    # Every answer to a multiple-choice question has exactly one option in position 0, so those
    # count the responses that answered; the answers and responses tables are not touched.
    first = func.coalesce(func.sum(case((CHOICE.c.position == 0, 1), else_=0)), 0)
    rows = conn.execute(
        select(CHOICE.c.choice, func.count(), first)
        .where(*_options_in_scope(scope), CHOICE.c.question_id == question_id)
        .group_by(CHOICE.c.choice)
    ).all()
    return ChoiceCounts(sum(int(r[2]) for r in rows), {choice: int(n) for choice, n, _ in rows})


def sus_score_counts(
    conn: Connection, scope: Scope, items: Mapping[str, int]
) -> dict[tuple[str | None, str | None, float], int]:
    """``{(role, team, SUS score): responses}``; ``items`` maps question id to SUS item number 1-10.

    Each response's score is the sum of its ten item contributions (odd items answer - 1, even
    items 5 - answer) times 2.5; a response with any item missing has no score. Role and team come
    along so one pass serves the overall figure and both breakdowns. Items stored as ``sus_1`` to
    ``sus_10`` were scored when answered (``response_facts``); others are scored from the answers.
    """
    if len(items) != 10 or sorted(items.values()) != list(range(1, 11)):
        raise ValueError("SUS needs question ids for items 1 to 10, once each")
    if dict(items) != SUS_QUESTIONS:
        return _sus_from_answers(conn, scope, items)
    score = RESPONSE.c.sus_score
    rows = conn.execute(
        select(RESPONSE.c.role, RESPONSE.c.team, score, func.count())
        .where(*_in_scope(scope), score.is_not(None))
        .group_by(RESPONSE.c.role, RESPONSE.c.team, score)
    )
    return {(role, team, float(s)): int(count) for role, team, s, count in rows}


def _sus_from_answers(
    conn: Connection, scope: Scope, items: Mapping[str, int]
) -> dict[tuple[str | None, str | None, float], int]:
    odd = [q for q, item in items.items() if item % 2 == 1]
    contribution = case(
        (ANSWER.c.question_id.in_(odd), ANSWER.c.value_number - 1), else_=5 - ANSWER.c.value_number
    )
    per_response = (
        select(RESPONSE.c.role, RESPONSE.c.team, (func.sum(contribution) * 2.5).label("score"))
        .select_from(ANSWERS)
        .where(
            *_in_scope(scope),
            NOT_FREE_TEXT,
            ANSWER.c.question_id.in_(list(items)),
            ANSWER.c.value_number.is_not(None),
        )
        # Grouped by the response's own key, so SQLite can walk responses in key order and need not sort.
        .group_by(RESPONSE.c.id, RESPONSE.c.role, RESPONSE.c.team)
        .having(func.count(ANSWER.c.value_number) == len(items))
        .subquery()
    )
    rows = conn.execute(
        select(per_response.c.role, per_response.c.team, per_response.c.score, func.count()).group_by(
            per_response.c.role, per_response.c.team, per_response.c.score
        )
    )
    return {(role, team, float(score)): int(count) for role, team, score, count in rows}


def _matches(keywords: Sequence[str]) -> ColumnElement[bool]:
    lowered = func.lower(ANSWER.c.value_text)
    return or_(*(lowered.like(f"%{_escape(k.casefold())}%", escape="\\") for k in keywords))


def _escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def theme_counts(
    conn: Connection, scope: Scope, question_id: str, themes: Mapping[str, Sequence[str]]
) -> tuple[int, dict[str, int]]:
    """Free-text answers to one question, and how many mention each theme's keywords, in one pass."""
    names = list(themes)
    columns = [
        func.coalesce(func.sum(case((_matches(themes[name]), 1), else_=0)), 0).label(f"t{i}")
        for i, name in enumerate(names)
    ]
    row = conn.execute(
        select(func.count(), *columns)
        .select_from(ANSWERS)
        .where(*_in_scope(scope), ANSWER.c.question_id == question_id, ANSWER.c.value_text.is_not(None))
    ).one()
    return int(row[0]), {name: int(row[i + 1]) for i, name in enumerate(names)}


def theme_quotes(
    conn: Connection,
    scope: Scope,
    question_id: str,
    keywords: Sequence[str],
    *,
    limit: int = 3,
    max_length: int = 160,
) -> list[str]:
    """Up to ``limit`` different short answers that mention a theme, newest first (only for big enough themes)."""
    newest = func.max(ANSWER.c.answered_at)
    rows = conn.execute(
        select(ANSWER.c.value_text)
        .select_from(ANSWERS)
        .where(
            *_in_scope(scope),
            ANSWER.c.question_id == question_id,
            and_(ANSWER.c.value_text.is_not(None), func.length(ANSWER.c.value_text) <= max_length),
            _matches(keywords),
        )
        .group_by(ANSWER.c.value_text)
        .order_by(newest.desc(), ANSWER.c.value_text)
        .limit(limit)
    )
    return [r[0] for r in rows]
