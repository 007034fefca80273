"""Neutral replies as JSON, so an outbox row can hold what is to be said until it is sent."""

from __future__ import annotations

import base64
import json
from dataclasses import fields
from typing import Any

from dialogs import values
from dialogs.replies import (
    Answered,
    Choice,
    GuidanceAnswer,
    Image,
    Link,
    Links,
    Notice,
    Progress,
    Prompt,
    Question,
    Reply,
    Suggested,
    Text,
)

_TYPES: dict[str, type] = {
    cls.__name__: cls for cls in (Text, Question, Answered, Prompt, Links, Notice, Image, GuidanceAnswer)
}


def dumps(replies: list[Reply]) -> str:
    """Replies as one JSON text."""
    return json.dumps([_encode(r) for r in replies], separators=(",", ":"))


def loads(text: str) -> list[Reply]:
    """Replies from ``dumps``; raises ValueError when the text is not what ``dumps`` writes."""
    try:
        return [_decode(item) for item in json.loads(text)]
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not stored replies: {exc!r}") from exc


def _encode(reply: Reply) -> dict[str, Any]:
    out: dict[str, Any] = {"type": type(reply).__name__}
    for f in fields(reply):
        value = getattr(reply, f.name)
        if f.name == "choices":
            value = [{"label": c.label, "value": values.encode(c.value)} for c in value]
        elif f.name == "links":
            value = [_link(link) for link in value]
        elif f.name in ("link", "guidance"):
            value = _link(value) if value is not None else None
        elif f.name == "suggestions":
            value = [[s.text, [_link(link) for link in s.sources]] for s in value]
        elif f.name in ("from_guidance", "paragraphs"):
            value = list(value)
        elif f.name == "progress":
            value = [value.number, value.total, value.follow_up] if value is not None else None
        elif f.name == "png":
            value = base64.b64encode(value).decode()
        out[f.name] = value
    return out


def _decode(item: dict[str, Any]) -> Reply:
    cls = _TYPES[item.pop("type")]
    if "choices" in item:
        item["choices"] = tuple(_choice(c) for c in item["choices"])
    if "links" in item:
        item["links"] = tuple(Link(*link) for link in item["links"])
    for name in ("link", "guidance"):
        if item.get(name) is not None:
            item[name] = Link(*item[name])
    if "suggestions" in item:
        item["suggestions"] = tuple(
            Suggested(text, tuple(Link(*link) for link in sources)) for text, sources in item["suggestions"]
        )
    for name in ("from_guidance", "paragraphs"):
        if name in item:
            item[name] = tuple(item[name])
    if item.get("progress") is not None:
        item["progress"] = Progress(*item["progress"])
    if "png" in item:
        item["png"] = base64.b64decode(item["png"])
    reply: Reply = cls(**item)
    return reply


def _link(link: Link) -> list[str]:
    return [link.title, link.url, link.description]


def _choice(raw: dict[str, Any]) -> Choice:
    value = values.decode(raw["value"])
    if value is None:
        raise ValueError("a stored choice has no value")
    return Choice(raw["label"], value)
