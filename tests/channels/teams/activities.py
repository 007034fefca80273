"""Activities shaped as Teams sends them (personal chat, channel mention, card submit, install), and a
tiny card client that reads buttons and inputs out of a recorded Adaptive Card as Teams would.

Every name, id and tenant here is fictional.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

APP_ID = "8a0f6c55-3b1e-4d7a-9c21-5f4e2d1b0a99"
BOT_ID = f"28:{APP_ID}"
TENANT = "c0ffee00-1111-4222-8333-444455556666"
TEAM_CHANNEL = "19:f00dfeed2c1b4c0f9f1a0e5d3c2b1a00@thread.tacv2"
_ids = itertools.count(1732611000001)


@dataclass(frozen=True)
class Person:
    """A fictional member of staff with Teams and Entra ids."""

    name: str
    aad: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def teams_id(self) -> str:
        return f"29:1{self.aad.replace('-', '')[:30]}"

    @property
    def personal_chat(self) -> str:
        return f"a:1{self.aad.replace('-', '')}"


def _base(person: Person, service_url: str, conversation: dict[str, Any], **extra: Any) -> dict[str, Any]:
    activity = {
        "type": "message",
        "id": str(next(_ids)),
        "timestamp": "2026-11-26T09:30:00.000Z",
        "localTimestamp": "2026-11-26T09:30:00.000+00:00",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": person.teams_id, "name": person.name, "aadObjectId": person.aad},
        "conversation": conversation,
        "recipient": {"id": BOT_ID, "name": "Guidebot"},
        "locale": "en-GB",
        "entities": [{"type": "clientInfo", "locale": "en-GB", "country": "GB", "platform": "Web"}],
        "channelData": {"tenant": {"id": TENANT}},
    }
    activity.update(extra)
    return activity


def personal(person: Person, service_url: str, **extra: Any) -> dict[str, Any]:
    """A personal-chat activity from ``person``."""
    conversation = {"conversationType": "personal", "tenantId": TENANT, "id": person.personal_chat}
    return _base(person, service_url, conversation, **extra)


def typed(person: Person, service_url: str, text: str) -> dict[str, Any]:
    """A message typed in the personal chat."""
    return personal(person, service_url, text=text, textFormat="plain")


def submit(
    person: Person, service_url: str, value: dict[str, Any], card_id: str | None = None
) -> dict[str, Any]:
    """An ``Action.Submit`` press in the personal chat: a message with ``value`` and no text."""
    extra: dict[str, Any] = {"value": value}
    if card_id:
        extra["replyToId"] = card_id
    return personal(person, service_url, **extra)


def in_channel(person: Person, service_url: str, text: str | None = None, **extra: Any) -> dict[str, Any]:
    """A channel message; with ``text`` it mentions the bot first, as Teams writes mentions."""
    root = str(next(_ids))
    conversation = {
        "isGroup": True,
        "conversationType": "channel",
        "tenantId": TENANT,
        "id": f"{TEAM_CHANNEL};messageid={root}",
    }
    activity = _base(person, service_url, conversation, **extra)
    activity["channelData"] = {
        "teamsChannelId": TEAM_CHANNEL,
        "teamsTeamId": TEAM_CHANNEL,
        "channel": {"id": TEAM_CHANNEL},
        "team": {"id": TEAM_CHANNEL},
        "tenant": {"id": TENANT},
    }
    if text is not None:
        activity["text"] = f"<at>Guidebot</at> {text}"
        activity["entities"] = [
            {"type": "mention", "text": "<at>Guidebot</at>", "mentioned": {"id": BOT_ID, "name": "Guidebot"}},
            *activity["entities"],
        ]
    return activity


def installed(person: Person, service_url: str, *, channel: bool = False) -> dict[str, Any]:
    """``conversationUpdate``: the bot was added (to the person's chat, or to a team by the person)."""
    activity = in_channel(person, service_url) if channel else personal(person, service_url)
    activity["type"] = "conversationUpdate"
    activity["membersAdded"] = [{"id": BOT_ID}]
    if channel:
        activity["conversation"]["id"] = TEAM_CHANNEL
    return activity


# -- reading a card as the Teams client would ---------------------------------------------------


def text_of(card: dict[str, Any]) -> str:
    """All the card's text, runs joined."""
    lines = []
    for element in _elements(card.get("body", [])):
        if element.get("type") == "RichTextBlock":
            lines.append("".join(run.get("text", "") for run in element.get("inlines", [])))
        elif element.get("type") == "TextBlock":
            lines.append(element.get("text", ""))
    return "\n".join(lines)


def actions_of(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every button on the card."""
    found = list(card.get("actions", []))
    for element in _elements(card.get("body", [])):
        if element.get("type") == "ActionSet":
            found += element.get("actions", [])
    return found


def inputs_of(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every input on the card."""
    return [e for e in _elements(card.get("body", [])) if str(e.get("type", "")).startswith("Input.")]


def press(card: dict[str, Any], answer: str | list[str]) -> dict[str, Any]:
    """What Teams sends when the user gives ``answer`` (labels, or text) and presses the button.

    A button labelled with the answer is pressed if there is one; otherwise the inputs are filled
    (choice titles become their values, several joined with commas, as Teams does) and the
    submit button is pressed. The ``value`` is the button's data merged with the inputs.
    """
    buttons = {a["title"]: a for a in actions_of(card) if a["type"] == "Action.Submit"}
    if isinstance(answer, str) and answer in buttons:
        return dict(buttons[answer]["data"])
    values: dict[str, str] = {}
    for element in inputs_of(card):
        if element["type"] == "Input.Text":
            values[element["id"]] = str(answer)
        elif element["type"] == "Input.ChoiceSet":
            titles = {c["title"]: c["value"] for c in element["choices"]}
            wanted = answer if isinstance(answer, list) else [answer]
            values[element["id"]] = ",".join(titles[label] for label in wanted)
    send = next(a for a in actions_of(card) if a["type"] == "Action.Submit" and a["title"] == "Send")
    return {**send["data"], **values}


def _elements(body: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for element in body:
        out.append(element)
        for key in ("items", "columns"):
            out += _elements(element.get(key, []))
    return out
