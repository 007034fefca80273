"""Released populations, for query auditing: who a shown figure was about, and how two differ.

A population is the released responses of one survey in a run of batches, or the part of them
whose role or team has one value (a group of a breakdown). Every population a shown figure was
computed over is recorded; a new group's figure is refused when its population differs from a
recorded one, or from a period's whole population, by a few people (``bot.reports.audit``). The
counts that decision needs are read here: per batch and group cell, how many responses are real,
how many count, and how many are the first counting response of their respondent in the run (a
lower bound on distinct people that adds up across cells).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, and_, case, distinct, func, select, true
from sqlalchemy.dialects import postgresql, sqlite

from storage.models import ReleaseBatch, ReleasedPopulation, SurveyResponse, table_of

RESPONSE = table_of(SurveyResponse)
BATCH = table_of(ReleaseBatch)
RELEASED = table_of(ReleasedPopulation)
WHOLE = ""
FIELDS = ("role", "team")


@dataclass(frozen=True, slots=True, order=True)
class Population:
    """Responses of ``survey_id`` in batches ``first``-``last``, with ``field`` = ``value`` ('' = not given).

    ``field`` '' is the whole population of those batches.
    """

    survey_id: str
    field: str
    value: str
    first: int
    last: int

    @property
    def whole(self) -> bool:
        """Whether this is every response of its batches, not one group."""
        return self.field == WHOLE


@dataclass(frozen=True, slots=True)
class Cell:
    """Responses of one batch with one role and team: real ones, counting ones, first counting ones."""

    batch_id: int
    role: str | None
    team: str | None
    real: int
    counting: int
    first_counting: int


def _member(p: Population) -> ColumnElement[bool]:
    where = RESPONSE.c.batch_id.between(p.first, p.last)
    if p.whole:
        return where
    column = RESPONSE.c[p.field]
    return and_(where, column.is_(None) if p.value == "" else column == p.value)


def _counting() -> ColumnElement[bool]:
    return and_(RESPONSE.c.counts.is_(True), RESPONSE.c.is_demo.is_(False))


def _people(conn: Connection) -> ColumnElement[str]:
    # Compared for equality only: byte order is enough, as in ``storage.aggregates``.
    if conn.dialect.name == "postgresql":
        return RESPONSE.c.respondent.collate("C")
    return RESPONSE.c.respondent


def cells(conn: Connection, survey_id: str, first: int, last: int) -> list[Cell]:
    """Per batch and (role, team), the responses of a run of batches, for the audit's sums."""
    counting = _counting()
    nth = (
        func.row_number()
        .over(partition_by=[counting, RESPONSE.c.respondent], order_by=[RESPONSE.c.batch_id, RESPONSE.c.id])
        .label("nth")
    )
    ranked = (
        select(
            RESPONSE.c.batch_id,
            RESPONSE.c.role,
            RESPONSE.c.team,
            RESPONSE.c.is_demo,
            counting.label("c"),
            nth,
        )
        .where(RESPONSE.c.survey_id == survey_id, RESPONSE.c.batch_id.between(first, last))
        .subquery()
    )
    r = ranked.c
    rows = conn.execute(
        select(
            r.batch_id,
            r.role,
            r.team,
            func.sum(case((r.is_demo.is_(False), 1), else_=0)),
            func.sum(case((r.c.is_(True), 1), else_=0)),
            func.sum(case((and_(r.c.is_(True), r.nth == 1), 1), else_=0)),
        ).group_by(r.batch_id, r.role, r.team)
    )
    return [Cell(int(b), role, team, int(n), int(c), int(f)) for b, role, team, n, c, f in rows]


def difference(conn: Connection, one: Population, other: Population) -> tuple[int, int]:
    """(real responses, distinct counting respondents) in one population but not the other."""
    inside = case((_member(one), 1), else_=0) != case((_member(other), 1), else_=0)
    counting = _counting()
    low, high = min(one.first, other.first), max(one.last, other.last)
    row = conn.execute(
        select(
            func.coalesce(func.sum(case((RESPONSE.c.is_demo.is_(False), 1), else_=0)), 0),
            func.count(distinct(case((counting, _people(conn)), else_=None))),
        ).where(RESPONSE.c.survey_id == one.survey_id, RESPONSE.c.batch_id.between(low, high), inside)
    ).one()
    return int(row[0]), int(row[1])


def recorded(conn: Connection, survey_id: str) -> list[Population]:
    """Every population a shown figure of this survey was computed over."""
    rows = conn.execute(
        select(RELEASED.c.field, RELEASED.c.value, RELEASED.c.first_batch, RELEASED.c.last_batch).where(
            RELEASED.c.survey_id == survey_id
        )
    )
    return sorted(Population(survey_id, f, v, int(a), int(b)) for f, v, a, b in rows)


def record(conn: Connection, populations: Iterable[Population], *, now: datetime) -> None:
    """Remember populations that figures were shown about (each once)."""
    rows = [
        {
            "survey_id": p.survey_id,
            "field": p.field,
            "value": p.value,
            "first_batch": p.first,
            "last_batch": p.last,
            "released_at": now,
        }
        for p in populations
        if p.first <= p.last
    ]
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(RELEASED).on_conflict_do_nothing(), rows)


def latest_batch(conn: Connection, survey_id: str) -> int:
    """The id of the survey's newest batch (0 when none)."""
    found = conn.execute(select(func.max(BATCH.c.id)).where(BATCH.c.survey_id == survey_id)).scalar()
    return int(found or 0)


def released_span(
    conn: Connection, survey_id: str, first: int, last: int
) -> tuple[datetime, datetime] | None:
    """When the first and last batches of a run were released."""
    row = conn.execute(
        select(func.min(BATCH.c.released_at), func.max(BATCH.c.released_at)).where(
            BATCH.c.survey_id == survey_id, BATCH.c.id.between(first, last)
        )
    ).one()
    return None if row[0] is None else (row[0], row[1])


def window_range(
    conn: Connection, survey_id: str, start: datetime | None, end: datetime | None, *, as_of: int
) -> tuple[int, int] | None:
    """The survey's batches released in [start, end) with ids up to ``as_of``, or None when none."""
    where = [BATCH.c.survey_id == survey_id, BATCH.c.id <= as_of, true()]
    if start is not None:
        where.append(BATCH.c.released_at >= start)
    if end is not None:
        where.append(BATCH.c.released_at < end)
    first, last = conn.execute(select(func.min(BATCH.c.id), func.max(BATCH.c.id)).where(*where)).one()
    return None if first is None else (int(first), int(last))
