"""Every aggregate query behind digests and plans: counted in the database, never row by row in Python.

Each function takes a ``Scope`` (one survey's responses released in a run of batches, see
``storage.releases``) and returns small results: counts per value, per choice, per SUS score, per
group. Responses not yet released (in progress, or completed but waiting for their batch) are in
no figure. Each count comes with how many of its responses *count* (real responses that counted
towards their batch), so the anonymity rules can ignore padding by managers and demo data.
Answers are small discrete sets (a choice, 1 to 5, a score that is a multiple of 2.5), so counts per
value give exact medians and confidence intervals without fetching the answers themselves. Written
in SQLAlchemy Core, so the same statements run on SQLite and PostgreSQL.

What a digest reads is kept per response (``storage.response_facts``: the SUS score, time to
complete, copies of a few answers) and on each chosen option (its response's survey and start),
so those figures read one row per response or option and never join answers to responses. Other
questions, and SUS items stored under other ids, are still counted from the answers. The
digital-maturity assessment describes the service rather than people and is never released: it is
counted by when it was started (``AssessmentScope``).
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
    literal,
    or_,
    select,
)

from storage.models import Answer, AnswerChoice, ReleaseBatch, SurveyResponse, table_of
from storage.releases import BatchRange
from storage.response_facts import COPIED_ANSWERS, SUS_QUESTIONS

RESPONSE = table_of(SurveyResponse)
ANSWER = table_of(Answer)
CHOICE = table_of(AnswerChoice)
BATCH = table_of(ReleaseBatch)
GROUP_FIELDS = ("role", "team")
RESTARTED = "abandoned"
ANSWERS = ANSWER.join(RESPONSE, RESPONSE.c.id == ANSWER.c.response_id)
NOT_FREE_TEXT = ANSWER.c.kind != "free_text"


@dataclass(frozen=True, slots=True)
class Scope:
    """Which responses count: one survey's, released in batches ``first_batch`` to ``last_batch``.

    Batch ids grow with each survey's releases, so the batches released in a period are one run of
    ids (``storage.releases.batch_range``); an empty run (first > last) holds no response.
    """

    survey_id: str
    first_batch: int
    last_batch: int
    wide: bool = False

    @classmethod
    def of(cls, batches: BatchRange) -> Scope:
        """The responses released in a range of batches."""
        return cls(batches.survey_id, batches.first, batches.last, batches.wide)


@dataclass(frozen=True, slots=True)
class AssessmentScope:
    """An assessment of the service (digital maturity): responses started in [start, end), unreleased too.

    Restarted responses are left out: the person's later response stands for them.
    """

    survey_id: str
    start: datetime | None = None
    end: datetime | None = None


AnyScope = Scope | AssessmentScope


@dataclass(frozen=True, slots=True)
class ResponseCounts:
    """Released responses, how many count, demo ones, median seconds, and a floor on counting people.

    ``people`` is the most counting people any one batch in scope held (demo people when the scope
    holds only demo data): the population holds at least that many, whoever answered more than once.
    """

    completed: int
    counting: int
    demo: int
    median_seconds: float | None
    people: int = 0

    @property
    def real(self) -> int:
        """Responses that are not demo data."""
        return self.completed - self.demo


@dataclass(frozen=True, slots=True)
class ValueCount:
    """How many answers gave one value, the sum of their numbers, and how many of them count."""

    count: int
    number_sum: float
    counting: int = 0


@dataclass(frozen=True, slots=True)
class Tally:
    """How many responses, and how many of them count."""

    count: int
    counting: int


@dataclass(frozen=True, slots=True)
class GroupSize:
    """Distinct respondents in a group, those whose responses count, and demo respondents."""

    respondents: int
    counting: int
    demo: int


@dataclass(frozen=True, slots=True)
class ChoiceCounts:
    """A multiple-choice question: how many answered it, and how many picked each option."""

    answered: int
    counts: dict[str, int]
    counting: dict[str, int] | None = None


def _counting() -> ColumnElement[bool]:
    return and_(RESPONSE.c.counts.is_(True), RESPONSE.c.is_demo.is_(False))


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _in_scope(scope: AnyScope, *, via_answers: bool = False) -> list[ColumnElement[bool]]:
    if isinstance(scope, AssessmentScope):
        where = [RESPONSE.c.survey_id == scope.survey_id, RESPONSE.c.status != RESTARTED]
        if scope.start is not None:
            where.append(RESPONSE.c.started_at >= scope.start)
        if scope.end is not None:
            where.append(RESPONSE.c.started_at < scope.end)
        return where
    survey: ColumnElement[Any] = RESPONSE.c.survey_id
    if scope.wide and via_answers:
        # Joined to answers, a scope of most responses is read from the question's answers, each
        # finding its response by key: ten times quicker than every response finding its answer.
        survey = survey + literal("")
    return [
        survey == scope.survey_id,
        RESPONSE.c.batch_id.is_not(None),
        _batch(RESPONSE.c.batch_id, scope).between(scope.first_batch, scope.last_batch),
    ]


def _options_in_scope(scope: Scope) -> list[ColumnElement[bool]]:
    return [
        CHOICE.c.survey_id == scope.survey_id,
        CHOICE.c.batch_id.is_not(None),
        _batch(CHOICE.c.batch_id, scope).between(scope.first_batch, scope.last_batch),
    ]


def _batch(column: ColumnElement[Any], scope: Scope) -> ColumnElement[Any]:
    # A scope holding most of a survey reads most rows anyway: ``batch_id + 0`` keeps the database
    # off the batch index, so it walks an index already in the order the query groups by (the SUS,
    # answers and options indexes) instead of sorting a range of the batch index. SQLite has no
    # index hints; measured in bench/insights_bench.py, the all-time digest's queries take a third.
    return column + literal(0) if scope.wide else column


def _group_column(by: str) -> ColumnElement[Any]:
    if by not in GROUP_FIELDS:
        raise ValueError(f"responses can be grouped by {GROUP_FIELDS}, not {by!r}")
    return RESPONSE.c[by].label("grp")


def response_counts(conn: Connection, scope: Scope) -> ResponseCounts:
    """Released responses in scope: how many, how many count, demo ones, median time, people at least.

    Distinct people are not counted over the responses (a sort of them all): every batch holds
    enough counting people by construction, so the biggest batch is a floor for the threshold.
    """
    row = conn.execute(
        select(func.count(), _count_if(_counting()), _count_if(RESPONSE.c.is_demo.is_(True))).where(
            *_in_scope(scope)
        )
    ).one()
    done, counted, demo = (int(v) for v in row)
    real_floor, demo_floor = conn.execute(
        select(
            func.max(case((BATCH.c.is_demo.is_(False), BATCH.c.counting_respondents), else_=None)),
            func.max(case((BATCH.c.is_demo.is_(True), BATCH.c.counting_respondents), else_=None)),
        ).where(BATCH.c.survey_id == scope.survey_id, BATCH.c.id.between(scope.first_batch, scope.last_batch))
    ).one()
    people = int((real_floor if done > demo else demo_floor) or 0)
    median = None
    if done:
        # The middle one or two durations, found by the database's order rather than fetched.
        seconds = RESPONSE.c.seconds_to_complete
        middle = conn.execute(
            select(seconds)
            .where(*_in_scope(scope), seconds.is_not(None))
            .order_by(seconds)
            .offset((done - 1) // 2)
            .limit(2 - done % 2)
        ).scalars()
        values = [float(v) for v in middle]
        median = sum(values) / len(values) if values else None
    return ResponseCounts(done, counted, demo, median, people)


def respondent_counts(conn: Connection, scope: Scope) -> tuple[int, int]:
    """(distinct respondents, distinct counting respondents) in scope, counted exactly."""
    people = _people(conn)
    row = conn.execute(
        select(
            func.count(distinct(people)), func.count(distinct(case((_counting(), people), else_=None)))
        ).where(*_in_scope(scope))
    ).one()
    return int(row[0]), int(row[1])


def _people(conn: Connection) -> ColumnElement[str]:
    # Pseudonyms are compared only for equality: PostgreSQL's byte order ("C") tells them apart
    # as its locale's rules do, at a fraction of the cost of sorting them by those rules.
    if conn.dialect.name == "postgresql":
        return RESPONSE.c.respondent.collate("C")
    return RESPONSE.c.respondent


def group_sizes(conn: Connection, scope: Scope, by: str) -> dict[str | None, GroupSize]:
    """Distinct respondents per role or team (None: not given), all, counting and demo ones.

    Each person's responses in a group are folded into one row first, so one sort serves the three
    distinct counts.
    """
    grp = _group_column(by)
    per_person = (
        select(
            grp,
            func.max(case((_counting(), 1), else_=0)).label("counting"),
            func.max(case((RESPONSE.c.is_demo.is_(True), 1), else_=0)).label("demo"),
        )
        .where(*_in_scope(scope))
        .group_by(grp, _people(conn))
        .subquery()
    )
    p = per_person.c
    rows = conn.execute(select(p.grp, func.count(), func.sum(p.counting), func.sum(p.demo)).group_by(p.grp))
    return {r[0]: GroupSize(int(r[1]), int(r[2] or 0), int(r[3] or 0)) for r in rows}


def value_counts(
    conn: Connection, scope: AnyScope, question_ids: Sequence[str]
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
            _count_if(_counting()),
        )
        .select_from(ANSWERS)
        .where(*_in_scope(scope, via_answers=True), NOT_FREE_TEXT, ANSWER.c.question_id.in_(others))
        .group_by(ANSWER.c.question_id, ANSWER.c.value_text)
    )
    for question_id, text, count, number_sum, counted in conn.execute(query):
        if text is not None:
            found = ValueCount(int(count), float(number_sum), int(counted))
            result.setdefault(question_id, {})[text] = found
    return result


def _copied_value_counts(
    conn: Connection, scope: AnyScope, question_ids: Sequence[str]
) -> dict[str, dict[str, ValueCount]]:
    # One pass groups the responses by all their copied answers together (a few dozen groups);
    # each question's counts are then the sums over the other questions' values.
    values = [RESPONSE.c[q] for q in COPIED_ANSWERS]
    numbers = [func.sum(RESPONSE.c[f"{q}_number"]) for q in COPIED_ANSWERS]
    rows = conn.execute(
        select(*values, func.count(), _count_if(_counting()), *numbers)
        .where(*_in_scope(scope))
        .group_by(*values)
    ).all()
    width = len(COPIED_ANSWERS)
    result: dict[str, dict[str, ValueCount]] = {}
    for row in rows:
        count, counted = int(row[width]), int(row[width + 1])
        for i, question_id in enumerate(COPIED_ANSWERS):
            text = row[i]
            if question_id not in question_ids or text is None:
                continue
            found = result.setdefault(question_id, {}).get(text, ValueCount(0, 0.0))
            number = float(row[width + 2 + i] or 0.0)
            result[question_id][text] = ValueCount(
                found.count + count, found.number_sum + number, found.counting + counted
            )
    return result


def choice_counts(conn: Connection, scope: Scope, question_id: str) -> ChoiceCounts:
    """A multiple-choice question: responses that answered it and how often each option was picked."""
    # Every answer to a multiple-choice question has exactly one option in position 0, so those
    # count the responses that answered; the answers and responses tables are not touched.
    first = _count_if(CHOICE.c.position == 0)
    rows = conn.execute(
        select(CHOICE.c.choice, func.count(), first, _count_if(CHOICE.c.counting.is_(True)))
        .where(*_options_in_scope(scope), CHOICE.c.question_id == question_id)
        .group_by(CHOICE.c.choice)
    ).all()
    return ChoiceCounts(
        sum(int(r[2]) for r in rows),
        {choice: int(n) for choice, n, _, _ in rows},
        {choice: int(c) for choice, _, _, c in rows},
    )


def sus_score_counts(
    conn: Connection, scope: Scope, items: Mapping[str, int]
) -> dict[tuple[str | None, str | None, float], Tally]:
    """``{(role, team, SUS score): Tally}``; ``items`` maps question id to SUS item number 1-10.

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
        select(RESPONSE.c.role, RESPONSE.c.team, score, func.count(), _count_if(_counting()))
        .where(*_in_scope(scope), score.is_not(None))
        .group_by(RESPONSE.c.role, RESPONSE.c.team, score)
    )
    return {(role, team, float(s)): Tally(int(n), int(c)) for role, team, s, n, c in rows}


def _sus_from_answers(
    conn: Connection, scope: Scope, items: Mapping[str, int]
) -> dict[tuple[str | None, str | None, float], Tally]:
    odd = [q for q, item in items.items() if item % 2 == 1]
    contribution = case(
        (ANSWER.c.question_id.in_(odd), ANSWER.c.value_number - 1), else_=5 - ANSWER.c.value_number
    )
    per_response = (
        select(
            RESPONSE.c.role,
            RESPONSE.c.team,
            (func.sum(contribution) * 2.5).label("score"),
            func.max(case((_counting(), 1), else_=0)).label("counting"),
        )
        .select_from(ANSWERS)
        .where(
            *_in_scope(scope, via_answers=True),
            NOT_FREE_TEXT,
            ANSWER.c.question_id.in_(list(items)),
            ANSWER.c.value_number.is_not(None),
        )
        # Grouped by the response's own key, so SQLite can walk responses in key order and need not sort.
        .group_by(RESPONSE.c.id, RESPONSE.c.role, RESPONSE.c.team)
        .having(func.count(ANSWER.c.value_number) == len(items))
        .subquery()
    )
    p = per_response.c
    rows = conn.execute(
        select(p.role, p.team, p.score, func.count(), func.sum(p.counting)).group_by(p.role, p.team, p.score)
    )
    return {(role, team, float(score)): Tally(int(n), int(c or 0)) for role, team, score, n, c in rows}


def _matches(keywords: Sequence[str]) -> ColumnElement[bool]:
    lowered = func.lower(ANSWER.c.value_text)
    return or_(*(lowered.like(f"%{_escape(k.casefold())}%", escape="\\") for k in keywords))


def _escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def theme_counts(
    conn: Connection, scope: Scope, question_id: str, themes: Mapping[str, Sequence[str]]
) -> tuple[int, dict[str, Tally]]:
    """Free-text answers to one question, and how many mention each theme's keywords, in one pass.

    Each answer is matched once per theme in a subquery; the sums over it count the mentions and
    the mentions by people who count without matching again.
    """
    names = list(themes)
    flags = [case((_matches(themes[name]), 1), else_=0).label(f"t{i}") for i, name in enumerate(names)]
    matched = (
        select(case((_counting(), 1), else_=0).label("counting"), *flags)
        .select_from(ANSWERS)
        .where(
            *_in_scope(scope, via_answers=True),
            ANSWER.c.question_id == question_id,
            ANSWER.c.value_text.is_not(None),
        )
        .subquery()
    )
    m = matched.c
    sums = []
    for i in range(len(names)):
        sums += [func.coalesce(func.sum(m[f"t{i}"]), 0), func.coalesce(func.sum(m[f"t{i}"] * m.counting), 0)]
    row = conn.execute(select(func.count(), *sums).select_from(matched)).one()
    return int(row[0]), {
        name: Tally(int(row[1 + 2 * i]), int(row[2 + 2 * i])) for i, name in enumerate(names)
    }


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
            *_in_scope(scope, via_answers=True),
            ANSWER.c.question_id == question_id,
            and_(ANSWER.c.value_text.is_not(None), func.length(ANSWER.c.value_text) <= max_length),
            _matches(keywords),
        )
        .group_by(ANSWER.c.value_text)
        .order_by(newest.desc(), ANSWER.c.value_text)
        .limit(limit)
    )
    return [r[0] for r in rows]
