"""Reporting periods: ``this-month``, ``2026-03``, ``2026-Q1``, ``2026``, ``all``..., in the council's time zone.

A period is a half-open range of instants [start, end), computed from "now" in local time and
held in UTC, with the period just before it of the same kind for "change since last period".

Only fixed calendar periods are offered (months, quarters, years, all): figures cover the release
batches of a period, and fixed periods keep the set of populations anyone can ask about small
and known in advance, which the audit of breakdowns relies on (``bot.reports.audit``). Rolling
windows such as ``last-30-days`` are refused with the reason: two overlapping windows could
differ by one person. A schedule stored with one is read as a fixed period (``fixed_for``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_DIGEST_PERIOD = "this-month"
# Guidance gaps are questions asked of the guidance, not survey answers: a rolling window suits them.
DEFAULT_GAPS_PERIOD = "last-30-days"
# The plan is the service's baseline for a year of improvement work, and a year holds enough
# responses for the role and team breakdowns whichever month the survey ran in.
DEFAULT_PLAN_PERIOD = "this-year"
PERIOD_HELP = (
    "this-month, last-month, this-quarter, last-quarter, this-year, last-year, a month such as 2026-03, "
    "a quarter such as 2026-Q1, a year such as 2026, or all"
)
ROLLING_REFUSAL = (
    "Sorry, I can't make figures for {word}: rolling windows overlap, and comparing two that overlap "
    "could single out one person's answers. Please ask for a fixed period instead: {help}."
)
_LAST_DAYS = re.compile(r"^last-(\d{1,3})-days?$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True, slots=True)
class Period:
    """A reporting period: its name as typed, a label for people, and its UTC bounds (None = open)."""

    name: str
    label: str
    start: datetime | None
    end: datetime | None
    previous: Period | None = None


def is_period(word: str) -> bool:
    """Whether ``word`` names a period (case-insensitive)."""
    w = word.casefold()
    return bool(
        w in _NAMED
        or w in ("all", "all-time")
        or _LAST_DAYS.match(w)
        or _MONTH.match(w)
        or _QUARTER.match(w)
        or _YEAR.match(w)
    )


def parse_period(word: str, now: datetime, tz: ZoneInfo, *, rolling: bool = False) -> Period:
    """The period ``word`` names as of ``now``; raises ValueError naming the accepted forms.

    ``rolling`` accepts ``last-N-days`` too, for reports that are not about survey responses
    (the guidance gaps); survey figures never take one.
    """
    w = word.casefold().strip()
    today = now.astimezone(tz).date()
    if w in ("all", "all-time"):
        return Period("all", "all responses so far", None, None)
    if m := _LAST_DAYS.match(w):
        if not rolling:
            raise ValueError(ROLLING_REFUSAL.format(word=word[:30], help=PERIOD_HELP))
        days = int(m.group(1))
        if not 1 <= days <= 366:
            raise ValueError("last-N-days needs N from 1 to 366")
        return _days(w, days, _midnight(today + timedelta(days=1), tz), tz)
    if w in _NAMED:
        return _NAMED[w](today, tz)
    if m := _MONTH.match(w):
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"there is no month {month}")
        return _month(date(year, month, 1), tz)
    if m := _QUARTER.match(w):
        return _quarter(int(m.group(1)), int(m.group(2)), tz)
    if m := _YEAR.match(w):
        return _year(int(m.group(1)), tz)
    raise ValueError(f"I don't know the period \u201c{word[:30]}\u201d. Try {PERIOD_HELP}.")


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _days(name: str, days: int, end: datetime, tz: ZoneInfo, *, with_previous: bool = True) -> Period:
    local_end = end.astimezone(tz).date()
    start = _midnight(local_end - timedelta(days=days), tz)
    previous = _days(name, days, start, tz, with_previous=False) if with_previous else None
    return Period(
        name, f"the last {days} days" if with_previous else f"the {days} days before", start, end, previous
    )


def _month(first: date, tz: ZoneInfo, *, with_previous: bool = True, name: str | None = None) -> Period:
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    before = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
    previous = _month(before, tz, with_previous=False) if with_previous else None
    label = first.strftime("%B %Y")
    return Period(
        name or first.strftime("%Y-%m"), label, _midnight(first, tz), _midnight(following, tz), previous
    )


def _quarter(
    year: int, quarter: int, tz: ZoneInfo, *, with_previous: bool = True, name: str | None = None
) -> Period:
    first = date(year, 3 * quarter - 2, 1)
    following = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
    previous = None
    if with_previous:
        previous = _quarter(year - (quarter == 1), (quarter - 2) % 4 + 1, tz, with_previous=False)
    return Period(
        name or f"{year}-Q{quarter}",
        f"{year} Q{quarter} ({first.strftime('%b')} to {date(year, 3 * quarter, 1).strftime('%b')})",
        _midnight(first, tz),
        _midnight(following, tz),
        previous,
    )


def _year(year: int, tz: ZoneInfo, *, with_previous: bool = True, name: str | None = None) -> Period:
    previous = _year(year - 1, tz, with_previous=False) if with_previous else None
    return Period(
        name or str(year),
        str(year),
        _midnight(date(year, 1, 1), tz),
        _midnight(date(year + 1, 1, 1), tz),
        previous,
    )


def _this_month(today: date, tz: ZoneInfo) -> Period:
    return _month(today.replace(day=1), tz, name="this-month")


def _last_month(today: date, tz: ZoneInfo) -> Period:
    first = today.replace(day=1)
    return _month(date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1), tz, name="last-month")


def _this_quarter(today: date, tz: ZoneInfo) -> Period:
    return _quarter(today.year, (today.month - 1) // 3 + 1, tz, name="this-quarter")


def _last_quarter(today: date, tz: ZoneInfo) -> Period:
    q = (today.month - 1) // 3 + 1
    return _quarter(today.year - (q == 1), (q - 2) % 4 + 1, tz, name="last-quarter")


def _this_year(today: date, tz: ZoneInfo) -> Period:
    return _year(today.year, tz, name="this-year")


def _last_year(today: date, tz: ZoneInfo) -> Period:
    return _year(today.year - 1, tz, name="last-year")


_NAMED = {
    "this-month": _this_month,
    "last-month": _last_month,
    "this-quarter": _this_quarter,
    "last-quarter": _last_quarter,
    "this-year": _this_year,
    "last-year": _last_year,
}


def fixed_for(word: str) -> str | None:
    """The fixed period a rolling window stored before they were refused is read as, or None.

    Up to a month becomes ``this-month``, up to a quarter ``this-quarter``, longer ``this-year``.
    """
    found = _LAST_DAYS.match(word.casefold().strip())
    if found is None:
        return None
    days = int(found.group(1))
    return "this-month" if days <= 31 else "this-quarter" if days <= 92 else "this-year"


def describe(period: Period, tz: ZoneInfo) -> str:
    """The period for people: its label and, for a bounded one, its first and last days."""
    if period.start is None or period.end is None:
        return period.label
    first = period.start.astimezone(tz).date()
    last = (period.end.astimezone(tz) - timedelta(seconds=1)).date()
    if first == last:
        return f"{period.label} ({_day(first)})"
    return f"{period.label} ({_day(first, year=first.year != last.year)} to {_day(last)})"


def _day(day: date, *, year: bool = True) -> str:
    return f"{day.day} {day.strftime('%B')}" + (f" {day.year}" if year else "")
