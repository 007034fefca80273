"""Neutral replies as Slack Block Kit: the one place that knows Slack's message format.

Every piece of text goes through ``escape`` (users' words and content alike), so nothing the bot
repeats can become ``@channel``, ``@here`` or a disguised link. Block Kit's limits (75 characters
on a button, 10 checkboxes in a group, 100 options in a menu, 3,000 characters in a section) are
kept here too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from dialogs import emphasis, values
from dialogs.replies import (
    FROM_GUIDANCE_HEADING,
    NAMED_ONLY_NOTE,
    OPTIONAL_NOTE,
    SKIP,
    SUGGESTIONS_HEADING,
    SUGGESTIONS_NOTE,
    Answered,
    Choice,
    GuidanceAnswer,
    Image,
    Link,
    Links,
    Notice,
    Prompt,
    Question,
    Reply,
    Text,
)
from dialogs.values import AnswerValue

MAX_BUTTONS = 5
MAX_SECTION = 3000
MAX_LABEL = 75
MAX_OPTIONS = 100
CHECKBOX_GROUP = 10
TYPED_KINDS = {"free_text", "number"}


@dataclass(frozen=True, slots=True)
class Message:
    """A Slack message body: notification ``text`` and its ``blocks``."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        """The ``text`` and ``blocks`` arguments of chat.postMessage and friends."""
        return {"text": self.text, "blocks": self.blocks}


def escape(text: str) -> str:
    """Slack's three control characters as entities: text shows as written and never mentions anyone."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render(reply: Reply) -> Message:
    """One reply as one Slack message (an Image gets its alt text here; it is uploaded as a file)."""
    match reply:
        case Question():
            return _question(reply)
        case Answered():
            return answered(reply)
        case Prompt():
            return Message(_fallback(reply.text), [*_sections(reply.text), *_buttons("cmd", reply.choices)])
        case Links():
            return _links(reply)
        case GuidanceAnswer():
            return guidance_answer(reply)
        case Notice():
            return notice(reply)
        case Image():
            return Message(_fallback(reply.alt_text), _sections(f"*{reply.title}*\n{reply.alt_text}"))
        case Text():
            return Message(_fallback(reply.text), _sections(reply.text))
    raise TypeError(f"no Slack rendering for {type(reply).__name__}")


def answered(reply: Answered) -> Message:
    """A question once answered (or skipped): the question and the answer given, with its buttons gone."""
    said = "Skipped." if reply.skipped else f"\u2705 Your answer: *{escape(reply.answer_label)}*"
    blocks = [*_sections(reply.question_text), {"type": "context", "elements": [_mrkdwn(said)]}]
    return Message(
        _fallback(f"{reply.question_text} {'Skipped.' if reply.skipped else reply.answer_label}"), blocks
    )


def home_view(replies: list[Reply]) -> dict[str, Any]:
    """The App Home tab: where the user left off, the surveys on offer and what the bot can do."""
    blocks: list[dict[str, Any]] = [{"type": "header", "text": _plain("Guidebot")}]
    for reply in replies:
        blocks += render(reply).blocks
        blocks.append({"type": "divider"})
    blocks.append(
        {
            "type": "context",
            "elements": [
                _mrkdwn(
                    "Send me a direct message to take a survey or ask about the guidance. In a channel, "
                    "mention me or use `/guide help`, `/guide survey`, `/guide ask`, `/guide digest`, "
                    "`/guide plan` or `/guide invite`."
                )
            ],
        }
    )
    return {"type": "home", "blocks": blocks[:100]}


def _question(q: Question) -> Message:
    progress = f"{q.progress}: " if q.progress else ""
    heading = f"*{escape(str(q.progress))}*\n" if q.progress else ""
    section = {
        "type": "section",
        "block_id": f"question:{q.question_id}",
        "text": _mrkdwn(_cut(heading + escape(q.text))),
    }
    blocks: list[dict[str, Any]] = [section]
    notes = [q.hint] if q.hint else []
    if q.kind in TYPED_KINDS or not q.choices:
        notes.append("Type your answer" + (f" (up to {q.max_length} characters)." if q.max_length else "."))
    if q.optional:
        notes.append(OPTIONAL_NOTE)
    if notes:
        blocks.append({"type": "context", "elements": [_mrkdwn(escape(" ".join(notes)))]})
    if q.link:
        blocks.append({"type": "context", "elements": [_mrkdwn(_link(q.link))]})
    elements: list[dict[str, Any]] = []
    if q.multiple:
        for start in range(0, min(len(q.choices), MAX_OPTIONS), CHECKBOX_GROUP):
            group = q.choices[start : start + CHECKBOX_GROUP]
            elements.append({"type": "checkboxes", "action_id": f"check:{start}", "options": _options(group)})
        elements.append(_button("submit", Choice("Submit", AnswerValue(q.question_id)), style="primary"))
    elif q.choices and q.kind not in TYPED_KINDS and len(q.choices) <= MAX_BUTTONS:
        elements += [_button(f"answer:{i}", choice) for i, choice in enumerate(q.choices)]
    elif q.choices and q.kind not in TYPED_KINDS:
        elements.append(
            {
                "type": "static_select",
                "action_id": "select",
                "placeholder": _plain("Choose an answer"),
                "options": _options(q.choices[:MAX_OPTIONS]),
            }
        )
    if q.optional:
        elements.append(_button("cmd:skip", SKIP))
    if elements:
        blocks.append({"type": "actions", "block_id": f"answer:{q.question_id}", "elements": elements})
    return Message(_fallback(progress + q.text), blocks)


def _links(reply: Links) -> Message:
    lines = [f"*{escape(reply.title)}*"]
    for link in reply.links:
        line = f"\u2022 <{_url(link.url)}|{escape(link.title)}>"
        lines.append(line + (f": {escape(link.description)}" if link.description else ""))
    blocks = [{"type": "section", "text": _mrkdwn(chunk)} for chunk in _chunks("\n".join(lines))]
    return Message(_fallback(reply.title), blocks)


def notice(reply: Notice) -> Message:
    """A notice: its heading in bold, its paragraphs, and its link (named, never a bare address)."""
    blocks = _sections("\n\n".join([f"*{reply.title}*", *reply.paragraphs]))
    if reply.link is not None:
        blocks.append({"type": "section", "text": _mrkdwn(_link(reply.link))})
    return Message(_fallback(reply.title), blocks)


def guidance_answer(reply: GuidanceAnswer) -> Message:
    """The section's title, what the guidance says, our suggestions with their sources, and its link."""
    guidance = [f"*{FROM_GUIDANCE_HEADING}*"]
    if reply.named_only:
        guidance.append(f"_{NAMED_ONLY_NOTE}_")
    guidance += [f"\u2022 {escape(point)}" for point in reply.from_guidance]
    blocks: list[dict[str, Any]] = [{"type": "header", "text": _plain(reply.title)}]
    blocks += [{"type": "section", "text": _mrkdwn(c)} for c in _chunks("\n".join(guidance))]
    if reply.suggestions:
        ours = [f"*{SUGGESTIONS_HEADING}*", f"_{SUGGESTIONS_NOTE}_"]
        for s in reply.suggestions:
            sources = "; ".join(_link(source) for source in s.sources)
            ours.append(f"\u2022 {escape(s.text)}" + (f" (Source: {sources})" if sources else ""))
        blocks += [{"type": "section", "text": _mrkdwn(c)} for c in _chunks("\n".join(ours))]
    blocks.append({"type": "section", "text": _mrkdwn(_link(reply.guidance))})
    return Message(_fallback(f"{reply.title}: {FROM_GUIDANCE_HEADING.lower()} and suggestions"), blocks)


def _link(link: Link) -> str:
    return f"<{_url(link.url)}|{escape(link.title)}>"


def _sections(text: str) -> list[dict[str, Any]]:
    return [{"type": "section", "text": _mrkdwn(chunk)} for chunk in _chunks(escape(text))]


def _buttons(prefix: str, choices: tuple[Choice, ...]) -> list[dict[str, Any]]:
    if not choices:
        return []
    elements = [_button(f"{prefix}:{i}", choice) for i, choice in enumerate(choices[:25])]
    return [{"type": "actions", "elements": elements}]


def _button(action_id: str, choice: Choice, style: str | None = None) -> dict[str, Any]:
    button = {
        "type": "button",
        "action_id": action_id,
        "text": _plain(choice.label),
        "value": _value(choice),
    }
    if style:
        button["style"] = style
    return button


def _options(choices: tuple[Choice, ...]) -> list[dict[str, Any]]:
    return [{"text": _plain(choice.label), "value": _value(choice)} for choice in choices]


def _value(choice: Choice) -> str:
    return json.dumps(values.encode(choice.value), separators=(",", ":"))


def _plain(text: str) -> dict[str, Any]:
    # plain_text is never parsed for mentions or links, so it is shown as written without entities.
    return {"type": "plain_text", "text": _cut(text, MAX_LABEL), "emoji": True}


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def _fallback(text: str) -> str:
    # A notification is plain text: no marks, a command in quotation marks.
    return _cut(escape(emphasis.plain(text)), MAX_SECTION)


def _url(url: str) -> str:
    if not url.startswith(("https://", "http://", "mailto:")):
        return "about:blank"
    return escape(url).replace("|", "%7C")


def _cut(text: str, limit: int = MAX_SECTION) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _chunks(text: str) -> list[str]:
    """Split text into sections Slack accepts, at line ends where possible."""
    chunks: list[str] = []
    while len(text) > MAX_SECTION:
        cut = text.rfind("\n", 0, MAX_SECTION)
        cut = cut if cut > 0 else MAX_SECTION
        chunks.append(text[:cut])
        text = text[cut:].lstrip("\n")
    return [*chunks, text] if text.strip() else chunks
