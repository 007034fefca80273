"""The word lists name redaction reads from ``content/names``: given names, and words that are not names.

They are content so a council can extend them (``content/names/README.md``). They are loaded once,
on first use, and checked: a missing or malformed file raises ``ContentError`` naming the file and line.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.default_content import default_content_dir
from bot.redaction.tokens import MARK, tokenise
from dialogs.problems import ContentError, ContentProblem

NAMES_DIR = default_content_dir() / "names"
GIVEN_NAMES_FILE = "given-names.txt"
NOT_NAMES_FILE = "not-names.yaml"
NOT_NAME_SECTIONS = ("systems", "organisations", "places")

_GIVEN_NAME_RE = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")
_ENTRY_RE = re.compile(r"[^\W_]+(?:['\u2019 -][^\W_]+)*")


@dataclass(frozen=True, slots=True)
class NameLists:
    """Lower-case words: given names, words never names, single-word places, and multi-word entries.

    ``phrases`` maps a phrase's first word to its words (longest first); a phrase of either list
    is never part of a name.
    """

    given: frozenset[str]
    never: frozenset[str]
    places: frozenset[str]
    phrases: dict[str, tuple[tuple[str, ...], ...]]


def _phrase_words(entry: str) -> tuple[str, ...]:
    return tuple(t.low or t.text.lower() for t in tokenise(entry) if t.kind != MARK)


def _read_given_names(path: Path, problems: list[ContentProblem]) -> set[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        problems.append(ContentProblem(str(path), None, f"cannot read the given names: {exc.strerror}"))
        return set()
    names: set[str] = set()
    for number, line in enumerate(lines, start=1):
        name = line.strip()
        if not name or name.startswith("#"):
            continue
        if not (_GIVEN_NAME_RE.fullmatch(name) and name[0].isupper()):
            problems.append(
                ContentProblem(
                    str(path), number, f"'{name}' is not a given name: one capitalised name a line"
                )
            )
            continue
        names.add(name.lower())
    if not names and not problems:
        problems.append(ContentProblem(str(path), None, "no given names in the file"))
    return names


def _read_not_names(path: Path, problems: list[ContentProblem]) -> dict[str, list[str]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        problems.append(
            ContentProblem(str(path), None, f"cannot read the words that are not names: {exc.strerror}")
        )
        return {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(ContentProblem(str(path), mark.line + 1 if mark else None, f"not valid YAML: {exc}"))
        return {}
    if not isinstance(data, dict):
        problems.append(ContentProblem(str(path), None, f"expected sections {', '.join(NOT_NAME_SECTIONS)}"))
        return {}
    sections: dict[str, list[str]] = {}
    for key, entries in data.items():
        if key not in NOT_NAME_SECTIONS:
            problems.append(
                ContentProblem(
                    str(path), None, f"unknown section '{key}': use {', '.join(NOT_NAME_SECTIONS)}"
                )
            )
            continue
        if not isinstance(entries, list):
            problems.append(ContentProblem(str(path), None, f"section '{key}' must be a list of words"))
            continue
        for entry in entries:
            if not isinstance(entry, str) or not _ENTRY_RE.fullmatch(entry.strip()):
                problems.append(
                    ContentProblem(str(path), None, f"section '{key}': {entry!r} is not a word or phrase")
                )
                continue
            sections.setdefault(key, []).append(entry.strip())
    return sections


def load_name_lists(folder: Path) -> NameLists:
    """Read and check ``given-names.txt`` and ``not-names.yaml`` in ``folder``."""
    problems: list[ContentProblem] = []
    given = _read_given_names(folder / GIVEN_NAMES_FILE, problems)
    sections = _read_not_names(folder / NOT_NAMES_FILE, problems)
    if problems:
        raise ContentError(problems)
    never: set[str] = set()
    places: set[str] = set()
    phrases: dict[str, list[tuple[str, ...]]] = {}
    for key, entries in sections.items():
        for entry in entries:
            words = _phrase_words(entry)
            if len(words) > 1:
                phrases.setdefault(words[0], []).append(words)
            else:
                (places if key == "places" else never).update(words)
    return NameLists(
        given=frozenset(given),
        never=frozenset(never),
        places=frozenset(places),
        phrases={first: tuple(sorted(found, key=len, reverse=True)) for first, found in phrases.items()},
    )


@functools.cache
def name_lists() -> NameLists:
    """The lists in the content folder next to the package, loaded on first use and kept."""
    return load_name_lists(NAMES_DIR)
