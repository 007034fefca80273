"""A text cut into words, numbers, placeholders and marks, each knowing where it is."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.redaction.kinds import KINDS, placeholder

WORD = "word"
NUMBER = "number"
PLACEHOLDER = "placeholder"
MARK = "mark"

# Letters of any script make words ("Zoë", "Siân"); an apostrophe or hyphen joins them ("O'Brien",
# "Lily-Rose", "Tyler's"). A placeholder an earlier pass left is one token, so its words are never
# read as words of the text.
_TOKEN_RE = re.compile(
    "(?P<placeholder>" + "|".join(re.escape(placeholder(kind)) for kind in KINDS) + ")"
    r"|(?P<word>[^\W\d_]+(?:['\u2019-][^\W\d_]+)*)"
    r"|(?P<number>\d+)"
    r"|(?P<mark>\S)"
)
_CURLY_APOSTROPHE = "\u2019"
_POSSESSIVE = ("'s", _CURLY_APOSTROPHE + "s")


@dataclass(slots=True)
class Token:
    """One token. For words, ``low`` is the lower-case word without a possessive "'s"."""

    kind: str
    text: str
    start: int
    end: int
    newline_before: bool
    low: str = ""
    possessive: bool = False
    title: bool = False  # starts with a capital and is not all capitals: "Smith", "McDonald"


def tokenise(text: str) -> list[Token]:
    """The tokens of ``text`` in order; whitespace is not a token but ``newline_before`` records it."""
    tokens: list[Token] = []
    last_end = 0
    for match in _TOKEN_RE.finditer(text):
        kind = match.lastgroup or MARK
        start, end = match.span()
        token = Token(kind, match.group(), start, end, "\n" in text[last_end:start])
        if kind == WORD:
            word = token.text
            token.possessive = word.endswith(_POSSESSIVE) and len(word) > 2
            base = word[:-2] if token.possessive else word
            token.low = base.lower().replace(_CURLY_APOSTROPHE, "'")
            token.title = base[0].isupper() and not base.isupper()
        tokens.append(token)
        last_end = end
    return tokens
