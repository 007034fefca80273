"""Redaction of identifiers of children and families from free-text answers.

Social workers type answers in their own words; those words must never carry a person's name, an
NHS number, a National Insurance number, a postcode, a phone number, an email address or a date of
birth. ``redact`` swaps each one for a placeholder such as ``[postcode]`` and says which kinds it
found; ``removal_notice`` tells the user, in one sentence, what was taken out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import phonenumbers

from bot.redaction.kinds import (
    DATE_OF_BIRTH,
    EMAIL,
    KINDS,
    NAME,
    NHS_NUMBER,
    NI_NUMBER,
    PHONE_NUMBER,
    POSTCODE,
    placeholder,
)
from bot.redaction.names import find_names
from bot.redaction.notice import removal_notice

__all__ = [
    "DATE_OF_BIRTH",
    "EMAIL",
    "KINDS",
    "NAME",
    "NHS_NUMBER",
    "NI_NUMBER",
    "PHONE_NUMBER",
    "POSTCODE",
    "Redaction",
    "redact",
    "removal_notice",
]

# ASCII: \d must not match other scripts' digits, and IGNORECASE must not fold e.g. the Kelvin
# sign into "k".
_FLAGS = re.ASCII | re.IGNORECASE

# The lookbehind starts a match only at the start of a run, which keeps long runs linear.
_EMAIL_RE = re.compile(r"(?<![A-Z0-9._%+-])[A-Z0-9._%+-]+@[A-Z0-9-]+(?:\.[A-Z0-9-]+)*\.[A-Z]{2,}", _FLAGS)

# An address spelled out so a filter would miss it: "jo dot bloggs at council dot gov dot uk",
# "jo.bloggs (at) council.gov.uk". Repetitions and spaces are bounded so each start costs little
# (linear overall), and the domain must end in a top-level domain people use, so "her at jo dot
# bloggs" is not an address.
_SPELLED_AT = r"(?P<at>\s{0,3}[(\[{<]\s{0,3}at\s{0,3}[)\]}>]\s{0,3}|\s{0,3}@\s{0,3}|\s{1,3}at\s{1,3})"
_SPELLED_DOT = r"(?:\s{0,3}[(\[{<]\s{0,3}dot\s{0,3}[)\]}>]\s{0,3}|\s{1,3}dot\s{1,3}|\.)"
_LABEL = r"[A-Z0-9](?:[A-Z0-9_%+-]{0,62}[A-Z0-9])?"
_TOP_LEVEL = r"(?:uk|com|org|net|info|io|co|me|biz|scot|wales|cymru|london|ie|eu|email)"
_SPELLED_EMAIL_RE = re.compile(
    rf"(?<![A-Z0-9._%+\[-])(?P<local>{_LABEL}(?:{_SPELLED_DOT}{_LABEL}){{0,4}}){_SPELLED_AT}"
    rf"(?P<domain>(?:{_LABEL}{_SPELLED_DOT}){{1,5}}{_TOP_LEVEL})(?![A-Z0-9-]|\.[A-Z0-9])",
    _FLAGS,
)
_DOT_WORD_RE = re.compile(r"\bdot\b", _FLAGS)


def _spelled_email(match: re.Match[str]) -> bool:
    # A bare " at " is an ordinary word ("looked at leeds.gov.uk"): take it as an address only when
    # the rest is written like one, a "dot" spelled out or a dotted local part ("jo.bloggs").
    if match.group("at").strip().lower() != "at":
        return True
    return bool(_DOT_WORD_RE.search(match.group())) or any(c in match.group("local") for c in "._")


_NHS_RE = re.compile(
    r"(?<!\d)(?<!\d[.-])\d{3}[ .-]?\d{3}[ .-]?\d{4}(?![.-]?\d)"
    # Grouped any other way ("6193 451 455", "9 4 3 4 ..."): only a whole run of digits, so ten
    # digits taken out of a longer run (a phone number, a list of scores) are not an NHS number.
    r"|(?<!\d)(?<!\d[ .-])\d(?:[ .-]?\d){9}(?![ .-]?\d)",
    _FLAGS,
)

_NI_RE = re.compile(
    r"(?<![A-Z0-9])(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    r" ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Z0-9])",
    _FLAGS,
)

# Letters per position follow the Royal Mail rules (no Q, V or X first, no C, I, K, M, O or V in
# the inward code), which keeps "Q3 2024" and ordinary words out.
_POSTCODE_RE = re.compile(
    r"(?<![A-Z0-9])"
    r"(?:GIR ?0AA"
    r"|(?:[A-PR-UWYZ]\d[A-HJKPSTUW]?|[A-PR-UWYZ][A-HK-Y]\d[ABEHMNPRV-Y]?|[A-PR-UWYZ]\d\d"
    r"|[A-PR-UWYZ][A-HK-Y]\d\d)"
    r" ?\d[ABD-HJLNP-UW-Z]{2})"
    r"(?![A-Z0-9])",
    _FLAGS,
)

# UK numbers, national or +44. PhoneNumberMatcher splits a run of these separated by spaces into
# fragments too short to keep, so it would find only the last one per pass: quadratic and slow.
_UK_PHONE_RE = re.compile(
    r"(?<![\d+])(?:(?:\+|00)?44[ .-]{0,3}(?:\(0\)[ .-]{0,3})?|0)"
    r"(?P<nsn>\d(?:[ .-]{0,3}\d){8,9})(?![.-]?\d)",
    _FLAGS,
)

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_ORDINAL = r"(?:st|nd|rd|th)?"
_DATE_RE = re.compile(
    # A trailing "." is allowed so a date can end a sentence; "1.2.34.5" is not a date.
    r"(?<![\d./-])(?:"
    r"(?P<d1>\d{1,2})(?P<s1>[/.-])(?P<m1>\d{1,2})(?P=s1)(?:\d{4}|\d{2})"
    # Spaces instead of slashes only with two-digit day and month and a four-digit year, so counts
    # like "3 4 2019" stay.
    r"|(?<![\d ]\d )(?<!\d)(?P<d5>\d{2}) (?P<m5>\d{2}) (?:19|20)\d{2}(?! ?\d)"
    r"|\d{4}(?P<s2>[/.-])(?P<m2>\d{1,2})(?P=s2)(?P<d2>\d{1,2})"
    rf"|(?P<d3>\d{{1,2}}){_ORDINAL}\s+(?:of\s+)?{_MONTH},?\s+\d{{4}}"
    rf"|{_MONTH}\s+(?P<d4>\d{{1,2}}){_ORDINAL},?\s+\d{{4}}"
    r")(?![\d/-]|\.\d)",
    _FLAGS,
)


def _nhs_check_digit_ok(match: re.Match[str]) -> bool:
    digits = [int(c) for c in match.group() if c.isdigit()]
    total = sum(d * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return check != 10 and check == digits[9]


# ddmmyyyy with nothing between: only a date that exists, in years a child's or a parent's birth
# could fall in, so reference numbers mostly stay.
_DIGITS_DATE_RE = re.compile(
    r"(?<![\d./-])(?P<d>\d{2})(?P<m>\d{2})(?P<y>(?:19|20)\d{2})(?![\d/-]|\.\d)", _FLAGS
)


def _plausible_date(match: re.Match[str]) -> bool:
    day = next(int(d) for d in match.group("d1", "d2", "d3", "d4", "d5") if d is not None)
    month = match.group("m1") or match.group("m2") or match.group("m5")
    return 1 <= day <= 31 and (month is None or 1 <= int(month) <= 12)


def _real_date(match: re.Match[str]) -> bool:
    try:
        date(int(match.group("y")), int(match.group("m")), int(match.group("d")))
    except ValueError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class Redaction:
    """The redacted text and the kinds of identifier found, in order of first appearance.

    ``removed`` has one kind per identifier taken out, in order ("name", "name", "postcode"), for
    a notice that counts them; it is left out of comparisons.
    """

    text: str
    found: tuple[str, ...]
    removed: tuple[str, ...] = field(default=(), compare=False)

    @property
    def changed(self) -> bool:
        """Whether anything was redacted."""
        return bool(self.found)


_Segment = tuple[str, str | None]  # (text, kind of identifier it replaced, or None if kept)
_Finder = Callable[[str], list[tuple[int, int]]]


def _regex_finder(pattern: re.Pattern[str], accept: Callable[[re.Match[str]], bool] | None) -> _Finder:
    def find(text: str) -> list[tuple[int, int]]:
        return [m.span() for m in pattern.finditer(text) if accept is None or accept(m)]

    return find


_MIN_PHONE_DIGITS = 7
_MIN_NATIONAL_DIGITS = 9


def _is_phone_number(match: phonenumbers.PhoneNumberMatch) -> bool:
    # POSSIBLE leniency is needed for Ofcom's drama ranges (07700 900xxx is not VALID), but it also
    # takes years and counts; so a match must be long enough and either be written like a UK
    # number (leading 0 or +) or be a number the library knows to be in use.
    if len(phonenumbers.national_significant_number(match.number)) < _MIN_NATIONAL_DIGITS:
        return False
    return match.raw_string.lstrip("(")[:1] in ("0", "+") or phonenumbers.is_valid_number(match.number)


def _possible_uk_number(match: re.Match[str]) -> bool:
    national = "0" + "".join(c for c in match.group("nsn") if c.isdigit())
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(national, "GB"))
    except phonenumbers.NumberParseException:  # e.g. "44021…": not a number the library can read
        return False


def _find_phones(text: str) -> list[tuple[int, int]]:
    if sum(c in "0123456789" for c in text) < _MIN_PHONE_DIGITS:
        return []
    matcher = phonenumbers.PhoneNumberMatcher(text, "GB", leniency=phonenumbers.Leniency.POSSIBLE)
    return [(m.start, m.end) for m in matcher if _is_phone_number(m)]


# Emails go first because their local parts may hold anything else; NHS numbers go before phone
# numbers so that a valid NHS number is labelled as one.
_FINDERS: tuple[tuple[str, _Finder], ...] = (
    (EMAIL, _regex_finder(_EMAIL_RE, None)),
    (EMAIL, _regex_finder(_SPELLED_EMAIL_RE, _spelled_email)),
    (NHS_NUMBER, _regex_finder(_NHS_RE, _nhs_check_digit_ok)),
    (NI_NUMBER, _regex_finder(_NI_RE, None)),
    (DATE_OF_BIRTH, _regex_finder(_DATE_RE, _plausible_date)),
    (DATE_OF_BIRTH, _regex_finder(_DIGITS_DATE_RE, _real_date)),
    (POSTCODE, _regex_finder(_POSTCODE_RE, None)),
    (PHONE_NUMBER, _regex_finder(_UK_PHONE_RE, _possible_uk_number)),
    (PHONE_NUMBER, _find_phones),
)


def _cut(text: str, kind: str, spans: list[tuple[int, int]]) -> list[_Segment]:
    out: list[_Segment] = []
    pos = 0
    for start, end in spans:
        out.extend(((text[pos:start], None), (text[start:end], kind)))
        pos = end
    out.append((text[pos:], None))
    return out


def _split(segments: list[_Segment], kind: str, find: _Finder) -> list[_Segment]:
    out: list[_Segment] = []
    for text, done in segments:
        spans = find(text) if done is None else []
        out.extend(_cut(text, kind, spans) if spans else [(text, done)])
    return out


def _split_names(segments: list[_Segment]) -> list[_Segment]:
    # Names are looked for in the whole text with earlier placeholders in place, because the words
    # around a name decide ("Jayden [date of birth]"); the text is then exactly what a second call
    # of redact would see, which keeps redact idempotent.
    starts: list[int] = []
    shown: list[str] = []
    position = 0
    for text, kind in segments:
        starts.append(position)
        shown.append(placeholder(kind) if kind else text)
        position += len(shown[-1])
    spans = find_names("".join(shown))
    if not spans:
        return segments
    by_segment: dict[int, list[tuple[int, int]]] = {}
    index = 0
    for start, end in spans:
        while index + 1 < len(starts) and starts[index + 1] <= start:
            index += 1
        text, kind = segments[index]
        offset = starts[index]
        if kind is None and end <= offset + len(text):
            by_segment.setdefault(index, []).append((start - offset, end - offset))
    out: list[_Segment] = []
    for index, segment in enumerate(segments):
        found = by_segment.get(index)
        out.extend(_cut(segment[0], NAME, found) if found else [segment])
    return out


def redact(text: str) -> Redaction:
    """Replace identifiers of children and families in ``text`` with placeholders like ``[email]``.

    Each kind is searched for in turn, only in the text that earlier kinds left, so a span is only
    ever labelled once; names come last (``bot.redaction.names`` says how they are recognised).
    """
    segments: list[_Segment] = [(text, None)]
    # Taking out one identifier can free a neighbour that touched it ("07700900123AB123456C"), so
    # search again until nothing more is found; this also makes redact idempotent.
    while True:
        before = len(segments)
        for kind, find in _FINDERS:
            segments = _split(segments, kind, find)
        segments = _split_names(segments)
        if len(segments) == before:
            break
    if len(segments) == 1:
        return Redaction(text, ())
    removed = tuple(kind for _, kind in segments if kind is not None)
    return Redaction(
        "".join(placeholder(kind) if kind else part for part, kind in segments),
        tuple(dict.fromkeys(removed)),
        removed,
    )
