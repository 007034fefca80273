"""Slack payloads as the core's Arrivals: the one place that knows the shapes of Slack's events, clicks and menus.

Every field is checked for its type: a signed payload with a list where an object belongs, or a
number where a string does, is something to ignore, never an exception.

Where replies go (the address, sealed in the outbox) is a small dict: ``channel`` and, in a
channel, ``thread_ts`` (mentions are answered in a thread); ``user`` and ``private`` for replies
only the person who pressed sees (``chat.postEphemeral``); a slash command's ``response_url``,
with ``public`` letting an invitation there be seen by the whole channel; and ``open`` for a
person whose direct message must be opened first.

Slack user ids are unique only within a workspace, so every Inbound carries the user's team id
as its ``workspace`` (the user's own team where Slack says it, as for people from another
workspace in a shared channel); the core then knows the person as ``slack:T0123:U0123``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.inbound import Inbound
from bot.runtime.adapter import Arrival
from dialogs import values
from dialogs.values import AnswerValue, CampaignValue, CommandValue, Value

CHANNEL = "slack"
# Buttons, menus and Submit run a turn; checkboxes only change the form until Submit.
TURN_ACTIONS = re.compile(r"^(answer|select|submit|cmd)(:|$)")
CHECKBOXES = re.compile(r"^check(:|$)")
TO_DM_COMMANDS = {"start", "resume"}
# A campaign's Start and Resume, pressed on the invitation in a channel, also run in a DM.
TO_DM_CAMPAIGN = {"join", "resume"}


def unescape(text: str) -> str:
    """Slack sends ``&``, ``<`` and ``>`` typed by users as entities; the core gets what was typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


# The shape bolt itself relies on before any listener runs: a key present with another type makes
# its middleware raise. Everything deeper is checked by the arrival functions below.
_DICT_OR_STR = (dict, str)
_SHAPE: dict[str, tuple[type, ...]] = {
    "type": (str,),
    "event": (dict,),
    "authorizations": (list,),
    "team": _DICT_OR_STR,
    "enterprise": (*_DICT_OR_STR, type(None)),
    "user": _DICT_OR_STR,
    "channel": _DICT_OR_STR,
    "container": (dict,),
    "actions": (list,),
    "view": (dict,),
    "message": (dict,),
    "state": (dict,),
    "event_id": (str,),
    "team_id": (str,),
    "user_id": (str,),
    "channel_id": (str,),
    "challenge": (str,),
}
_EVENT_SHAPE: dict[str, tuple[type, ...]] = {
    "type": (str,),
    "subtype": (str,),
    "user": _DICT_OR_STR,
    "channel": _DICT_OR_STR,
    "text": (str,),
    "message": (dict,),
    "previous_message": (dict,),
    "team": (str,),
    "user_team": (str,),
    "tab": (str,),
}


def well_formed(body: dict[str, Any]) -> bool:
    """Whether a signed body has the types bolt's own middleware expects (else it is refused, 400)."""
    if not _typed(body, _SHAPE):
        return False
    event = body.get("event")
    if isinstance(event, dict) and not _typed(event, _EVENT_SHAPE):
        return False
    for item in (*(body.get("authorizations") or []), *(body.get("actions") or [])):
        if not isinstance(item, dict):
            return False
    return True


def _typed(found: dict[str, Any], shape: dict[str, tuple[type, ...]]) -> bool:
    return all(key not in found or isinstance(found[key], types) for key, types in shape.items())


def _team(body: dict[str, Any]) -> str | None:
    """The workspace a payload came from: ``team_id`` (events, commands) or ``team.id`` (actions)."""
    return _str(body.get("team_id")) or _str(_dict(body.get("team")).get("id"))


def _event_team(body: dict[str, Any], event: dict[str, Any]) -> str | None:
    """The sender's own team: an event from a shared channel names it in ``user_team``."""
    return _str(event.get("user_team")) or _str(event.get("team")) or _team(body)


def message_arrival(body: dict[str, Any], bot_user_id: str | None) -> Arrival | None:
    """A direct message to the bot, or None for anything to ignore (edits, bots, the bot itself)."""
    event = _dict(body.get("event"))
    if event.get("channel_type") != "im" or not _from_a_person(event, bot_user_id):
        return None
    channel, text, user = _str(event.get("channel")), event.get("text"), event["user"]
    if channel is None or not isinstance(text, str):
        return None
    inbound = Inbound(
        CHANNEL,
        user,
        channel,
        _str(body.get("event_id")),
        text=unescape(text),
        workspace=_event_team(body, event),
    )
    return Arrival(inbound, {"channel": channel, "user": user})


def mention_arrival(body: dict[str, Any], bot_user_id: str | None) -> Arrival | None:
    """A mention of the bot in a channel: answered in a thread, never running a survey there."""
    event = _dict(body.get("event"))
    channel, text = _str(event.get("channel")), event.get("text")
    if not _from_a_person(event, bot_user_id) or channel is None or not isinstance(text, str):
        return None
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(\|[^>]*)?>", " ", text)
    said = unescape(text).strip() or "help"  # a bare mention asks what the bot can do
    user = event["user"]
    inbound = Inbound(
        CHANNEL,
        user,
        channel,
        _str(body.get("event_id")),
        text=said,
        is_direct=False,
        workspace=_event_team(body, event),
    )
    thread = _str(event.get("thread_ts")) or _str(event.get("ts"))
    address = {"channel": channel, "user": user, **({"thread_ts": thread} if thread else {})}
    return Arrival(inbound, address, kind="channel")


def home_arrival(event: dict[str, Any], body: dict[str, Any] | None = None) -> Arrival | None:
    """The App Home tab opened: the user's home screen is to be refreshed."""
    user = _str(event.get("user"))
    if user is None or event.get("tab", "home") != "home":
        return None
    inbound = Inbound(CHANNEL, user, "", workspace=_event_team(body or {}, event))
    return Arrival(inbound, {"user": user, "home": True}, event="home")


def action_arrival(body: dict[str, Any]) -> Arrival | None:
    """A click on a button or a pick in a menu, or None when it is not one of ours."""
    actions = body.get("actions")
    user = _str(_dict(body.get("user")).get("id"))
    team = _str(_dict(body.get("user")).get("team_id")) or _team(body)
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict) or user is None:
        return None
    action = actions[0]
    value = _value_of(action, body)
    if value is None:
        return None
    container = _dict(body.get("container"))
    channel = _str(_dict(body.get("channel")).get("id")) or _str(container.get("channel_id"))
    # Stored only as a keyed hash (the core's message key), so the user id in it is never kept.
    stamp = _str(action.get("action_ts")) or _str(container.get("message_ts")) or ""
    message_id = f"click:{team}:{user}:{stamp}" if team else f"click:{user}:{stamp}"
    if channel is not None and channel.startswith("D"):
        block_id = str(action.get("block_id", ""))
        question = value.question_id if isinstance(value, AnswerValue) else None
        if question is None and block_id.startswith("answer:"):
            question = block_id.removeprefix("answer:")  # Skip, under a question
        inbound = Inbound(CHANNEL, user, channel, message_id, value=value, workspace=team)
        return Arrival(
            inbound,
            {"channel": channel, "user": user},
            clicked=_str(container.get("message_ts")),
            clicked_question=question,
        )
    if channel is None or _opens_survey(value):
        # Surveys run in private: a Start in a channel or on the App Home opens a DM with whoever clicked.
        inbound = Inbound(
            CHANNEL, user, channel or "", message_id, value=value, is_direct=False, workspace=team
        )
        fallback = {"channel": channel, "user": user, "private": True} if channel else None
        return Arrival(inbound, fallback, kind="channel", extra={"direct": True})
    thread = _str(container.get("thread_ts")) or _str(_dict(body.get("message")).get("thread_ts"))
    inbound = Inbound(CHANNEL, user, channel, message_id, value=value, is_direct=False, workspace=team)
    address = {"channel": channel, "user": user, "private": True, **({"thread_ts": thread} if thread else {})}
    return Arrival(inbound, address, kind="channel")


def command_arrival(body: dict[str, Any], text: str, *, in_dm: bool, public: bool) -> Arrival | None:
    """A ``/guide`` command's text for the core: in a DM, or answered through its response URL."""
    user, channel = _str(body.get("user_id")), _str(body.get("channel_id"))
    if user is None or channel is None:
        return None
    trigger = _str(body.get("trigger_id"))
    message_id = f"command:{trigger}" if trigger else None
    inbound = Inbound(CHANNEL, user, channel, message_id, text=text, is_direct=False, workspace=_team(body))
    if in_dm:
        return Arrival(inbound, None, kind="channel", extra={"direct": True})
    address: dict[str, Any] = {"channel": channel, "user": user, "private": True}
    response_url = _str(body.get("response_url"))
    if response_url is not None:
        address |= {"response_url": response_url, "public": public}
    return Arrival(inbound, address, kind="channel")


def _from_a_person(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """Plain messages from people: no edits or joins (subtypes), no bots, not the bot itself."""
    user = event.get("user")
    return (
        isinstance(user, str)
        and bool(user)
        and "subtype" not in event
        and "bot_id" not in event
        and "bot_profile" not in event
        and user != bot_user_id
    )


def _value_of(action: dict[str, Any], body: dict[str, Any]) -> values.Value | None:
    """The choice's value the click sends back; Submit gathers the boxes ticked in its message."""
    action_id = str(action.get("action_id", ""))
    if not TURN_ACTIONS.match(action_id):
        return None
    if action.get("type") == "static_select":
        raw = _dict(action.get("selected_option")).get("value")
    else:
        raw = action.get("value")
    value = _decoded(raw)
    if not isinstance(value, AnswerValue) or not action_id.startswith("submit"):
        return value
    ticked = []
    state_values = _dict(_dict(body.get("state")).get("values"))
    for block in state_values.values():
        for element_id, element in _dict(block).items():
            if not CHECKBOXES.match(str(element_id)):
                continue
            options = _dict(element).get("selected_options")
            for option in options if isinstance(options, list) else []:
                choice = _decoded(_dict(option).get("value"))
                if isinstance(choice, AnswerValue) and choice.question_id == value.question_id:
                    ticked.append(choice.answer)
    return AnswerValue(value.question_id, ticked)


def _decoded(raw: Any) -> values.Value | None:
    if not isinstance(raw, str):
        return None
    try:
        return values.decode(json.loads(raw))
    except (ValueError, RecursionError):
        return None


def _opens_survey(value: Value) -> bool:
    if isinstance(value, CampaignValue):
        return value.action in TO_DM_CAMPAIGN
    return isinstance(value, CommandValue) and value.name in TO_DM_COMMANDS
