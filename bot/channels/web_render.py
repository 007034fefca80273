"""Neutral replies as the web chat's JSON."""

from __future__ import annotations

import base64
from typing import Any

from dialogs import values
from dialogs.replies import Answered, Image, Links, Prompt, Question, Reply, Text


def plain(text: str) -> str:
    """Neutral text marks bold as ``*words*``; the web page shows plain text."""
    return text.replace("*", "")


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
                "hint": reply.hint,
                "optional": reply.optional,
                "multiple": reply.multiple,
                "max_choices": reply.max_choices,
                "max_length": reply.max_length,
                "choices": [{"label": c.label, "value": values.encode(c.value)} for c in reply.choices],
            }
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
        case Image():
            data = base64.b64encode(reply.png).decode()
            return {
                "type": "image",
                "text": reply.title,
                "alt": reply.alt_text,
                "src": f"data:image/png;base64,{data}",
            }
        case Text():
            return {"type": "text", "text": plain(reply.text)}
    raise TypeError(f"no web rendering for {type(reply).__name__}")
