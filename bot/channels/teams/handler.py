"""What the bot does with each Teams activity, run by botbuilder's turn pipeline after the HTTP answer.

A message becomes a turn of the core; its replies are rendered and sent through the connector
client, and the open question's card is remembered so that, once answered, it can be replaced by
a card showing the answer. A Start pressed in a channel opens the user's personal chat and runs
there. Adding the bot gets one welcome card; every conversation reference seen is stored, and
``post`` writes to a stored conversation without a message first (scheduled digests).
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any

from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.schema import Activity, ChannelAccount
from sqlalchemy import Connection

from bot.channels.teams.inbound import (
    CHANNEL,
    PERSONAL,
    conversation_kind,
    from_activity,
    reference,
    tenant_id,
    user_id,
)
from bot.channels.teams.outbound import BotConnector, conversation_tag
from bot.channels.teams.render import render, welcome
from bot.inbound import Inbound
from bot.logs import get_logger
from bot.turn import TurnHandler, utcnow
from dialogs.replies import Answered, Image, Question, Reply, Text
from storage.channels import (
    conversation_ref,
    conversation_refs,
    mark_blocked,
    save_conversation_ref,
    set_posted_question,
    take_posted_question,
)
from storage.db import Database

log = get_logger(__name__)
REFRESH_REFERENCE_AFTER = 600.0
MAX_REMEMBERED = 10_000
COULD_NOT_OPEN = Text(
    "I couldn't open a private chat with you. Send me a direct message to start the survey."
)

ImageUrl = Callable[[Image], Awaitable[str | None]]


class Undeliverable(Exception):
    """A post could not be delivered (no reference stored, blocked, or the connector failed); logged."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where a turn's replies go."""

    service_url: str
    conversation_id: str
    reply_to: str | None = None


class TeamsHandler(ActivityHandler):
    """Messages, installs and removals, as botbuilder's ActivityHandler dispatches them."""

    def __init__(
        self,
        *,
        db: Database,
        turns: TurnHandler,
        connector: BotConnector,
        image_url: ImageUrl | None = None,
    ) -> None:
        self._db = db
        self._turns = turns
        self._connector = connector
        self._image_url = image_url
        self._stored: dict[str, tuple[str, float]] = {}

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        """Run the message as a turn and send the replies."""
        activity = turn_context.activity
        arrival = from_activity(activity)
        if arrival is None:
            return
        inbound = arrival.inbound
        await self.remember(activity, self._respondent(inbound, arrival.kind))
        target = Target(activity.service_url, inbound.conversation_id, activity.id)
        if arrival.to_personal:
            opened = await self._open_personal_chat(activity, inbound)
            if opened is None:
                return
            target = opened
            inbound = replace(inbound, conversation_id=target.conversation_id, is_direct=True)
        outcome = await self._turns.handle(inbound)
        if not outcome.duplicate:
            pressed = (
                activity.reply_to_id if isinstance(inbound.value, dict) and "q" in inbound.value else None
            )
            await self.deliver(target, outcome.replies, pressed_card=pressed)

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        """Welcome once when the bot itself is added, and keep the conversation's reference."""
        activity = turn_context.activity
        if not _includes_bot(members_added, activity):
            return
        kind = conversation_kind(activity)
        respondent = self._installer(activity) if kind == PERSONAL else None
        if await self.remember(activity, respondent, report_first=True):
            await self._connector.send(
                activity.service_url, activity.conversation.id, welcome(personal=kind == PERSONAL)
            )

    async def on_members_removed_activity(
        self, members_removed: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        """The bot was removed: stop writing to this conversation."""
        if _includes_bot(members_removed, turn_context.activity):
            await self.blocked(turn_context.activity.conversation.id)

    async def deliver(self, target: Target, replies: list[Reply], *, pressed_card: str | None = None) -> None:
        """Send the replies in order, then replace the answered question's card.

        ``pressed_card`` is the card whose submit carried the answer (Teams sends its id as
        ``replyToId``): that card is replaced without looking up which card was posted last.
        """
        answered: Answered | None = None
        posted: tuple[str, str] | None = None
        for reply in replies:
            if isinstance(reply, Answered):
                answered = reply
                continue
            sent = await self._connector.send(
                target.service_url,
                target.conversation_id,
                await self._render(reply),
                reply_to=target.reply_to,
            )
            if sent.blocked:
                return
            if isinstance(reply, Question) and sent.id:
                posted = (reply.question_id, sent.id)
        if answered is None and posted is None:
            return
        card = pressed_card if answered is not None else None
        previous = None
        if card is None or posted is not None:
            previous = await self._db.write(
                partial(
                    _swap_posted_question,
                    conversation_id=target.conversation_id,
                    posted=posted,
                    now=utcnow(),
                    take=card is None,
                )
            )
        if answered is not None and previous is not None and previous[0] == answered.question_id:
            card = previous[1]
        if answered is not None and card is not None:
            await self._connector.update(target.service_url, target.conversation_id, card, render(answered))

    async def post(self, conversation_id: str, replies: list[Reply]) -> None:
        """Send replies to a conversation whose reference was stored (the core's Sender, for digests).

        A conversation with no reference, or one that refused delivery before, is skipped; that and a
        send that finally fails are logged and raise Undeliverable, so the caller records a failure.
        """
        where = conversation_tag(conversation_id)
        stored = await self._db.read(
            partial(conversation_ref, channel=CHANNEL, conversation_id=conversation_id)
        )
        if stored is None or stored.blocked:
            reason = "no_reference" if stored is None else "blocked"
            log.warning("teams.post_skipped", conversation=where, reason=reason)
            raise Undeliverable(reason)
        ref = stored.reference
        target = Target(ref["serviceUrl"], ref["conversation"]["id"])
        for reply in replies:
            if isinstance(reply, Answered):
                continue
            sent = await self._connector.send(
                target.service_url, target.conversation_id, await self._render(reply)
            )
            if not sent.ok:  # logged by the connector (a 403 has marked the conversation blocked)
                raise Undeliverable("blocked" if sent.blocked else f"status {sent.status}")

    async def remember(
        self, activity: Activity, respondent: str | None, *, report_first: bool = False
    ) -> bool:
        """Store the conversation's reference (skipped when stored recently); True if it was new."""
        ref = reference(activity)
        return await self._store(ref, respondent, report_first=report_first)

    async def blocked(self, conversation_id: str) -> None:
        """Record that Teams refused delivery here (403, or the bot was removed)."""
        self._stored.pop(conversation_id, None)
        await self._db.write(partial(mark_blocked, channel=CHANNEL, conversation_id=conversation_id))

    async def _store(self, ref: dict[str, Any], respondent: str | None, *, report_first: bool) -> bool:
        conversation_id = ref["conversation"]["id"]
        encoded = json.dumps([ref, respondent], sort_keys=True)
        known = self._stored.get(conversation_id)
        fresh = known is not None and time.monotonic() - known[1] < REFRESH_REFERENCE_AFTER
        if not report_first and fresh and known is not None and known[0] == encoded:
            return False
        if len(self._stored) >= MAX_REMEMBERED:
            self._stored.clear()
        first = await self._db.write(
            partial(
                _save_reference,
                conversation_id=conversation_id,
                ref=ref,
                respondent=respondent,
                now=utcnow(),
                check_first=report_first,
            )
        )
        self._stored[conversation_id] = (encoded, time.monotonic())
        return first

    async def _open_personal_chat(self, activity: Activity, inbound: Inbound) -> Target | None:
        tenant = tenant_id(activity)
        parameters: dict[str, Any] = {
            "bot": {"id": activity.recipient.id},
            "members": [{"id": activity.from_property.id}],
            "isGroup": False,
            "tenantId": tenant,
            "channelData": {"tenant": {"id": tenant}},
        }
        sent = await self._connector.create_conversation(activity.service_url, parameters)
        if not sent.ok or not sent.id:
            log.warning("teams.personal_chat_failed", status=sent.status)
            await self.deliver(
                Target(activity.service_url, inbound.conversation_id, activity.id), [COULD_NOT_OPEN]
            )
            return None
        ref = reference(activity, conversation_id=sent.id, kind=PERSONAL)
        await self._store(ref, self._turns.respondent(inbound), report_first=False)
        return Target(activity.service_url, sent.id)

    async def _render(self, reply: Reply) -> dict[str, Any]:
        """A reply as an activity; a chart gets a signed address the Teams client fetches it from."""
        url = None
        if isinstance(reply, Image) and self._image_url is not None:
            try:
                url = await self._image_url(reply)
            except Exception as exc:  # the chart is described by its alt text instead
                log.warning("teams.image_link_failed", error=type(exc).__name__)
        return render(reply, image_url=url)

    def _respondent(self, inbound: Inbound, kind: str) -> str | None:
        # A channel or group chat is no one person's: its reference is kept without a respondent.
        return self._turns.respondent(inbound) if kind == PERSONAL else None

    def _installer(self, activity: Activity) -> str | None:
        if activity.from_property is None or not user_id(activity):
            return None
        return self._turns.respondent(Inbound(CHANNEL, user_id(activity), str(activity.conversation.id)))


def _includes_bot(members: list[ChannelAccount], activity: Activity) -> bool:
    bot = getattr(activity.recipient, "id", None)
    return bool(bot) and any(getattr(member, "id", None) == bot for member in members or [])


def _save_reference(
    conn: Connection,
    *,
    conversation_id: str,
    ref: dict[str, Any],
    respondent: str | None,
    now: datetime,
    check_first: bool,
) -> bool:
    """Store a reference; True when the conversation had none (or only a blocked one) before."""
    kind = ref["conversation"]["conversationType"]
    first = False
    if check_first:
        existing = conversation_refs(conn, channel=CHANNEL, respondent=respondent, kind=kind)
        first = all(stored.conversation_id != conversation_id for stored in existing)
    save_conversation_ref(
        conn,
        channel=CHANNEL,
        conversation_id=conversation_id,
        kind=kind,
        respondent=respondent,
        reference=ref,
        now=now,
    )
    return first


def _swap_posted_question(
    conn: Connection,
    *,
    conversation_id: str,
    posted: tuple[str, str] | None,
    now: datetime,
    take: bool = True,
) -> tuple[str, str] | None:
    """Forget the card of the question that was open (when ``take``), and remember the new one."""
    previous = take_posted_question(conn, channel=CHANNEL, conversation_id=conversation_id) if take else None
    if posted is not None:
        set_posted_question(
            conn,
            channel=CHANNEL,
            conversation_id=conversation_id,
            question_id=posted[0],
            message_id=posted[1],
            now=now,
        )
    return previous
