"""The one sentence that tells a user what redaction took out of their message (issue 16)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from bot.redaction.kinds import (
    DATE_OF_BIRTH,
    EMAIL,
    KINDS,
    NAME,
    NHS_NUMBER,
    NI_NUMBER,
    PHONE_NUMBER,
    POSTCODE,
)

# (one, more than one). Redaction labels any full date a date of birth, so the notice says "date".
_NOUNS = {
    NAME: ("a name", "names"),
    DATE_OF_BIRTH: ("a date", "dates"),
    NHS_NUMBER: ("an NHS number", "NHS numbers"),
    NI_NUMBER: ("a National Insurance number", "National Insurance numbers"),
    POSTCODE: ("a postcode", "postcodes"),
    PHONE_NUMBER: ("a phone number", "phone numbers"),
    EMAIL: ("an email address", "email addresses"),
}
_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
# More than this many kinds and the sentence names the first ones and counts the rest.
_MOST_NAMED = 3
_NAMED_BEFORE_OTHERS = 2


def _number(count: int) -> str:
    return _NUMBERS[count] if count < len(_NUMBERS) else str(count)


def _phrase(kind: str, count: int) -> str:
    one, many = _NOUNS[kind]
    return one if count == 1 else f"{_number(count)} {many}"


def _join(phrases: list[str]) -> str:
    return phrases[0] if len(phrases) == 1 else f"{', '.join(phrases[:-1])} and {phrases[-1]}"


def removal_notice(found: Sequence[str]) -> str:
    """One sentence telling the user what was removed before saving, for any mix of kinds.

    ``found`` is ``Redaction.found`` (each kind once) or ``Redaction.removed`` (a kind per
    identifier, so two names read "two names"). Kinds are listed in a fixed order, people first;
    past three kinds, the first two are named and the rest counted ("and three other details").
    Raises ValueError when nothing was removed.
    """
    if not found:
        raise ValueError("removal_notice needs at least one kind of identifier")
    counts = Counter(found)
    known = [(kind, counts[kind]) for kind in KINDS if kind in counts]
    unknown = sum(count for kind, count in counts.items() if kind not in _NOUNS)
    phrases = [_phrase(kind, count) for kind, count in known]
    if unknown and len(phrases) + 1 <= _MOST_NAMED:
        phrases.append("another detail" if unknown == 1 else f"{_number(unknown)} other details")
    elif len(phrases) > _MOST_NAMED or unknown:
        others = sum(count for _, count in known[_NAMED_BEFORE_OTHERS:]) + unknown
        phrases = [*phrases[:_NAMED_BEFORE_OTHERS], f"{_number(others)} other details"]
    return (
        "Please don't share details about children or families here: "
        f"I removed {_join(phrases)} before saving anything."
    )
