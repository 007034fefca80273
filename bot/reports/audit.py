"""Query auditing: a breakdown's group is shown only if no released figure can be subtracted from it.

Release batches make any two whole populations differ by at least a batch, but a group's own
population can differ by one person between two releases (one more social worker in the new
batch), and groups can nearly coincide with other groups or with a whole population (every
social worker in one team but one). So before a group's figures are shown, its population is
compared with every population a figure was shown about before (``storage.populations``), with
the whole population of every fixed period as it stands now, and with the groups already passed
in the same plan; it is refused when the difference holds real responses but fewer than the
threshold of counting people. Those are all the populations that can ever be set beside it: a
later period's batches inside this group's are the same batches it sees now, and anything asked
later that holds other batches differs from it by a whole batch. The passed groups are recorded.

The counts come from cells (batch, role, team) summed over the difference: real responses, the
counting ones (an upper bound on people) and first responses of each person (a lower bound);
when the bounds do not decide, the database counts the people in that difference exactly.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from bot.reports.evidence import SurveyEvidence
from storage import populations as pops
from storage.populations import Cell, Population
from storage.releases import lock_survey

Key = tuple[str | None, str | None]


@dataclass
class _Sums:
    """Per (role, team): batch ids in order and running totals of real, counting and first responses."""

    batches: dict[Key, list[int]] = field(default_factory=dict)
    totals: dict[Key, list[tuple[int, int, int]]] = field(default_factory=dict)

    @classmethod
    def of(cls, cells: Iterable[Cell]) -> _Sums:
        sums = cls()
        for cell in sorted(cells, key=lambda c: c.batch_id):
            key = (cell.role, cell.team)
            ids, running = sums.batches.setdefault(key, []), sums.totals.setdefault(key, [])
            real, counting, first = running[-1] if running else (0, 0, 0)
            ids.append(cell.batch_id)
            running.append((real + cell.real, counting + cell.counting, first + cell.first_counting))
        return sums

    def between(self, key: Key, low: int, high: int) -> tuple[int, int, int]:
        ids, running = self.batches[key], self.totals[key]
        lo, hi = bisect.bisect_left(ids, low), bisect.bisect_right(ids, high)
        if hi <= lo:
            return 0, 0, 0
        before = running[lo - 1] if lo else (0, 0, 0)
        after = running[hi - 1]
        return after[0] - before[0], after[1] - before[1], after[2] - before[2]


def _holds(p: Population, key: Key) -> bool:
    if p.whole:
        return True
    value = key[0] if p.field == "role" else key[1]
    return (value or "") == p.value


def _apart(one: tuple[int, int], other: tuple[int, int]) -> list[tuple[int, int]]:
    """The batch ids in exactly one of two runs."""
    (a1, b1), (a2, b2) = one, other
    if b1 < a2 or b2 < a1:
        return [one, other]
    parts = []
    if a1 != a2:
        parts.append((min(a1, a2), max(a1, a2) - 1))
    if b1 != b2:
        parts.append((min(b1, b2) + 1, max(b1, b2)))
    return parts


def _bounds(sums: _Sums, one: Population, other: Population) -> tuple[int, int, int]:
    """(real responses, counting responses, first counting responses) in exactly one of the two."""
    real = counting = first = 0
    for key in sums.batches:
        inside_one, inside_other = _holds(one, key), _holds(other, key)
        if inside_one and inside_other:
            runs = _apart((one.first, one.last), (other.first, other.last))
        elif inside_one:
            runs = [(one.first, one.last)]
        elif inside_other:
            runs = [(other.first, other.last)]
        else:
            continue
        for low, high in runs:
            r, c, f = sums.between(key, low, high)
            real, counting, first = real + r, counting + c, first + f
    return real, counting, first


def _safe(conn: Connection, sums: _Sums, one: Population, other: Population, k: int) -> bool:
    real, counting, first = _bounds(sums, one, other)
    if real == 0 or first >= k:
        return True
    if counting < k:
        return False
    real, people = pops.difference(conn, one, other)
    return real == 0 or people >= k


def fixed_windows(
    span: tuple[datetime, datetime], tz: ZoneInfo
) -> list[tuple[datetime | None, datetime | None]]:
    """All time, and every month, quarter and year the span touches, in local time."""
    first, last = (moment.astimezone(tz).date() for moment in span)
    windows: list[tuple[datetime | None, datetime | None]] = [(None, None)]
    for months in (1, 3, 12):
        begin = date(first.year, (first.month - 1) // months * months + 1, 1)
        while begin <= last:
            later = begin.month - 1 + months
            following = date(begin.year + later // 12, later % 12 + 1, 1)
            windows.append((_start(begin, tz), _start(following, tz)))
            begin = following
    return windows


def _start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def passed(
    conn: Connection,
    candidates: list[Population],
    k: int,
    *,
    as_of: int,
    tz: ZoneInfo,
) -> set[Population]:
    """The candidate group populations (one survey, one run of batches) that may be shown."""
    if not candidates:
        return set()
    survey, first, last = candidates[0].survey_id, candidates[0].first, candidates[0].last
    lock_survey(conn, survey)
    earlier = pops.recorded(conn, survey)
    periods = []
    span = pops.released_span(conn, survey, first, last)
    for start, end in fixed_windows(span, tz) if span else ():
        found = pops.window_range(conn, survey, start, end, as_of=as_of)
        if found is not None and first <= found[0] and found[1] <= last:
            periods.append(Population(survey, "", "", *found))
    others = [p for p in [*earlier, *periods] if p.first <= p.last]
    low = min([first, *(p.first for p in others)])
    high = max([last, *(p.last for p in others)])
    sums = _Sums.of(pops.cells(conn, survey, low, high))
    approved: list[Population] = []
    for candidate in sorted(candidates):
        against = [*others, *approved]
        if all(_unrelated(candidate, p) or _safe(conn, sums, candidate, p, k) for p in against):
            approved.append(candidate)
    return set(approved)


def _unrelated(candidate: Population, other: Population) -> bool:
    """Pairs that differ by the candidate's whole group, which is shown only when big enough."""
    apart = candidate.last < other.first or other.last < candidate.first
    same_field_other_value = other.field == candidate.field and other.value != candidate.value
    return apart or same_field_other_value or other == candidate


def audit_breakdowns(conn: Connection, evidence: SurveyEvidence, *, tz: ZoneInfo, now: datetime) -> None:
    """Show the breakdowns whose groups pass the audit, hiding the rest; record what is shown.

    Run in a write transaction (``Database.write``): the check and the record are one step, so
    two plans made at once cannot each pass a group against the other's unrecorded one.
    """
    k, b = evidence.min_group_size, evidence.batches
    refused: dict[str, set[str | None]] = {by: set() for by in evidence.pending_breakdowns}
    while True:
        rows = {by: data.rows(k, refused[by]) for by, data in evidence.pending_breakdowns.items()}
        candidates = {
            Population(b.survey_id, by, row.value or "", b.first, b.last): (by, row.value)
            for by, shown in rows.items()
            for row in shown
            if row.respondents is not None
        }
        approved = passed(conn, list(candidates), k, as_of=evidence.latest_batch, tz=tz)
        failed = [group for population, group in candidates.items() if population not in approved]
        if not failed:
            break
        for by, value in failed:
            refused[by].add(value)
    evidence.breakdowns = rows
    pops.record(conn, candidates, now=now)
