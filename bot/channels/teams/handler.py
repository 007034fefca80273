"""Teams as a channel adapter: botbuilder's turn pipeline in, the Bot Connector's REST API out.

``TeamsHandler`` is botbuilder's ActivityHandler: it reads each activity (a message, the bot
added to or removed from a conversation) into an Arrival and hands it to the core runtime.
``TeamsAdapter`` is the adapter interface the runtime sends through: Adaptive Cards, card
updates, personal chats opened for a survey pressed in a channel, Teams' documented limits per
conversation and per tenant, and which connector answers are worth retrying.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.schema import Activity, ChannelAccount

from bot.channels.teams.inbound import (
    CHANNEL,
    PERSONAL,
    address_of,
    conversation_kind,
    from_activity,
    reference,
    tenant_id,
    user_id,
)
from bot.channels.teams.outbound import BotConnector, Sent
from bot.channels.teams.render import render
from bot.inbound import Inbound
from bot.logs import get_logger
from bot.runtime.adapter import Address, Arrival, DeliveryError, Limit, Member, RosterError
from bot.runtime.runtime import Runtime
from dialogs.replies import Answered, Image, Reply

log = get_logger(__name__)
TRIES = 1  # one try per send: the outbox retries, durably
# Documented limits per bot per conversation (sends and updates alike), and per app per tenant.
PER_CONVERSATION = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))
PER_TENANT = (50, 1.0)
NOT_INSTALLED = "not_installed"

ImageUrl = Callable[[Image], Awaitable[str | None]]


class TeamsAdapter:
    """The Teams adapter, on one shared Bot Connector client."""

    name = CHANNEL

    def __init__(self, connector: BotConnector, *, image_url: ImageUrl | None = None) -> None:
        self.connector = connector
        self._image_url = image_url

    def conversation(self, address: Address) -> str:
        """The Teams conversation an address writes to."""
        return str(address.get("conversation") or "")

    def messages(self, address: Address, replies: list[Reply]) -> list[list[Reply]]:
        """One activity per reply."""
        return [[reply] for reply in replies]

    def limits(self, op: str, address: Address) -> tuple[Limit, ...]:
        """Teams' limits for one send or update (keys name the conversation; the core hashes them).

        Opening a personal chat first is a request too: it counts twice against the tenant.
        """
        tenant = Limit(f"teams:tenant:{address.get('tenant') or ''}", *PER_TENANT)
        if not self.conversation(address):
            return (Limit(tenant.key, *PER_TENANT, cost=2),)
        where = f"teams:conversation:{self.conversation(address)}"
        return (*(Limit(where, count, seconds) for count, seconds in PER_CONVERSATION), tenant)

    def opening(self, address: Address) -> tuple[Limit, ...]:
        """Opening a personal chat before an invitation: one request against the tenant."""
        if self.conversation(address) or not address.get("member"):
            return ()
        return (Limit(f"teams:tenant:{address.get('tenant') or ''}", *PER_TENANT),)

    async def open_first(self, address: Address) -> Address:
        """The member's personal chat, opened (Teams gives the same one each time)."""
        return {**address, "conversation": await self._open(address)}

    async def send(self, address: Address, replies: list[Reply]) -> str | None:
        """Send one activity; returns its id (for a later update).

        An address with a ``member`` and no conversation (an invitation to someone the bot has not
        talked to) opens the personal chat first: Teams refuses that where the app is not installed
        for the person, which is a refusal for good.
        """
        [reply] = replies
        conversation = self.conversation(address)
        if not conversation and address.get("member"):
            conversation = await self._open(address)
        sent = await self.connector.send(
            str(address["service_url"]),
            conversation,
            await self._render(reply),
            reply_to=address.get("reply_to"),
            tries=TRIES,
        )
        return _outcome(sent)

    async def edit(self, address: Address, message_id: str, replies: list[Reply]) -> None:
        """Replace a question's card with its answer."""
        done = next((r for r in replies if isinstance(r, Answered)), None)
        if done is None:
            return
        sent = await self.connector.update(
            str(address["service_url"]), self.conversation(address), message_id, render(done), tries=TRIES
        )
        _outcome(sent)

    async def members(self, address: Address, audience: Any) -> list[Member]:
        """The members of this group chat, or of the team this channel belongs to (a standard
        channel's members are its team's), following every page. Raises RosterError."""
        service_url = str(address.get("service_url") or "")
        if audience.kind == "group":
            raise RosterError("In Teams, ask this chat or channel's members, or `for the team`.")
        conversation = self.conversation(address).split(";", 1)[0]
        where = conversation
        if audience.kind == "team" or address.get("team"):
            where = str(address.get("team") or "")
            if not where:
                raise RosterError(
                    "`for the team` works in a team's channel; here I can ask this chat's members."
                )
        if not where or conversation.startswith("a:") or not address.get("bot"):
            raise RosterError("Start a campaign in a team's channel or a group chat.")
        found: list[Member] = []
        continuation: str | None = None
        while True:
            status, page = await self.connector.members_page(service_url, where, continuation=continuation)
            if page is None:
                raise RosterError(
                    "Teams didn't give me the members this time"
                    + (f" (HTTP {status})" if status else "")
                    + ". Please try again in a few minutes."
                )
            for person in page.get("members") or []:
                member_id = str(person.get("id") or "")
                if not member_id:
                    continue
                who = str(person.get("aadObjectId") or member_id)
                direct = {
                    "service_url": service_url, "member": member_id, "tenant": address.get("tenant"),
                    "bot": address.get("bot"),
                }  # fmt: skip
                found.append(Member(who, direct, is_bot=member_id.startswith("28:")))
            continuation = page.get("continuationToken") or None
            if not continuation:
                return found

    async def _open(self, address: Address) -> str:
        tenant = address.get("tenant")
        parameters: dict[str, Any] = {
            "bot": {"id": address.get("bot")},
            "members": [{"id": address["member"]}],
            "isGroup": False,
            "tenantId": tenant,
            "channelData": {"tenant": {"id": tenant}},
        }
        sent = await self.connector.create_conversation(str(address["service_url"]), parameters, tries=TRIES)
        if sent.blocked:
            # Teams refuses a personal chat where the app is not installed for the person: that is
            # about this person only, not the bot being removed from a conversation.
            raise DeliveryError(NOT_INSTALLED, permanent=True)
        opened = _outcome(sent)
        if not opened:
            raise DeliveryError("no_conversation_id", permanent=True)
        return opened

    def standing_address(self, address: Address) -> Address | None:
        """Later messages go to the same chat, or in a channel to the thread they were asked in.

        A channel thread's conversation id names its first message, so a post there lands in the
        thread; it is not a reply to the message that asked.
        """
        return {key: value for key, value in address.items() if key != "reply_to"}

    async def open_direct(self, arrival: Arrival) -> Arrival | None:
        """Open (or find) the sender's personal chat with the bot and move the turn there."""
        address = arrival.reply_to or {}
        service_url, tenant = str(address.get("service_url") or ""), address.get("tenant")
        member, bot = arrival.extra.get("member"), arrival.extra.get("bot")
        parameters: dict[str, Any] = {
            "bot": {"id": bot},
            "members": [{"id": member}],
            "isGroup": False,
            "tenantId": tenant,
            "channelData": {"tenant": {"id": tenant}},
        }
        sent = await self.connector.create_conversation(service_url, parameters)
        if not sent.ok or not sent.id:
            log.warning("teams.personal_chat_failed", status=sent.status)
            return None
        contact = dict(arrival.contact or {})
        contact["conversation"] = {
            **(contact.get("conversation") or {}),
            "id": sent.id,
            "conversationType": PERSONAL,
        }
        contact["user"] = {"id": member}
        direct = {"service_url": service_url, "conversation": sent.id, "tenant": tenant}
        return replace(arrival.to(direct, sent.id, contact=contact), kind=PERSONAL, extra={})

    async def _render(self, reply: Reply) -> dict[str, Any]:
        """A reply as an activity; a chart gets an address the Teams client fetches it from."""
        url = None
        if isinstance(reply, Image) and self._image_url is not None:
            try:
                url = await self._image_url(reply)
            except Exception as exc:  # the chart is described by its alt text instead
                log.warning("teams.image_link_failed", error=type(exc).__name__)
        return render(reply, image_url=url)


def _outcome(sent: Sent) -> str | None:
    if sent.ok:
        return sent.id
    code = sent.detail or (f"HTTP {sent.status}" if sent.status else "no_connection")
    raise DeliveryError(
        code, permanent=not sent.retryable, retry_after=sent.retry_after, blocked=sent.blocked
    )


class TeamsHandler(ActivityHandler):
    """Messages, installs and removals, as botbuilder's ActivityHandler dispatches them."""

    def __init__(self, runtime: Runtime, adapter: TeamsAdapter) -> None:
        self._runtime = runtime
        self._adapter = adapter

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        """Run the message as a turn (its replies go out through the outbox)."""
        activity = turn_context.activity
        arrival = from_activity(activity)
        if arrival is None:
            return
        await self._runtime.take(self._adapter, arrival)

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        """Welcome once when the bot itself is added, and keep the conversation's reference."""
        activity = turn_context.activity
        if _includes_bot(members_added, activity):
            await self._runtime.take(self._adapter, _installed(activity, "installed"))

    async def on_members_removed_activity(
        self, members_removed: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        """The bot was removed: stop writing to this conversation."""
        activity = turn_context.activity
        if _includes_bot(members_removed, activity):
            await self._runtime.take(self._adapter, _installed(activity, "removed"))


def _installed(activity: Activity, event: str) -> Arrival:
    kind = conversation_kind(activity)
    who = user_id(activity) if activity.from_property is not None else ""
    inbound = Inbound(CHANNEL, who, str(activity.conversation.id), is_direct=kind == PERSONAL)
    address = address_of(activity, conversation_id=str(activity.conversation.id))
    address["tenant"] = tenant_id(activity)
    return Arrival(inbound, address, contact=reference(activity), kind=kind, event=event)


def _includes_bot(members: list[ChannelAccount], activity: Activity) -> bool:
    bot = getattr(activity.recipient, "id", None)
    return bool(bot) and any(getattr(member, "id", None) == bot for member in members or [])
