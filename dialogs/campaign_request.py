"""Reading ``campaign ...`` as a manager types it: the survey, closing date, audience, reminders, repeat.

No I/O and no clock: today's date is given. Examples::

    campaign pain-points closes 19 December
    campaign closes 2026-12-19 for @childrens-services reminders on days 2 and 6
    campaign digital-maturity for the team every quarter
    campaign pain-points no reminders
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

DEFAULT_DAYS = 14
DEFAULT_REMINDER_DAYS = (3, 5)
MAX_DAYS = 92
MONTHS = {
    name: number
    for number, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
         ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
         ("oct", "october"), ("nov", "november"), ("dec", "december")],
        start=1,
    )
    for name in names
}  # fmt: skip
REPEATS = {"month": 1, "monthly": 1, "quarter": 3, "quarterly": 3, "half-year": 6, "year": 12, "yearly": 12}
SLACK_GROUP = re.compile(r"^<!subteam\^([A-Z0-9]+)(?:\|(@?[\w.-]+))?>$")
HANDLE = re.compile(r"^@[a-z0-9][a-z0-9._-]{0,79}$", re.IGNORECASE)
HELP = (
    "Try for example `campaign pain-points closes 19 December`. Options: `closes <date>` (default two "
    "weeks), `for @user-group` (Slack) or `for the team` (Teams; default: the people in this "
    "conversation), `reminders on days 3 and 5` (or `no reminders`), `every quarter`."
)


@dataclass(frozen=True, slots=True)
class Audience:
    """Who a campaign asks: this conversation's members, a Slack user group, or a Teams team."""

    kind: str = "conversation"  # conversation | group | team
    ref: str = ""  # a Slack user group id, or its @handle as typed
    label: str = "the people in this conversation"


@dataclass(frozen=True, slots=True)
class CampaignRequest:
    """A campaign as asked for, before anyone is counted or asked."""

    survey: str | None
    closes: date
    audience: Audience
    reminder_days: tuple[int, ...]
    repeat_months: int | None


class RequestError(ValueError):
    """What was typed cannot be read; the message says what to type instead."""


def parse_request(text: str, *, today: date) -> CampaignRequest:
    """The campaign ``text`` asks for; raises RequestError with a polite explanation."""
    words = text.split()
    survey: list[str] = []
    closes: date | None = None
    audience = Audience()
    reminders: tuple[int, ...] = DEFAULT_REMINDER_DAYS
    repeat: int | None = None
    i = 0
    while i < len(words):
        word = words[i].casefold()
        if word in ("closes", "closing", "until", "close"):
            closes, i = _date(words, i + 1, today)
        elif word == "for":
            audience, i = _audience(words, i + 1)
        elif word in ("reminders", "remind", "reminder"):
            reminders, i = _reminders(words, i + 1)
        elif word == "no" and i + 1 < len(words) and words[i + 1].casefold().startswith("reminder"):
            reminders, i = (), i + 2
        elif word in ("every", "repeat", "repeats"):
            repeat, i = _repeat(words, i + 1)
        else:
            survey.append(words[i])
            i += 1
    closes = closes or today + timedelta(days=DEFAULT_DAYS)
    if closes <= today:
        raise RequestError(f"The closing date {closes:%-d %B %Y} has passed or is today: pick a later one.")
    if closes > today + timedelta(days=MAX_DAYS):
        raise RequestError(f"A campaign can run for at most {MAX_DAYS} days; pick an earlier closing date.")
    return CampaignRequest(" ".join(survey) or None, closes, audience, reminders, repeat)


def _date(words: list[str], i: int, today: date) -> tuple[date, int]:
    if i < len(words) and words[i].casefold() == "on":
        i += 1
    rest = words[i : i + 3]
    if rest and re.fullmatch(r"\d{4}-\d{2}-\d{2}", rest[0]):
        try:
            return date.fromisoformat(rest[0]), i + 1
        except ValueError:
            raise RequestError(f"\u201c{rest[0]}\u201d is not a date. {HELP}") from None
    if len(rest) >= 2 and rest[0].rstrip("stndrh").isdigit() and rest[1].casefold().rstrip(",") in MONTHS:
        day, month = int(rest[0].rstrip("stndrh")), MONTHS[rest[1].casefold().rstrip(",")]
        year_given = len(rest) == 3 and re.fullmatch(r"\d{4}", rest[2])
        year = int(rest[2]) if year_given else today.year
        try:
            found = date(year, month, day)
        except ValueError:
            raise RequestError(f"\u201c{' '.join(rest[:2])}\u201d is not a date. {HELP}") from None
        if not year_given and found < today:
            found = found.replace(year=year + 1)
        return found, i + (3 if year_given else 2)
    shown = " ".join(rest[:2]) or "nothing"
    raise RequestError(f"I couldn't read the closing date (\u201c{shown}\u201d). {HELP}")


def _audience(words: list[str], i: int) -> tuple[Audience, int]:
    word = words[i] if i < len(words) else ""
    if word.casefold() in ("the", "whole", "all") and i + 1 < len(words):
        i, word = i + 1, words[i + 1]
        if word.casefold() == "whole" and i + 1 < len(words):
            i, word = i + 1, words[i + 1]
    if word.casefold() == "team":
        return Audience("team", "", "everyone in the team"), i + 1
    if word.casefold() in ("here", "this", "channel", "conversation", "chat"):
        step = 2 if word.casefold() == "this" else 1
        return Audience(), i + step
    if found := SLACK_GROUP.match(word):
        handle = found.group(2) or found.group(1)
        return Audience("group", found.group(1), handle if handle.startswith("@") else f"@{handle}"), i + 1
    if HANDLE.match(word):
        return Audience("group", word.casefold(), word.casefold()), i + 1
    raise RequestError(f"I couldn't tell who to ask (\u201c{word[:40]}\u201d). {HELP}")


def _reminders(words: list[str], i: int) -> tuple[tuple[int, ...], int]:
    days: list[int] = []
    while i < len(words):
        word = words[i].casefold().strip(",")
        if word in ("on", "days", "day", "and", ""):
            i += 1
            continue
        parts = [p for p in word.split(",") if p]
        if not parts or not all(p.isdigit() for p in parts):
            break
        days += [int(p) for p in parts]
        i += 1
    if not days:
        raise RequestError(f"Which days after launch should I remind people on? {HELP}")
    if any(d < 1 or d > MAX_DAYS for d in days):
        raise RequestError("Reminder days count from the launch: 1 is the next day.")
    return tuple(sorted(set(days))), i


def _repeat(words: list[str], i: int) -> tuple[int, int]:
    word = words[i].casefold() if i < len(words) else ""
    if word in REPEATS:
        return REPEATS[word], i + 1
    if word.isdigit() and i + 1 < len(words) and words[i + 1].casefold().rstrip("s") == "month":
        months = int(word)
        if 1 <= months <= 12:
            return months, i + 2
    raise RequestError(
        f"I can repeat a campaign every month, quarter, half-year or year, or every N months. {HELP}"
    )
