"""Releasing completed responses into figures in whole batches, so digests differ by whole batches.

A completed response appears in no figure until it is released. Per survey, a batch is made when
the unreleased completed responses that *count* come from at least ``min_group_size`` people; the
batch then takes every unreleased completed response of the survey, counting or not. Any two
reporting periods, or one period before and after more completions, then differ by whole batches:
by at least that many counting people, or not at all.

What counts: a real (not demo) response whose author held no manager's or digital lead's role and
came through a channel whose users are authenticated (``survey_response.counts``). Demo responses
are batched among themselves, so demo mode shows figures and demo data never pads real people.
A response that answered some SUS items but not all ten has no score; it is never released, so
that every released response of a survey with the SUS is in its SUS figures (otherwise the SUS
population of a batch could be smaller than the batch).

Release runs in the transaction that completes the response (``storage.turns``), under a lock per
survey on PostgreSQL (SQLite has one writer), so it happens exactly once; bulk loads release in
completion order (``release_pending``). Batch ids and ``released_at`` grow with each survey's
sequence, so the batches of a period are one run of ids (``BatchRange``).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    distinct,
    func,
    insert,
    or_,
    select,
    text,
    update,
)

from storage.models import AnswerChoice, ReleaseBatch, ReleasePolicy, SurveyResponse, table_of
from storage.response_facts import SUS_QUESTIONS

RESPONSE = table_of(SurveyResponse)
CHOICE = table_of(AnswerChoice)
BATCH = table_of(ReleaseBatch)
POLICY = table_of(ReleasePolicy)
DEFAULT_MIN_GROUP_SIZE = 5
# Any fixed number, apart from the migration lock's: the key of a survey's release lock is this
# plus a checksum of its id.
LOCK_BASE = 51_000_000_000


@dataclass(frozen=True, slots=True)
class BatchRange:
    """The batches of one survey with ids ``first`` to ``last`` (empty when ``first > last``)."""

    survey_id: str
    first: int
    last: int
    # Most of the survey's batches: queries then walk the indexes in group order rather than a range.
    wide: bool = False

    @property
    def empty(self) -> bool:
        """Whether no batch is in the range."""
        return self.first > self.last

    def covers(self, other: BatchRange) -> bool:
        """Whether every batch of ``other`` is in this range."""
        return other.empty or (not self.empty and self.first <= other.first and other.last <= self.last)


def empty_range(survey_id: str) -> BatchRange:
    """A range with no batch in it."""
    return BatchRange(survey_id, 1, 0)


def releasable() -> ColumnElement[bool]:
    """A completed response whose facts are whole: no SUS item answered, or all ten (it has a score)."""
    no_items = and_(*(RESPONSE.c[q].is_(None) for q in SUS_QUESTIONS))
    return and_(
        RESPONSE.c.status == "completed",
        or_(RESPONSE.c.sus_score.is_not(None), no_items),
    )


def counting(is_demo: bool) -> ColumnElement[bool]:
    """Responses of the real (or demo) stream that count towards a batch's threshold."""
    if is_demo:
        return RESPONSE.c.is_demo.is_(True)
    return and_(RESPONSE.c.is_demo.is_(False), RESPONSE.c.counts.is_(True))


def lock_survey(conn: Connection, survey_id: str) -> None:
    """Serialise releases and audits of one survey until the transaction ends (PostgreSQL only)."""
    if conn.dialect.name == "postgresql":
        key = LOCK_BASE + zlib.crc32(survey_id.encode())
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def min_group_size(conn: Connection) -> int:
    """The threshold batches are released with (``GUIDEBOT_MIN_GROUP_SIZE``, as the server set it)."""
    found = conn.execute(select(POLICY.c.min_group_size).where(POLICY.c.id == 1)).scalar()
    return int(found) if found is not None else DEFAULT_MIN_GROUP_SIZE


def set_min_group_size(conn: Connection, size: int, *, now: datetime) -> None:
    """Keep the threshold for later batches (batches already released stay as they are)."""
    changed = conn.execute(
        update(POLICY).where(POLICY.c.id == 1).values(min_group_size=size, updated_at=now)
    ).rowcount
    if not changed:
        conn.execute(insert(POLICY).values(id=1, min_group_size=size, updated_at=now))


def release_after_completion(conn: Connection, response_id: str, now: datetime) -> int | None:
    """After a response completes: release a batch of its survey if one is due; returns its id."""
    row = conn.execute(
        select(RESPONSE.c.survey_id, RESPONSE.c.is_demo).where(RESPONSE.c.id == response_id)
    ).first()
    if row is None:
        return None
    lock_survey(conn, row.survey_id)
    return _release_if_due(conn, row.survey_id, bool(row.is_demo), now, min_group_size(conn))


def _unreleased(survey_id: str, is_demo: bool) -> list[ColumnElement[bool]]:
    return [
        RESPONSE.c.survey_id == survey_id,
        RESPONSE.c.batch_id.is_(None),
        RESPONSE.c.is_demo.is_(is_demo),
        releasable(),
    ]


def _release_if_due(conn: Connection, survey_id: str, is_demo: bool, now: datetime, k: int) -> int | None:
    people = conn.execute(
        select(func.count(distinct(RESPONSE.c.respondent))).where(
            *_unreleased(survey_id, is_demo), counting(is_demo)
        )
    ).scalar_one()
    if people < k:
        return None
    members = list(conn.execute(select(RESPONSE.c.id).where(*_unreleased(survey_id, is_demo))).scalars())
    sequence, released_at = _next_batch(conn, survey_id, now)
    return _make_batch(conn, survey_id, is_demo, members, int(people), (sequence, released_at), k)


def _next_batch(conn: Connection, survey_id: str, at: datetime) -> tuple[int, datetime]:
    """The sequence number and release time of the survey's next batch, if released ``at``."""
    last = conn.execute(
        select(BATCH.c.sequence, BATCH.c.released_at)
        .where(BATCH.c.survey_id == survey_id)
        .order_by(BATCH.c.sequence.desc())
        .limit(1)
    ).first()
    if last is None:
        return 1, at
    # Never before the survey's last batch: a period's batches must stay one run of ids.
    return last.sequence + 1, max(at, _utc(last.released_at))


def _make_batch(
    conn: Connection,
    survey_id: str,
    is_demo: bool,
    response_ids: Sequence[str],
    people: int,
    place: tuple[int, datetime],
    k: int,
) -> int:
    sequence, released_at = place
    batch_id = conn.execute(
        insert(BATCH)
        .values(
            survey_id=survey_id,
            sequence=sequence,
            released_at=released_at,
            is_demo=is_demo,
            responses=len(response_ids),
            counting_respondents=people,
            min_group_size=k,
        )
        .returning(BATCH.c.id)
    ).scalar_one()
    ids = list(response_ids)
    conn.execute(
        update(RESPONSE).where(RESPONSE.c.id.in_(ids)).values(batch_id=batch_id, released_at=released_at)
    )
    # Options are counted without a join, so each carries its batch and whether its response counts.
    of_response = select(counting(is_demo=False)).where(RESPONSE.c.id == CHOICE.c.response_id)
    conn.execute(
        update(CHOICE)
        .where(CHOICE.c.response_id.in_(ids))
        .values(batch_id=batch_id, counting=of_response.scalar_subquery())
    )
    return int(batch_id)


def release_pending(conn: Connection) -> int:
    """Release every survey's unreleased completed responses in completion order (after a bulk load).

    Each batch is released when the responses so far hold enough counting people, at the
    completion time of the one that made it whole; fewer left over than that stay unreleased.
    Real and demo responses are batched apart, in one pass over the survey's completions.
    Returns the batches made.
    """
    k = min_group_size(conn)
    surveys = conn.execute(
        select(RESPONSE.c.survey_id).where(RESPONSE.c.batch_id.is_(None), releasable()).distinct()
    ).scalars()
    return sum(_release_survey(conn, survey_id, k) for survey_id in sorted(surveys))


def _release_survey(conn: Connection, survey_id: str, k: int) -> int:
    real = counting(is_demo=False)
    rows = conn.execute(
        select(RESPONSE.c.id, RESPONSE.c.respondent, RESPONSE.c.is_demo, real.label("counts"))
        .add_columns(RESPONSE.c.finished_at)
        .where(RESPONSE.c.survey_id == survey_id, RESPONSE.c.batch_id.is_(None), releasable())
        .order_by(RESPONSE.c.finished_at, RESPONSE.c.id)
    ).all()
    pending: dict[bool, tuple[list[str], set[str]]] = {False: ([], set()), True: ([], set())}
    place: tuple[int, datetime] | None = None
    made = 0
    for row in rows:
        demo = bool(row.is_demo)
        members, people = pending[demo]
        members.append(row.id)
        if demo or row.counts:
            people.add(row.respondent)
        if len(people) < k:
            continue
        finished = _utc(row.finished_at) if row.finished_at is not None else datetime.now(UTC)
        place = (
            _next_batch(conn, survey_id, finished)
            if place is None
            else (place[0] + 1, max(finished, place[1]))
        )
        _make_batch(conn, survey_id, demo, members, len(people), place, k)
        pending[demo] = ([], set())
        made += 1
    return made


def batch_range(conn: Connection, survey_id: str, start: datetime | None, end: datetime | None) -> BatchRange:
    """The survey's batches released in [start, end) (None leaves a side open)."""
    where = [BATCH.c.survey_id == survey_id]
    if start is not None:
        where.append(BATCH.c.released_at >= start)
    if end is not None:
        where.append(BATCH.c.released_at < end)
    first, last = conn.execute(select(func.min(BATCH.c.id), func.max(BATCH.c.id)).where(*where)).one()
    if first is None:
        return empty_range(survey_id)
    low, high = conn.execute(
        select(func.min(BATCH.c.id), func.max(BATCH.c.id)).where(BATCH.c.survey_id == survey_id)
    ).one()
    return BatchRange(survey_id, int(first), int(last), wide=2 * (last - first) >= high - low)


def batch_ids(conn: Connection, batches: BatchRange) -> list[int]:
    """The ids of the batches in a range."""
    return list(
        conn.execute(
            select(BATCH.c.id)
            .where(BATCH.c.survey_id == batches.survey_id, BATCH.c.id.between(batches.first, batches.last))
            .order_by(BATCH.c.id)
        ).scalars()
    )


def _utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; they are stored in UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
