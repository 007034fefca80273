"""What every channel's message goes through first: readable strings, and identifiers redacted.

Every string the user sent, typed or inside a pressed or submitted value, is checked and then
redacted before the turn (or a log line) sees it. A string with a NUL character or half of a
surrogate pair cannot be stored (PostgreSQL refuses NUL; neither can be encoded as UTF-8): the
message is refused politely instead. A message over the length limit is refused too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.inbound import Inbound
from bot.privacy import Redaction
from dialogs.replies import Text
from dialogs.values import AnswerValue, CampaignValue, CommandValue, Value

UNREADABLE = Text(
    "Sorry, I could not read that message: it has characters I can't store. Please type it again."
)


@dataclass(frozen=True, slots=True)
class Checked:
    """An inbound message with every string redacted, and what was removed: one kind per identifier."""

    inbound: Inbound
    removed: tuple[str, ...]

    @property
    def found(self) -> tuple[str, ...]:
        """The kinds removed, each once, in order of first appearance."""
        return tuple(dict.fromkeys(self.removed))


Redact = Callable[[str], Redaction]


def readable(text: str) -> bool:
    """Whether a string can be stored: no NUL character, no lone surrogate."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_inbound(inbound: Inbound, redact: Redact, *, max_text: int) -> Checked | Text:
    """The message redacted, or the reply that refuses it (unreadable, or too long)."""
    strings = [inbound.user_id, inbound.workspace or "", inbound.conversation_id, inbound.message_id or ""]
    strings.append(inbound.text or "")
    strings += list(_strings_of(inbound.value))
    if not all(readable(s) for s in strings):
        return UNREADABLE
    if inbound.text is not None and len(inbound.text) > max_text:
        return Text(
            f"Sorry, that message is too long for me ({len(inbound.text)} characters). "
            f"Please keep messages under {max_text} characters."
        )
    found: list[str] = []

    def clean(text: str) -> str:
        done = redact(text)
        found.extend(done.removed)
        return done.text

    text = clean(inbound.text) if inbound.text else inbound.text
    value = _redact_value(inbound.value, clean)
    redacted = replace(inbound, text=text, value=value)
    return Checked(redacted, tuple(found))


def _strings_of(value: Value | None) -> list[str]:
    match value:
        case AnswerValue():
            items = value.answer if isinstance(value.answer, list) else [value.answer]
            return [value.question_id, *(i for i in items if isinstance(i, str))]
        case CommandValue():
            return [value.name, value.args]
        case CampaignValue():
            return [value.action, value.campaign_id]
    return []


def _redact_value(value: Value | None, clean: Callable[[str], str]) -> Value | None:
    match value:
        case AnswerValue(answer=str() as answer):
            return replace(value, answer=clean(answer))
        case AnswerValue(answer=list() as answers):
            return replace(value, answer=[clean(a) if isinstance(a, str) else a for a in answers])
        case CommandValue():
            return replace(value, args=clean(value.args)) if value.args else value
    return value
