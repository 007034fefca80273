"""Teams activities as the core's neutral Inbound messages.

A typed message carries ``text``; a card's ``Action.Submit`` carries ``value`` (the button's data
merged with the card's inputs, as strings) and no text. In channels and group chats the bot only
sees messages that mention it, and the mention is removed before parsing.
"""

from __future__ import annotations

from typing import Any

from botbuilder.schema import Activity

from bot.channels.teams.render import CHOICE_INPUT, CHOICES_INPUT, TEXT_INPUT
from bot.inbound import Inbound
from bot.runtime.adapter import Arrival
from dialogs import values
from dialogs.values import AnswerValue, CampaignValue, CommandValue, Value

CHANNEL = "teams"
PERSONAL = "personal"
# Commands that open a survey: pressed in a channel, they run in the user's personal chat.
PRIVATE_PRESSES = {"start", "resume"}
PRIVATE_CAMPAIGN_PRESSES = {"join", "resume"}


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
    return f"{activity.id}:{activity.conversation.id}"


def address_of(activity: Activity, *, conversation_id: str | None = None) -> dict[str, Any]:
    """Where replies to an activity go: its service URL and conversation (as a reply to it, in a thread)."""
    address: dict[str, Any] = {
        "service_url": activity.service_url,
        "conversation": conversation_id or str(activity.conversation.id),
        "tenant": tenant_id(activity),
    }
    if conversation_id is None and activity.id:
        address["reply_to"] = activity.id
    bot = getattr(activity.recipient, "id", None)
    if bot:
        address["bot"] = str(bot)  # to open personal chats for a campaign started here
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    team = data.get("team")
    if isinstance(team, dict) and team.get("id"):
        address["team"] = str(team["id"])  # to ask Teams for the whole team's members
    return address


def from_activity(activity: Activity) -> Arrival | None:
    """A message activity as an Arrival, or None when there is nothing for the bot in it."""
    if activity.conversation is None or activity.from_property is None or not user_id(activity):
        return None
    kind = conversation_kind(activity)
    personal = kind == PERSONAL
    value = card_value(activity.value)
    typed: str | None = None
    if value is None:
        if activity.value is not None and not activity.text:
            return None  # a submit that is not one of ours
        if not personal and not mentions_bot(activity):
            return None
        typed = without_bot_mention(activity).strip() or (None if personal else "help")
        if typed is None:
            return None
    elif not personal and isinstance(value, AnswerValue):
        return None  # surveys never run in channels, so no question card there has a live button
    to_personal = not personal and (
        (isinstance(value, CommandValue) and value.name in PRIVATE_PRESSES)
        or (isinstance(value, CampaignValue) and value.action in PRIVATE_CAMPAIGN_PRESSES)
    )
    inbound = Inbound(
        channel=CHANNEL,
        user_id=user_id(activity),
        conversation_id=str(activity.conversation.id),
        message_id=message_key(activity) if activity.id else None,
        text=typed,
        value=value,
        is_direct=personal,
    )
    pressed = activity.reply_to_id if isinstance(value, AnswerValue | CommandValue | CampaignValue) else None
    return Arrival(
        inbound,
        address_of(activity),
        clicked=str(pressed) if pressed else None,
        clicked_question=value.question_id if isinstance(value, AnswerValue) else None,
        contact=reference(activity),
        kind=kind,
        extra={
            "direct": True,
            "member": activity.from_property.id,
            "bot": getattr(activity.recipient, "id", None),
        }
        if to_personal
        else {},
    )


def card_value(value: Any) -> Value | None:
    """A card submit as the core's value: the button's data merged with the card's inputs."""
    if not isinstance(value, dict):
        return None
    if isinstance(value.get("q"), str):
        question = value["q"]
        if TEXT_INPUT in value:
            return AnswerValue(question, str(value[TEXT_INPUT] or ""))
        if CHOICES_INPUT in value:
            return AnswerValue(
                question, [part for part in str(value[CHOICES_INPUT] or "").split(",") if part]
            )
        if CHOICE_INPUT in value:
            return AnswerValue(question, str(value[CHOICE_INPUT] or ""))
    return values.decode(value)


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
