"""Slack payloads as the core's neutral Inbound, with where in Slack the replies go.

This is the one place that knows the shapes of Slack's events, button clicks and menus.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any

from bot.inbound import Inbound

CHANNEL = "slack"
# Buttons, menus and Submit run a turn; checkboxes only change the form until Submit.
TURN_ACTIONS = re.compile(r"^(answer|select|submit|cmd)(:|$)")
CHECKBOXES = re.compile(r"^check(:|$)")
TO_DM_COMMANDS = {"start", "resume"}


@dataclass(frozen=True, slots=True)
class ReplyTo:
    """Where a turn's replies go in Slack.

    ``channel`` is None when a direct message has to be opened first (a Start button clicked in a
    channel or on the App Home). ``clicked_ts`` is the message whose button answered or skipped
    ``clicked_question``: it is updated in place (from ``clicked_blocks`` when skipped). ``private``
    replies are seen only by the user; ``response_url`` is a slash command's, where its replies go,
    and ``public`` lets an invitation there be seen by the whole channel.
    """

    channel: str | None
    thread_ts: str | None = None
    clicked_ts: str | None = None
    clicked_question: str | None = None
    clicked_blocks: tuple[dict[str, Any], ...] = ()
    private: bool = False
    response_url: str | None = None
    public: bool = False


@dataclass(frozen=True, slots=True)
class SlackTurn:
    """One message for the core, and where its replies go."""

    inbound: Inbound
    reply_to: ReplyTo
    clicked: bool = False

    def in_conversation(self, channel: str) -> SlackTurn:
        """The same turn in a direct message just opened."""
        return SlackTurn(
            replace(self.inbound, conversation_id=channel, is_direct=True),
            replace(self.reply_to, channel=channel),
            self.clicked,
        )


def unescape(text: str) -> str:
    """Slack sends ``&``, ``<`` and ``>`` typed by users as entities; the core gets what was typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def message_turn(body: dict[str, Any], bot_user_id: str | None) -> SlackTurn | None:
    """A direct message to the bot, or None for anything to ignore (edits, bots, the bot itself)."""
    event = body.get("event") or {}
    if event.get("channel_type") != "im" or not _from_a_person(event, bot_user_id):
        return None
    channel, text = event.get("channel"), event.get("text")
    if not isinstance(channel, str) or not isinstance(text, str):
        return None
    inbound = Inbound(CHANNEL, event["user"], channel, body.get("event_id"), text=unescape(text))
    return SlackTurn(inbound, ReplyTo(channel))


def mention_turn(body: dict[str, Any], bot_user_id: str | None) -> SlackTurn | None:
    """A mention of the bot in a channel: answered in a thread, never running a survey there."""
    event = body.get("event") or {}
    channel, text = event.get("channel"), event.get("text")
    if not _from_a_person(event, bot_user_id) or not isinstance(channel, str) or not isinstance(text, str):
        return None
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(\|[^>]*)?>", " ", text)
    said = unescape(text).strip() or "help"  # a bare mention asks what the bot can do
    inbound = Inbound(CHANNEL, event["user"], channel, body.get("event_id"), text=said, is_direct=False)
    return SlackTurn(inbound, ReplyTo(channel, thread_ts=event.get("thread_ts") or event.get("ts")))


def action_turn(body: dict[str, Any]) -> SlackTurn | None:
    """A click on a button or a pick in a menu, or None when it is not one of ours."""
    actions = body.get("actions") or []
    user = (body.get("user") or {}).get("id")
    if not actions or not isinstance(user, str):
        return None
    action = actions[0]
    value = _value_of(action, body)
    if value is None:
        return None
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
    message_id = f"click:{user}:{action.get('action_ts') or container.get('message_ts')}"
    if isinstance(channel, str) and channel.startswith("D"):
        block_id = str(action.get("block_id", ""))
        question = value.get("q") if isinstance(value.get("q"), str) else None
        if question is None and block_id.startswith("answer:"):
            question = block_id.removeprefix("answer:")  # Skip, under a question
        blocks = tuple((body.get("message") or {}).get("blocks") or ())
        reply_to = ReplyTo(
            channel, clicked_ts=container.get("message_ts"), clicked_question=question, clicked_blocks=blocks
        )
        return SlackTurn(Inbound(CHANNEL, user, channel, message_id, value=value), reply_to, clicked=True)
    if not isinstance(channel, str) or value.get("cmd") in TO_DM_COMMANDS:
        # Surveys run in private: a Start in a channel or on the App Home opens a DM with whoever clicked.
        return SlackTurn(Inbound(CHANNEL, user, "", message_id, value=value), ReplyTo(None), clicked=True)
    inbound = Inbound(CHANNEL, user, channel, message_id, value=value, is_direct=False)
    thread = container.get("thread_ts") or (body.get("message") or {}).get("thread_ts")
    return SlackTurn(inbound, ReplyTo(channel, thread_ts=thread, private=True), clicked=True)


def command_turn(body: dict[str, Any], text: str, *, in_dm: bool, public: bool) -> SlackTurn | None:
    """A ``/guide`` command's text for the core: in a DM, or answered through its response URL."""
    user, channel = body.get("user_id"), body.get("channel_id")
    if not isinstance(user, str) or not isinstance(channel, str):
        return None
    message_id = f"command:{body.get('trigger_id')}" if body.get("trigger_id") else None
    if in_dm:
        return SlackTurn(Inbound(CHANNEL, user, "", message_id, text=text), ReplyTo(None))
    inbound = Inbound(CHANNEL, user, channel, message_id, text=text, is_direct=False)
    response_url = body.get("response_url") if isinstance(body.get("response_url"), str) else None
    return SlackTurn(inbound, ReplyTo(channel, private=True, response_url=response_url, public=public))


def _from_a_person(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """Plain messages from people: no edits or joins (subtypes), no bots, not the bot itself."""
    user = event.get("user")
    return (
        isinstance(user, str)
        and "subtype" not in event
        and "bot_id" not in event
        and "bot_profile" not in event
        and user != bot_user_id
    )


def _value_of(action: dict[str, Any], body: dict[str, Any]) -> dict[str, Any] | None:
    """The choice's value the click sends back; Submit gathers the boxes ticked in its message."""
    action_id = str(action.get("action_id", ""))
    if not TURN_ACTIONS.match(action_id):
        return None
    if action.get("type") == "static_select":
        raw = (action.get("selected_option") or {}).get("value")
    else:
        raw = action.get("value")
    value = _json_dict(raw)
    if value is None or not action_id.startswith("submit"):
        return value
    ticked = []
    for block in ((body.get("state") or {}).get("values") or {}).values():
        for element_id, element in block.items():
            if CHECKBOXES.match(element_id):
                for option in element.get("selected_options") or []:
                    choice = _json_dict(option.get("value"))
                    if choice is not None and choice.get("q") == value.get("q"):
                        ticked.append(choice.get("a"))
    return {"q": value.get("q"), "a": ticked}


def _json_dict(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, str):
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) and ("q" in value or "cmd" in value) else None
