"""What a button, menu or card sends back, as typed values, and their one wire format.

Channels put a choice's value into their platform's payload as a small JSON object and read it
back when the user picks it; ``encode`` and ``decode`` are the only code that knows its keys
(``{"q": question, "a": answer}``, ``{"cmd": command, "survey": argument}``,
``{"cmd": "campaign", "do": action, "campaign": id}``), which are also the
web chat's documented API. Everything between the channels and the dialogs passes the typed values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeGuard

MAX_ID = 100
MAX_ITEMS = 50


@dataclass(frozen=True, slots=True)
class AnswerValue:
    """An answer to question ``question_id``: a choice's value, several (a list), a number or typed text."""

    question_id: str
    answer: Any = None


@dataclass(frozen=True, slots=True)
class CommandValue:
    """A command pressed rather than typed (``skip``, ``start`` with a survey id as ``args``...)."""

    name: str
    args: str = ""


@dataclass(frozen=True, slots=True)
class FeedbackValue:
    """The asker's "was this helpful?" about one guidance answer."""

    answer_id: str
    helpful: bool


@dataclass(frozen=True, slots=True)
class SectionValue:
    """A guidance section picked from a "not sure" answer's choices, for the question ``answer_id``."""

    section_id: str
    answer_id: str


@dataclass(frozen=True, slots=True)
class CampaignValue:
    """A campaign's button: ``confirm`` or ``cancel`` (the manager's), ``join``, ``decline`` or
    ``resume`` (an invited person's), for campaign ``campaign_id``."""

    action: str
    campaign_id: str


CAMPAIGN_ACTIONS = frozenset({"confirm", "cancel", "join", "decline", "resume"})

Value = AnswerValue | CommandValue | FeedbackValue | SectionValue | CampaignValue


def encode(value: Value) -> dict[str, Any]:
    """A value as the small JSON object channels carry in their payloads."""
    match value:
        case AnswerValue():
            return {"q": value.question_id, **({"a": value.answer} if value.answer is not None else {})}
        case FeedbackValue():
            return {"cmd": "feedback", "answer": value.answer_id, "helpful": value.helpful}
        case SectionValue():
            return {"cmd": "section", "section": value.section_id, "answer": value.answer_id}
        case CampaignValue():
            return {"cmd": "campaign", "do": value.action, "campaign": value.campaign_id}
        case CommandValue():
            return {"cmd": value.name, **({"survey": value.args} if value.args else {})}
    raise TypeError(f"not a value: {value!r}")


def decode(raw: Any) -> Value | None:
    """The value a payload carried, or None when it is not one of ours (or is malformed).

    Only the shapes ``encode`` writes are accepted; an answer may be a string, a number, a boolean
    or a short list of strings and numbers (checkboxes).
    """
    if not isinstance(raw, dict):
        return None
    question = raw.get("q")
    if question is not None:
        if not _short(question) or not _answer_ok(raw.get("a")):
            return None
        return AnswerValue(question, raw.get("a"))
    command = raw.get("cmd")
    if not _short(command):
        return None
    if command == "feedback":
        answer, helpful = raw.get("answer"), raw.get("helpful")
        if not _short(answer) or not isinstance(helpful, bool):
            return None
        return FeedbackValue(answer, helpful)
    if command == "section":
        section, answer = raw.get("section"), raw.get("answer")
        if not _short(section) or not _short(answer):
            return None
        return SectionValue(section, answer)
    if command == "campaign" and "do" in raw:
        action, campaign = raw.get("do"), raw.get("campaign")
        if action not in CAMPAIGN_ACTIONS or not _short(campaign):
            return None
        return CampaignValue(action, campaign)
    args = raw.get("survey", "")
    if args is None:
        args = ""
    if not isinstance(args, str) or len(args) > MAX_ID:
        return None
    return CommandValue(command, args)


def answer_to(value: Value | None) -> str | None:
    """The question a value answers, if it is an answer."""
    return value.question_id if isinstance(value, AnswerValue) else None


def _short(text: Any) -> TypeGuard[str]:
    return isinstance(text, str) and 0 < len(text) <= MAX_ID


def _scalar_ok(item: Any) -> bool:
    return item is None or isinstance(item, str | int | float | bool)


def _answer_ok(answer: Any) -> bool:
    if isinstance(answer, list):
        return len(answer) <= MAX_ITEMS and all(isinstance(i, str | int | float) for i in answer)
    return _scalar_ok(answer)
