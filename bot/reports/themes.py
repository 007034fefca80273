"""Themes for free-text answers: the categories of a survey's own multiple-choice question.

A frustration is grouped under the task list's categories ("Entering the same data twice"...), a
wish under the desired outcomes. The labels come from the survey files; only the words that signal
each category live here, keyed by the choice's value. A choice with no entry is matched by the
longer words of its label, so a council that adds a choice still gets a theme for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dialogs.model import QuestionDef, QuestionType, SurveyDef

KEYWORDS: dict[str, tuple[str, ...]] = {
    # pain-points: tasks
    "recording-visits": (
        "recording",
        "record a visit",
        "visit",
        "case note",
        "case-note",
        "write up",
        "typing up",
    ),
    "assessments-plans": ("assessment", "care plan", "plans", "template", "report writing"),
    "finding-information": ("find", "finding", "looking for", "history", "chronology", "where things are"),
    "double-entry": (
        "twice",
        "double",
        "re-enter",
        "reenter",
        "duplicate",
        "same information",
        "copy and paste",
    ),
    "reports-returns": ("return", "report", "data quality", "statistic", "performance"),
    "sharing-partners": ("partner", "health", "police", "school", "share", "sharing", "agencies"),
    "working-away": (
        "laptop",
        "phone",
        "tablet",
        "mobile",
        "remote",
        "home",
        "in the car",
        "offline",
        "signal",
    ),
    "search": ("search",),
    "speed": (
        "slow",
        "freez",
        "crash",
        "logs me out",
        "logged out",
        "time out",
        "timed out",
        "times out",
        "loading",
        "goes down",
    ),
    "training-support": ("training", "trained", "help desk", "helpdesk", "support", "guide", "how to"),
    # desired-outcomes: outcomes
    "more-time-with-families": ("time with", "families", "children", "direct work", "less time"),
    "find-information-fast": ("find", "quick", "history", "at a glance"),
    "enter-once": ("once", "twice", "double", "re-enter", "duplicate"),
    "work-anywhere": ("phone", "tablet", "mobile", "laptop", "anywhere", "offline", "on the go"),
    "single-view": ("whole", "one place", "single view", "chronology", "history", "family"),
    "share-safely": ("share", "partner", "health", "police", "school"),
    "easier-returns": ("return", "report", "statistic"),
    "better-templates": ("form", "template", "fit", "shorter", "relevant"),
    "reliable-fast": ("fast", "quick", "slow", "reliable", "crash", "freez", "logged out"),
    "be-consulted": ("ask", "consult", "listen", "involve", "say in"),
}
_STOP = {
    "with",
    "from",
    "that",
    "this",
    "they",
    "your",
    "their",
    "more",
    "less",
    "away",
    "only",
    "else",
    "something",
}


@dataclass(frozen=True, slots=True)
class ThemeDef:
    """A theme: the choice value it follows, its label, and the words that signal it."""

    key: str
    label: str
    keywords: tuple[str, ...]


def themes_for(survey: SurveyDef, free_text: QuestionDef) -> list[ThemeDef]:
    """The themes for a free-text question: the options of the survey's first multiple-choice question."""
    if free_text.type != QuestionType.FREE_TEXT:
        raise ValueError(f"'{free_text.id}' is not a free-text question")
    categories = next((q for q in survey.questions if q.type == QuestionType.MULTIPLE_CHOICE), None)
    if categories is None:
        return []
    themes = []
    for choice in categories.offered_choices():
        if choice.value == "other":
            continue
        words = KEYWORDS.get(choice.value) or _label_words(choice.label)
        if words:
            themes.append(ThemeDef(choice.value, choice.label, words))
    return themes


def _label_words(label: str) -> tuple[str, ...]:
    return tuple(w for w in re.findall(r"[a-z]+", label.casefold()) if len(w) > 3 and w not in _STOP)
