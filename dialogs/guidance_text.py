"""Turning guidance text and staff questions into comparable terms: words, stems and British spelling."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable, Iterable

WORD = re.compile(r"[a-z0-9]+")


def _bm25s_stopwords() -> tuple[str, ...]:
    """bm25s's English stopword list, read from its module without importing bm25s itself (which
    loads NumPy: the server starts without it and builds its search index on the first question)."""
    spec = importlib.util.find_spec("bm25s")
    assert spec is not None and spec.submodule_search_locations
    path = f"{spec.submodule_search_locations[0]}/stopwords.py"
    found = importlib.util.spec_from_file_location("_guidebot_bm25s_stopwords", path)
    assert found is not None and found.loader is not None
    module = importlib.util.module_from_spec(found)
    found.loader.exec_module(module)
    return tuple(module.STOPWORDS_EN_PLUS)


# Question words and filler that say nothing about which section is wanted.
STOPWORDS = frozenset(_bm25s_stopwords()) | {
    "also", "could", "would", "may", "might", "must", "shall", "us", "let", "lets", "ok", "okay",
    "please", "thanks", "thank", "hi", "hello", "etc", "eg", "ie", "im", "whats", "anything",
    "like", "want", "wants", "get", "got", "know", "tell", "say", "says",
}  # fmt: skip

# American -> British substitutions tried when a typed word is not in our content; each is only
# accepted if it produces a word we know, so "size" never becomes "sise".
SPELLING_RULES = (("iz", "is"), ("yz", "ys"), ("or", "our"), ("er", "re"), ("og", "ogue"), ("el", "ell"),
                  ("ense", "ence"), ("gm", "gem"), ("ter", "tre"))  # fmt: skip

_DERIVATIONAL = ("ation", "ion", "ment", "ate", "ity")
_IRREGULAR = {"children": "child", "childrens": "child", "people": "person"}
_INFLECTIONAL = ("ing", "ed")


def words(text: str) -> list[str]:
    """Lower-case words and numbers in ``text``, apostrophes dropped ("children's" -> "childrens")."""
    return WORD.findall(text.lower().replace("'", "").replace("\u2019", ""))


def content_words(text: str) -> list[str]:
    """``words`` without stopwords or single letters."""
    return [w for w in words(text) if len(w) > 1 and w not in STOPWORDS]


def stem(word: str) -> str:
    """A light suffix-stripping stem, the same for a word's common forms ("procuring" ~ "procurement").

    Not linguistically exact; it only needs to treat the guidance text and questions the same way.
    """
    if not word.isalpha():
        return word
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) < 4:
        return word[:-1] if len(word) == 3 and word.endswith("e") else word
    word = _singular(word)
    for ending, replacement in (("ility", "le"), ("ysis", "yse")):
        if word.endswith(ending):
            word = word[: -len(ending)] + replacement
    changed = True
    while changed:
        word, changed = _strip_one_suffix(word)
    if word.endswith("e") and len(word) >= 3:
        word = word[:-1]
    if len(word) > 4 and word[-1] == word[-2] and word[-1] not in "aeious":
        word = word[:-1]
    return word


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _strip_one_suffix(word: str) -> tuple[str, bool]:
    if word.endswith("eed"):
        return word[:-1], True
    for suffix in _INFLECTIONAL:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            word = word[: -len(suffix)]
            # "migrating" lost the e of "migrate": put it back so both reach the same stem.
            return (word + "e" if word.endswith("at") else word), True
    for suffix in _DERIVATIONAL:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)], True
    return word, False


def analyse(text: str, to_british: Callable[[str], str] | None = None) -> list[str]:
    """The stems of ``text``'s content words, after ``to_british`` spelling if given."""
    found = content_words(text)
    if to_british is not None:
        found = [to_british(w) for w in found]
    return [stem(w) for w in found]


class SpellingNormaliser:
    """Maps American spellings to the British ones our content uses.

    ``british_by_american`` comes from the glossary's spelling table; the general rules in
    ``SPELLING_RULES`` are only applied when they turn an unknown word into a ``known_stems`` one.
    """

    def __init__(self, british_by_american: dict[str, str], known_stems: Iterable[str] = ()) -> None:
        self._table = dict(british_by_american)
        self._known = frozenset(known_stems)

    def table_only(self, word: str) -> str:
        """The British spelling from the table, or ``word`` unchanged."""
        return self._table.get(word, word)

    def __call__(self, word: str) -> str:
        """The British spelling of ``word``: table first, then rules that land on a known word."""
        if word in self._table:
            return self._table[word]
        if stem(word) in self._known:
            return word
        for american, british in SPELLING_RULES:
            start = word.find(american)
            while start != -1:
                candidate = word[:start] + british + word[start + len(american) :]
                if stem(candidate) in self._known:
                    return candidate
                start = word.find(american, start + 1)
        return word
