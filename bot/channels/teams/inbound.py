"""Teams activities as the core's neutral Inbound messages.

A typed message carries ``text``; a card's ``Action.Submit`` carries ``value`` (the button's data
merged with the card's inputs, as strings) and no text. In channels and group chats the bot only
sees messages that mention it, and the mention is removed before parsing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from botbuilder.schema import Activity

from bot.channels.teams.render import CHOICE_INPUT, CHOICES_INPUT, TEXT_INPUT
from bot.inbound import Inbound
from bot.privacy import redact

CHANNEL = "teams"
PERSONAL = "personal"
# Commands that open a survey: pressed in a channel, they run in the user's personal chat.
PRIVATE_PRESSES = {"start", "resume"}


@dataclass(frozen=True, slots=True)
class Arrival:
    """An inbound message and where its turn runs."""

    inbound: Inbound
    kind: str
    to_personal: bool = False


def conversation_kind(activity: Activity) -> str:
    """``personal``, ``channel`` or ``groupChat`` (the Emulator sends none: personal)."""
    conversation = activity.conversation
    kind = getattr(conversation, "conversation_type", None)
    if kind:
        return str(kind)
    return "groupChat" if getattr(conversation, "is_group", False) else PERSONAL


def user_id(activity: Activity) -> str:
    """The Entra object id (what role settings name as ``teams:<id>``), else the Teams user id."""
    sender = activity.from_property
    return str(getattr(sender, "aad_object_id", None) or getattr(sender, "id", "") or "")


def tenant_id(activity: Activity) -> str | None:
    """The Microsoft 365 tenant the activity came from."""
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = data.get("tenant")
    if isinstance(tenant, dict) and tenant.get("id"):
        return str(tenant["id"])
    return getattr(activity.conversation, "tenant_id", None)


def message_key(activity: Activity) -> str:
    """The id a turn is de-duplicated by: Teams activity ids are only unique within a conversation."""
    where = hashlib.sha256(str(activity.conversation.id).encode()).hexdigest()[:16]
    return f"{activity.id}:{where}"


def from_activity(activity: Activity) -> Arrival | None:
    """The message as an Inbound, or None when there is nothing for the bot in it."""
    if activity.conversation is None or activity.from_property is None or not user_id(activity):
        return None
    kind = conversation_kind(activity)
    personal = kind == PERSONAL
    value, typed = card_value(activity.value)
    if value is None:
        if not personal and not mentions_bot(activity):
            return None
        typed = without_bot_mention(activity).strip() or (None if personal else "help")
        if typed is None:
            return None
    elif not personal and "q" in value:
        return None  # surveys never run in channels, so no question card there has a live button
    to_personal = not personal and value is not None and value.get("cmd") in PRIVATE_PRESSES
    inbound = Inbound(
        channel=CHANNEL,
        user_id=user_id(activity),
        conversation_id=str(activity.conversation.id),
        message_id=message_key(activity) if activity.id else None,
        text=typed,
        value=value,
        is_direct=personal,
    )
    return Arrival(inbound, kind, to_personal)


def card_value(value: Any) -> tuple[dict[str, Any] | None, str | None]:
    """A card submit as the core's value, plus the text typed into the card if any."""
    if not isinstance(value, dict):
        return None, None
    if "q" in value:
        answer: dict[str, Any] = {"q": str(value["q"])}
        if TEXT_INPUT in value:
            typed = str(value[TEXT_INPUT] or "")
            # The core redacts only ``text``: redact the answer here too, and pass the typed text
            # on so the turn tells the user what it removed.
            answer["a"] = redact(typed).text
            return answer, typed
        if CHOICES_INPUT in value:
            answer["a"] = [part for part in str(value[CHOICES_INPUT] or "").split(",") if part]
        elif CHOICE_INPUT in value:
            answer["a"] = str(value[CHOICE_INPUT] or "")
        elif "a" in value:
            answer["a"] = value["a"]
        else:
            return None, None
        return answer, None
    if "cmd" in value:
        command = {"cmd": str(value["cmd"])}
        if "survey" in value:
            command["survey"] = str(value["survey"])
        return command, None
    return None, None


def mentions_bot(activity: Activity) -> bool:
    """Whether the message has a mention entity naming the bot."""
    return bool(_bot_mentions(activity))


def without_bot_mention(activity: Activity) -> str:
    """The text without the bot's ``<at>...</at>`` mention.

    ``TurnContext.remove_recipient_mention`` uses the bot's display name as a regular expression
    and fails on entities without ``mentioned``; a literal removal has neither problem.
    """
    text = str(activity.text or "")
    for mention in _bot_mentions(activity):
        shown = mention.get("text")
        if isinstance(shown, str) and shown:
            text = text.replace(shown, " ")
    return " ".join(text.split())


def reference(
    activity: Activity, *, conversation_id: str | None = None, kind: str | None = None
) -> dict[str, Any]:
    """What a later message to this conversation needs: no names, no Entra ids."""
    kind = kind or conversation_kind(activity)
    ref: dict[str, Any] = {
        "channelId": activity.channel_id,
        "serviceUrl": activity.service_url,
        "conversation": {
            "id": conversation_id or activity.conversation.id,
            "conversationType": kind,
            "tenantId": tenant_id(activity),
        },
        "bot": {"id": getattr(activity.recipient, "id", None)},
    }
    if kind == PERSONAL:
        ref["user"] = {"id": activity.from_property.id}
    return ref


def _bot_mentions(activity: Activity) -> list[dict[str, Any]]:
    bot = getattr(activity.recipient, "id", None)
    found = []
    for entity in activity.entities or []:
        if str(getattr(entity, "type", "")).lower() != "mention":
            continue
        props = getattr(entity, "additional_properties", None) or {}
        mentioned = props.get("mentioned")
        if isinstance(mentioned, dict) and bot and mentioned.get("id") == bot:
            found.append(props)
    return found
