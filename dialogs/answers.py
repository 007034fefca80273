"""Turn what a user typed or clicked into an answer to one question, or a short hint why not."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

from dialogs.model import ChoiceDef, QuestionDef, QuestionType

YES_WORDS = {"y", "yes", "yeah", "yep", "yup", "aye", "true"}
NO_WORDS = {"n", "no", "nope", "nah", "false"}
SPLIT = re.compile(r"\s*(?:,|;|/|\band\b|&|\+)\s*|\s+(?=\d)")
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
FUZZY_CUTOFF = 78


@dataclass(frozen=True, slots=True)
class Parsed:
    """A valid answer: the stored value (a choice value, a list of them, a number or text) and its label."""

    value: Any
    label: str
    number: float | None = None
    text: str | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Invalid:
    """Input that does not answer the question, with a one-line hint."""

    hint: str


def parse_answer(question: QuestionDef, text: str | None, value: Any) -> Parsed | Invalid:
    """Read a button value (``value``) or typed text as an answer to ``question``."""
    if question.type == QuestionType.MULTIPLE_CHOICE:
        return _multiple(question, text, value)
    if question.type == QuestionType.NUMBER:
        return _number(question, text if value is None else str(value))
    if question.type == QuestionType.FREE_TEXT:
        return _free_text(question, text if value is None else str(value))
    return _single(question, text, value)


def _single(question: QuestionDef, text: str | None, value: Any) -> Parsed | Invalid:
    choices = question.offered_choices()
    chosen = question.choice(str(value)) if value is not None else match_choice(question, choices, text or "")
    if chosen is None:
        return Invalid(_choice_hint(question, choices))
    return _from_choice(chosen)


def _from_choice(choice: ChoiceDef) -> Parsed:
    number = choice.score
    if number is None and NUMBER.fullmatch(choice.value):
        number = float(choice.value)
    return Parsed(value=choice.value, label=choice.label, number=number, choices=(choice.value,))


def match_choice(question: QuestionDef, choices: list[ChoiceDef], typed: str) -> ChoiceDef | None:
    """The choice a typed answer means: its number, its label or value, or a close spelling of it."""
    said = _normal(typed)
    if not said:
        return None
    if question.type == QuestionType.YES_NO:
        if said in YES_WORDS:
            return choices[0]
        if said in NO_WORDS:
            return choices[1]
    if said.isdigit():
        n = int(said)
        if question.type == QuestionType.SCALE_0_10:
            return question.choice(str(n))
        return choices[n - 1] if 1 <= n <= len(choices) else None
    for choice in choices:
        if said in (_normal(choice.label), _normal(choice.value)):
            return choice
    labels = {i: _normal(c.label) for i, c in enumerate(choices)}
    starts = [i for i, label in labels.items() if label.startswith(said) and len(said) >= 3]
    if len(starts) == 1:
        return choices[starts[0]]
    best = process.extract(said, labels, scorer=fuzz.ratio, limit=2)
    if best and best[0][1] >= FUZZY_CUTOFF and (len(best) == 1 or best[0][1] - best[1][1] >= 5):
        return choices[best[0][2]]
    return None


def _multiple(question: QuestionDef, text: str | None, value: Any) -> Parsed | Invalid:
    choices = question.offered_choices()
    picked: list[ChoiceDef] = []
    if value is not None:
        values = value if isinstance(value, list) else [value]
        for v in values:
            chosen = question.choice(str(v))
            if chosen is None:
                return Invalid(_choice_hint(question, choices))
            picked.append(chosen)
    else:
        whole = match_choice(question, choices, text or "")
        parts = (
            [whole] if whole else [match_choice(question, choices, p) for p in SPLIT.split(text or "") if p]
        )
        if not parts or any(p is None for p in parts):
            return Invalid(_choice_hint(question, choices))
        picked = [p for p in parts if p is not None]
    unique = list(dict.fromkeys(picked))
    if not unique:
        return Invalid("Please choose at least one.")
    if question.max_choices and len(unique) > question.max_choices:
        return Invalid(f"Please choose up to {question.max_choices}.")
    chosen_values = tuple(c.value for c in unique)
    return Parsed(value=list(chosen_values), label=", ".join(c.label for c in unique), choices=chosen_values)


def _number(question: QuestionDef, text: str | None) -> Parsed | Invalid:
    found = NUMBER.search((text or "").replace(",", ""))
    if found is None:
        return Invalid("Please type a number, for example 3.")
    number = float(found.group())
    if question.integer and not number.is_integer():
        return Invalid("Please type a whole number.")
    if (question.min is not None and number < question.min) or (
        question.max is not None and number > question.max
    ):
        return Invalid(f"Please type a number from {_fmt(question.min)} to {_fmt(question.max)}.")
    return Parsed(value=number, label=_fmt(number), number=number)


def _free_text(question: QuestionDef, text: str | None) -> Parsed | Invalid:
    cleaned = (text or "").strip()
    if not cleaned:
        return Invalid("Please type your answer" + (", or type skip." if question.optional else "."))
    limit = question.max_length or 2000
    if len(cleaned) > limit:
        return Invalid(f"Please keep it to {limit} characters (you wrote {len(cleaned)}).")
    return Parsed(value=cleaned, label=cleaned, text=cleaned)


def _choice_hint(question: QuestionDef, choices: list[ChoiceDef]) -> str:
    if question.type == QuestionType.SCALE_0_10:
        return "Please choose a number from 0 to 10."
    if question.type == QuestionType.YES_NO:
        return "Please answer yes or no."
    many = " You can pick several, for example 1, 3." if question.type == QuestionType.MULTIPLE_CHOICE else ""
    return f"Please pick one of the options, or type its number (1 to {len(choices)}).{many}"


def _normal(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]+", " ", text.casefold()).strip().replace("  ", " ")


def _fmt(number: float | None) -> str:
    if number is None:
        return "any"
    return str(int(number)) if float(number).is_integer() else str(number)
