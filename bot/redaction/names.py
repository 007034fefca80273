"""Find people's names in free text, where a given name or the words around it show one.

A capitalised word is taken as (part of) a person's name when:

1. it is a given name (``content/names/given-names.txt``) followed by a capitalised surname:
   "Jayden Smith", "Kelly O'Brien", "Jayden Lee Smith", "Kayden-Lee Hughes";
2. it follows a title: "Mrs Smith", "Mr J. Smith", "Ms Kelly Brown";
3. it follows a relation or a word for a child: "mum Kelly", "the child, Jayden", "my client
   Tyler", "young person Chloe", "nan (Margaret)", "baby Leo", "called Ruby"; in lower case too
   when it is a given name that is not an ordinary word ("mum kelly"); and a known given name after
   a role, a greeting or a verb of meeting or telling: "manager Sarah", "Hi Will", "asked Mark";
4. it comes before an age or a date of birth: "Kayden aged 4", "Tyler (7)", "Connor, 15,",
   "Chloe DOB ...", "Jayden [date of birth]"; a word that is not a known given name only before
   "aged", "DOB" or "born" and not at the start of a sentence;
5. it is a given name followed by a verb only people do, or by "and his", "with her": "Jayden
   said", "Tyler was upset", "Louis and his sister";
6. it is a given name in the possessive: "Tyler's plan";
7. it is a given name capitalised in the middle of a sentence: "visited Jayden at home";
8. it is a given name in a list with another name: "Jayden and Chloe", "[name] and Tyler";
9. it is a surname in "the Smith family".

Ordinary capitalised words stay: systems, organisations and places (``content/names/not-names.yaml``),
months and days, job titles and team words (``bot.redaction.words``), and sentence starts.

Given names that are also ordinary words (Will, Mark, Bill, May, Rose, Frank, Hope, Faith, Joy,
Summer, Grace...) need more. They need one of these:

- a surname that is not also a word of places ("Rose Hill" stays);
- a cue before them;
- a verb of saying or living after them (rule 5 narrowed): "Grace said the system is slow" is
  taken as a name, because an ordinary word never "says"; "Hope is that it improves" is not;
- a person-word before them ("asked Will").

Months and seasons (May, June, August, Summer) need a surname or a cue. A given name alone at the
start of a sentence with none of these ("Jayden, can you ...") is kept: without a cue it cannot be
told from an ordinary capitalised word often enough. ``bench/redaction_bench.py`` measures the
rules on sentences staff would type.

Each word is looked at with a bounded window around it, so the work is linear in the text.
"""

from __future__ import annotations

import re

from bot.redaction import words
from bot.redaction.kinds import NAME, placeholder
from bot.redaction.name_lists import NameLists, name_lists
from bot.redaction.tokens import MARK, NUMBER, PLACEHOLDER, WORD, Token, tokenise

REGULAR = "regular"
WORD_NAME = "word"
CALENDAR_NAME = "calendar"
PLACE_NAME = "place"

# Quotes, dashes, bullets and an ellipsis as well as ASCII punctuation.
_SENTENCE_BREAKS = frozenset(".!?:;()[]{}\"'-*>\u201c\u201d\u2018\u2019\u2013\u2014\u2022\u2026")
# May stand between a cue and the name: "mum, Kelly", "Name: Jayden", "nan (Margaret)".
_CUE_SEPARATORS = frozenset(",:(-\u2013")
_LINK_MARKS = frozenset({",", "&"})
_NAME_PLACEHOLDER = placeholder(NAME)
_MAX_SURNAMES = 2
# "the Grace period", "her Will": before these a word name is the ordinary word.
_NOT_BEFORE_A_WORD_NAME = words.ARTICLES | words.POSSESSIVES

# After a name: an age or a date of birth. Either is a strong enough cue for a capitalised word
# that is not a known given name ("Kayden aged 4").
_STRONG_AFTER_CUE_RE = re.compile(
    r"\s{0,3}(?:[,(\u2013-]\s{0,3})?(?:aged?\s{0,2}:?\s{0,2}(?:\d|about|around|approx)|d\.?\s?o\.?\s?b\b"
    r"|date of birth|born\b|\[date of birth\])",
    re.IGNORECASE,
)
# An age in brackets or in years: a cue only after a known given name ("Tyler (7)", "Chloe, 3 yrs").
_AGE_AFTER_CUE_RE = re.compile(
    r"\s{0,3}(?:\(\s{0,2}\d{1,2}\s{0,2}(?:y(?:rs?|ears?|o)?\s{0,2})?\)"
    r"|,?\s{0,3}\d{1,2}\s{0,2}(?:yrs?|years?|y/?o|months?|mths?|weeks?)\b"
    r"|,\s{0,3}\d{1,2}\s{0,3}[,)])",  # "Aaliyah, 14, was ..."
    re.IGNORECASE,
)


class _Finder:
    """The tokens of one text and which of them are found to be names."""

    def __init__(self, text: str, lists: NameLists) -> None:
        self.text = text
        self.lists = lists
        self.tokens = tokenise(text)
        self.count = len(self.tokens)
        self.names = [False] * self.count
        self.protected = self._protect_phrases()
        self.categories = [self._category(i) for i in range(self.count)]

    # What a token is -------------------------------------------------------------------------

    def _protect_phrases(self) -> list[bool]:
        """Tokens inside a multi-word system, organisation or place ("Capita One", "Milton Keynes")."""
        protected = [False] * self.count
        for i, token in enumerate(self.tokens):
            for phrase in self.lists.phrases.get(token.low or token.text.lower(), ()):
                end = i + len(phrase)
                if end <= self.count and all(
                    (t.low or t.text.lower()) == word
                    for t, word in zip(self.tokens[i:end], phrase, strict=True)
                ):
                    protected[i:end] = [True] * len(phrase)
                    break
        return protected

    def word(self, i: int) -> Token | None:
        """Token ``i`` when it is a word, else None (also out of range)."""
        if 0 <= i < self.count and self.tokens[i].kind == WORD:
            return self.tokens[i]
        return None

    def category(self, i: int) -> str | None:
        """How far token ``i`` can be trusted as a given name, or None when it is not one."""
        return self.categories[i] if 0 <= i < self.count else None

    def _category(self, i: int) -> str | None:
        token = self.word(i)
        if token is None or self.protected[i]:
            return None
        low = token.low
        if low not in self.lists.given and "-" in low:
            low = low.split("-", 1)[0]  # "Kayden-Lee", "Ruby-Mae": as their first name
        if low not in self.lists.given or token.low in self.lists.never:
            return None
        if low in words.CALENDAR:
            return CALENDAR_NAME
        if low in words.NOT_NAME_WORDS:
            return None
        if low in self.lists.places:
            return PLACE_NAME
        if low in words.WORD_NAMES:
            return WORD_NAME
        return REGULAR

    def capitalised_name_word(self, i: int, *, after_title: bool = False) -> bool:
        """Whether token ``i`` could be a surname or a name after a cue: capitalised, not a known non-name."""
        token = self.word(i)
        if token is None or not token.title or len(token.low) < 2 or self.protected[i]:
            return False
        low = token.low
        if low in words.NOT_NAME_WORDS or low in self.lists.never or low in words.PERSON_VERBS:
            return False
        return after_title or low not in words.CALENDAR

    def lower_case_name(self, i: int) -> bool:
        """Whether token ``i`` is a given name written in lower case that is not also an ordinary word."""
        token = self.word(i)
        return (
            token is not None
            and not token.title
            and token.text.islower()
            and self.category(i) == REGULAR
            and token.low not in words.LOWERCASE_WORDS
        )

    def spaced(self, i: int) -> bool:
        """Whether token ``i`` follows token ``i - 1`` on the same line."""
        return 0 < i < self.count and not self.tokens[i].newline_before

    def starts_sentence(self, i: int) -> bool:
        """Whether token ``i`` starts a sentence, a line or a bracket."""
        if i == 0 or self.tokens[i].newline_before:
            return True
        before = self.tokens[i - 1]
        return before.kind == MARK and before.text in _SENTENCE_BREAKS

    def low_before(self, i: int) -> str:
        """The lower-case word before token ``i`` on the same line, or ""."""
        before = self.word(i - 1)
        return before.low if before is not None and self.spaced(i) else ""

    def is_link(self, i: int) -> bool:
        """Whether token ``i`` joins two names: "and", "or", "&" or a comma."""
        token = self.tokens[i] if 0 <= i < self.count else None
        if token is None or token.newline_before:
            return False
        return (token.kind == WORD and token.low in words.LINKS) or (
            token.kind == MARK and token.text in _LINK_MARKS
        )

    def name_anchor(self, i: int) -> bool:
        """Whether token ``i`` is a name found already, or a name placeholder."""
        if not 0 <= i < self.count:
            return False
        token = self.tokens[i]
        return self.names[i] or (token.kind == PLACEHOLDER and token.text == _NAME_PLACEHOLDER)

    def chain_target(self, i: int) -> bool:
        """Whether token ``i`` is a given name that a neighbouring name makes a name too."""
        category = self.category(i)
        token = self.tokens[i] if 0 <= i < self.count else None
        if token is None or category is None:
            return False
        return (token.title and category in (REGULAR, WORD_NAME)) or self.lower_case_name(i)

    # Marking ---------------------------------------------------------------------------------

    def mark(self, i: int) -> None:
        """Take token ``i`` as a name."""
        self.names[i] = True

    def mark_with_surnames(self, i: int, *, after_title: bool = False) -> int:
        """Mark token ``i`` and up to two capitalised words after it; return the last index marked."""
        self.mark(i)
        last = i
        while (
            last - i < _MAX_SURNAMES
            and self.spaced(last + 1)
            and self.capitalised_name_word(last + 1, after_title=after_title)
        ):
            last += 1
            self.mark(last)
        return last

    # The rules -------------------------------------------------------------------------------

    def given_and_surname(self, i: int) -> None:
        """Rule 1: "Jayden Smith", with the stricter checks for given names that are words or places."""
        category = self.category(i)
        token = self.tokens[i]
        if category is None or not token.title or token.possessive:
            return
        if not (self.spaced(i + 1) and self.capitalised_name_word(i + 1)):
            return
        ambiguous = category != REGULAR
        if ambiguous and self.low_before(i) in _NOT_BEFORE_A_WORD_NAME:
            return
        last = i + 1
        while last - i < _MAX_SURNAMES and self.spaced(last + 1) and self.capitalised_name_word(last + 1):
            last += 1
        surnames = [self.tokens[j].low for j in range(i + 1, last + 1)]
        if ambiguous and any(s in words.WEAK_SURNAMES or s in self.lists.places for s in surnames):
            return
        after = self.word(last + 1)
        if (
            after is not None
            and after.title
            and self.spaced(last + 1)
            and after.low in words.INSTITUTION_WORDS
        ):
            return  # "Elizabeth Garrett Anderson Hospital"
        for j in range(i, last + 1):
            self.mark(j)

    def after_title(self, i: int) -> None:
        """Rule 2: "Mrs Smith", "Mr J. Smith"; not "MS Teams"."""
        token = self.tokens[i]
        if token.low not in words.TITLES or token.text.isupper():
            return
        j = i + 1
        if j < self.count and self.tokens[j].kind == MARK and self.tokens[j].text == ".":
            j += 1
        initials = 0
        while initials < 2 and self._initial(j):
            initials += 1
            j += 2 if j + 1 < self.count and self.tokens[j + 1].text == "." else 1
        if self.capitalised_name_word(j, after_title=True) and not self.tokens[j].newline_before:
            for k in range(i + 1, j):
                if self.tokens[k].kind == WORD or k > i + 1:  # initials and the dots after them
                    self.mark(k)
            self.mark_with_surnames(j, after_title=True)

    def _initial(self, i: int) -> bool:
        token = self.word(i)
        return (
            token is not None and len(token.text) == 1 and token.text.isupper() and not token.newline_before
        )

    def _is_relation_cue(self, i: int) -> bool:
        token = self.tokens[i]
        if token.possessive:  # "the child's plan"
            return False
        if token.low == "person":
            return self.low_before(i) == "young"
        if token.low == "as":
            return self.low_before(i) == "known"
        return token.low in words.RELATION_CUES

    def after_relation(self, i: int) -> None:
        """Rule 3: "mum Kelly", "the child, Jayden", "nan (Margaret)", "young person Chloe", "mum kelly"."""
        if not self._is_relation_cue(i):
            return
        j = i + 1
        if j < self.count and self.tokens[j].kind == MARK and self.tokens[j].text in _CUE_SEPARATORS:
            j += 1
        candidate = self.word(j)
        if candidate is None or candidate.newline_before:
            return
        if candidate.title and self.capitalised_name_word(j) and candidate.low not in self.lists.places:
            self.mark_with_surnames(j)
        elif self.lower_case_name(j):
            self.mark(j)

    def after_person_word(self, i: int) -> None:
        """Rules 3 and 7 for known given names: "manager Sarah", "Hi Will", "asked Mark"."""
        category = self.category(i)
        if category not in (REGULAR, WORD_NAME):
            return
        if self.low_before(i) not in words.PERSON_PRECEDERS:
            return
        if self.tokens[i].title or self.lower_case_name(i):
            self.mark_with_surnames(i) if self.tokens[i].title else self.mark(i)

    def before_age_or_birth(self, i: int) -> None:
        """Rule 4: "Kayden aged 4", "Jayden Smith (DOB ...)", "Tyler (7)"."""
        token = self.tokens[i]
        if not self.capitalised_name_word(i) or token.possessive:
            return
        strong = _STRONG_AFTER_CUE_RE.match(self.text, token.end)
        if not strong and not _AGE_AFTER_CUE_RE.match(self.text, token.end):
            return
        first = i
        while i - first < _MAX_SURNAMES and self.spaced(first) and self.capitalised_name_word(first - 1):
            first -= 1
        group = range(first, i + 1)
        categories = [self.category(j) for j in group]
        known = any(c in (REGULAR, WORD_NAME, PLACE_NAME) for c in categories) or (
            len(group) > 1 and CALENDAR_NAME in categories
        )
        if not known:
            if not strong or self.starts_sentence(first) or self.low_before(first) in words.ARTICLES:
                return
            if len(group) == 1 and token.low.endswith("s"):
                return  # "Twins aged 3", "Boys aged 10"
            if any(self.tokens[j].low in self.lists.places for j in group):
                return
        for j in group:
            self.mark(j)

    def before_person_verb(self, i: int) -> None:
        """Rule 5: "Jayden said", "Tyler was upset"; for word names only verbs of saying or living."""
        category = self.category(i)
        token = self.tokens[i]
        if category not in (REGULAR, WORD_NAME) or not token.title or token.possessive:
            return
        if category == WORD_NAME and self.low_before(i) in _NOT_BEFORE_A_WORD_NAME:
            return
        j = i + 1
        filler = self.word(j) if self.spaced(j) else None
        if (
            filler is not None
            and filler.low in words.VERB_FILLERS
            and self._verb_at(j + 1, words.PERSON_VERBS)
        ):
            j += 1
        if self._followed_by_his_or_her(i):
            self.mark(i)
            return
        verb = self.word(j)
        if verb is None or not self.spaced(j) or verb.title:
            return
        verbs = words.PERSON_VERBS if category == REGULAR else words.SPEECH_VERBS
        if verb.low in verbs and not verb.possessive:
            self.mark(i)

    def _followed_by_his_or_her(self, i: int) -> bool:
        # "Louis and his sister", "Grace with her mum": only a person has a "his" or "her".
        link, pronoun = self.word(i + 1), self.word(i + 2)
        return (
            link is not None
            and pronoun is not None
            and link.low in ("and", "with")
            and pronoun.low in ("his", "her")
            and self.spaced(i + 1)
            and self.spaced(i + 2)
        )

    def _verb_at(self, i: int, verbs: frozenset[str]) -> bool:
        token = self.word(i)
        return token is not None and token.low in verbs

    def possessive(self, i: int) -> None:
        """Rule 6: "Tyler's plan", "kelly's house"; not "the Bill's reading"."""
        token = self.tokens[i]
        category = self.category(i)
        if not token.possessive or category not in (REGULAR, WORD_NAME):
            return
        if self.low_before(i) in words.ARTICLES:
            return
        if token.title or self.lower_case_name(i):
            self.mark(i)

    def mid_sentence(self, i: int) -> None:
        """Rule 7: a given name capitalised inside a sentence: "visited Jayden at home"."""
        token = self.tokens[i]
        if self.category(i) != REGULAR or not token.title or token.possessive or not self.spaced(i):
            return
        before = self.tokens[i - 1]
        if before.kind == MARK:
            if before.text not in _LINK_MARKS:
                return
        elif before.kind == WORD:
            if before.low in words.ARTICLES:
                return
            if before.title and not self.starts_sentence(i - 1):
                return  # inside a capitalised phrase: "Queen Elizabeth", "St Mark"
        elif before.kind != NUMBER:
            return
        after = self.word(i + 1)
        if after is not None and after.title and self.spaced(i + 1):
            return  # a capitalised phrase; rule 1 takes it when it is a name and surname
        self.mark(i)

    def pair_of_given_names(self, i: int) -> None:
        """Rule 8 seeded: "Jayden and Chloe", two given names joined by "and" or "&"."""
        if self.category(i) != REGULAR or not self.tokens[i].title:
            return
        link = self.tokens[i + 1] if i + 1 < self.count else None
        if link is None or not (link.low in words.LINKS or link.text == "&") or link.newline_before:
            return
        if self.category(i + 2) == REGULAR and self.tokens[i + 2].title and self.spaced(i + 2):
            self.mark(i)
            self.mark(i + 2)

    def family_surname(self, i: int) -> None:
        """Rule 9: "the Smith family", "the Khan children"."""
        if self.low_before(i) != "the" or not self.capitalised_name_word(i) or self.tokens[i].possessive:
            return
        after = self.word(i + 1)
        if (
            after is not None
            and self.spaced(i + 1)
            and after.low in words.FAMILY_WORDS
            and not after.title
            and self.tokens[i].low not in self.lists.places
        ):
            self.mark(i)

    def chains(self) -> None:
        """Rule 8: a given name next to a name, joined by "and", "or", "&" or a comma, is a name too."""
        for i in range(self.count - 2):
            if self.name_anchor(i) and self.is_link(i + 1) and self.chain_target(i + 2):
                if self.tokens[i + 2].title:
                    self.mark_with_surnames(i + 2)
                else:
                    self.mark(i + 2)
        for i in range(self.count - 3, -1, -1):
            if self.chain_target(i) and self.is_link(i + 1) and self.name_anchor(i + 2):
                self.mark(i)

    def spans(self) -> list[tuple[int, int]]:
        """Apply every rule; the spans of the names found, runs of name words joined into one."""
        rules = (
            self.given_and_surname,
            self.after_title,
            self.after_relation,
            self.after_person_word,
            self.before_age_or_birth,
            self.before_person_verb,
            self.possessive,
            self.mid_sentence,
            self.pair_of_given_names,
            self.family_surname,
        )
        for i in range(self.count):
            if self.tokens[i].kind == WORD:
                for rule in rules:
                    rule(i)
        self.chains()
        spans: list[tuple[int, int]] = []
        for i, token in enumerate(self.tokens):
            if not self.names[i]:
                continue
            end = token.end - 2 if token.possessive else token.end
            if spans and self.names[i - 1] and not self.tokens[i - 1].possessive and self.spaced(i):
                spans[-1] = (spans[-1][0], end)  # "Jayden Smith" is one name, "[name]"
            else:
                spans.append((token.start, end))
        return spans


def find_names(text: str, lists: NameLists | None = None) -> list[tuple[int, int]]:
    """The (start, end) of each person's name in ``text``, in order; see the module docstring."""
    lists = lists or name_lists()
    if not text or not _may_hold_a_name(text, lists):
        return []
    return _Finder(text, lists).spans()


_LOWER_WORD = re.compile(r"[a-z][a-z'-]*")


def _may_hold_a_name(text: str, lists: NameLists) -> bool:
    """Whether any rule could mark something: only a capitalised word or a known given name written
    in lower case can be a name. Most messages are answers like "social worker" or "2 to 5 hours":
    this keeps them from the whole search (a sixth of a web chat turn)."""
    if not text.islower() and any(c.isupper() for c in text):
        return True
    for word in _LOWER_WORD.findall(text.replace("\u2019", "'")):
        base = word.split("'", 1)[0]  # "kelly's"
        if base in lists.given or base.split("-", 1)[0] in lists.given:
            return True
    return False
