"""When a scheduled digest is due: ``every monday 09:00``, ``every weekday at 8am`` or a cron expression.

Rules are kept as cron expressions read in the council's time zone, so "every Monday at 09:00"
stays at nine o'clock on both sides of a clock change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from croniter import croniter

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CRON_DAYS = {day: (i + 1) % 7 for i, day in enumerate(DAYS)}
DEFAULT_TIME = (9, 0)
RULE_HELP = (
    "Say when, for example `digest every monday 09:00`, `digest every weekday at 8am`, "
    "`digest every day 17:30`, or a cron expression: `digest cron 0 9 * * 1`."
)
_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$")


@dataclass(frozen=True, slots=True)
class ScheduleRule:
    """A cron expression and how to say it to people."""

    cron: str
    description: str


def parse_rule(words: list[str]) -> tuple[ScheduleRule, list[str]]:
    """The rule at the start of ``words`` (after ``every`` or ``cron``) and the words left over.

    Raises ValueError with a hint when the rule cannot be read.
    """
    if not words:
        raise ValueError(RULE_HELP)
    head, rest = words[0].casefold(), words[1:]
    if head == "cron":
        if len(rest) < 5:
            raise ValueError(RULE_HELP)
        expression = " ".join(rest[:5])
        if not croniter.is_valid(expression):
            raise ValueError(f"\u201c{expression}\u201d is not a cron expression. {RULE_HELP}")
        # Channels read *...* as bold, so the description shows the look-alike operator sign.
        return ScheduleRule(expression, "cron " + expression.replace("*", "\u2217")), rest[5:]
    if head != "every" or not rest:
        raise ValueError(RULE_HELP)
    day, rest = rest[0].casefold().rstrip("s") if rest[0].casefold() != "weekdays" else "weekday", rest[1:]
    if day not in (*DAYS, "day", "weekday"):
        raise ValueError(f"I can't read \u201cevery {day}\u201d. {RULE_HELP}")
    if rest and rest[0].casefold() == "at":
        rest = rest[1:]
    hour, minute = DEFAULT_TIME
    if rest and _TIME.match(rest[0].casefold()):
        hour, minute = _clock_time(rest[0].casefold())
        rest = rest[1:]
    dow = {"day": "*", "weekday": "1-5"}.get(day) or str(CRON_DAYS[day])
    said = {"day": "every day", "weekday": "every weekday"}.get(day) or f"every {day.capitalize()}"
    return ScheduleRule(f"{minute} {hour} * * {dow}", f"{said} at {hour:02d}:{minute:02d}"), rest


def _clock_time(text: str) -> tuple[int, int]:
    match = _TIME.match(text)
    assert match is not None
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if half:
        if not 1 <= hour <= 12:
            raise ValueError(f"\u201c{text}\u201d is not a time of day. {RULE_HELP}")
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"\u201c{text}\u201d is not a time of day. {RULE_HELP}")
    return hour, minute


def next_due(cron: str, after: datetime, tz: ZoneInfo) -> datetime:
    """The first time strictly after ``after`` that the rule fires, read in ``tz``, returned in UTC."""
    local = after.astimezone(tz).replace(tzinfo=None)
    fires = croniter(cron, local).get_next(datetime)
    return fires.replace(tzinfo=tz).astimezone(UTC)
