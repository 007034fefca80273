"""Neutral replies as the web chat's JSON."""

from __future__ import annotations

import base64
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


def plain(text: str) -> str:
    """Neutral text without its marks: the page shows plain text, a command in quotation marks."""
    return emphasis.plain(text)


def render(reply: Reply) -> dict[str, Any]:
    """One reply as a JSON object with at least ``type`` and ``text``."""
    match reply:
        case Question():
            return {
                "type": "question",
                "text": plain(reply.text),
                "question_id": reply.question_id,
                "survey_id": reply.survey_id,
                "kind": reply.kind,
                "progress": str(reply.progress) if reply.progress else None,
                "hint": plain(reply.hint) if reply.hint else None,
                "optional": reply.optional,
                "optional_note": OPTIONAL_NOTE if reply.optional else None,
                "skip": _choice(SKIP) if reply.optional else None,
                "multiple": reply.multiple,
                "max_choices": reply.max_choices,
                "max_length": reply.max_length,
                "choices": [_choice(c) for c in reply.choices],
                "link": _link(reply.link) if reply.link else None,
            }
        case GuidanceAnswer():
            return guidance_answer(reply)
        case Answered():
            return {
                "type": "answered",
                "text": plain(reply.question_text),
                "question_id": reply.question_id,
                "answer": reply.answer_label,
            }
        case Prompt():
            return {
                "type": "prompt",
                "text": plain(reply.text),
                "choices": [{"label": c.label, "value": values.encode(c.value)} for c in reply.choices],
            }
        case Links():
            return {
                "type": "links",
                "text": plain(reply.title),
                "links": [
                    {"title": link.title, "url": link.url, "description": link.description}
                    for link in reply.links
                ],
            }
        case Notice():
            return {
                "type": "notice",
                "text": plain(reply.title),
                "paragraphs": [plain(p) for p in reply.paragraphs],
                "link": _link(reply.link) if reply.link else None,
            }
        case Image():
            data = base64.b64encode(reply.png).decode()
            return {
                "type": "image",
                "text": plain(reply.title),
                "alt": reply.alt_text,
                "src": f"data:image/png;base64,{data}",
            }
        case Text():
            return {"type": "text", "text": plain(reply.text)}
    raise TypeError(f"no web rendering for {type(reply).__name__}")


def _choice(choice: Choice) -> dict[str, Any]:
    return {"label": choice.label, "value": values.encode(choice.value)}


def _link(link: Link) -> dict[str, str]:
    return {"title": link.title, "url": link.url, "description": link.description}


def guidance_answer(reply: GuidanceAnswer) -> dict[str, Any]:
    """A guidance answer: its two parts under their headings, the suggestions' sources, and its link."""
    return {
        "type": "guidance",
        "text": plain(reply.title),
        "from_guidance": {
            "heading": FROM_GUIDANCE_HEADING,
            "note": NAMED_ONLY_NOTE if reply.named_only else None,
            "points": [plain(point) for point in reply.from_guidance],
        },
        "suggestions": {
            "heading": SUGGESTIONS_HEADING,
            "note": SUGGESTIONS_NOTE,
            "items": [
                {"text": plain(s.text), "sources": [_link(source) for source in s.sources]}
                for s in reply.suggestions
            ],
        },
        "guidance_link": _link(reply.guidance),
    }
