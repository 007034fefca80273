"""The round trip, once, for every channel.

A channel adapter reads a platform request into an ``Arrival`` and hands it here. The runtime
keeps one user's messages in order, opens a direct conversation where a survey must run in
private, keeps conversation references worth writing to later, runs the turn (which recognises a
message seen before, redacts every string the user sent, and writes the answers with the replies'
outbox rows in one transaction) and hands the rows to the dispatcher, which sends them at once.
Channels that answer in the request itself (the web chat) use ``respond`` instead.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import replace
from functools import partial
from typing import Any

from sqlalchemy import Connection

from bot.background import BackgroundTasks
from bot.logs import failure, get_logger
from bot.runtime.adapter import Arrival, ChannelAdapter, DirectOpener
from bot.runtime.delivery import Outgoing
from bot.runtime.dispatcher import Dispatcher
from bot.turn import TurnHandler, TurnOutcome, utcnow
from bot.turn_order import TurnOrder
from dialogs import conversation
from dialogs.replies import Reply, Text
from storage import channels
from storage.outbox import QueuedMessage

log = get_logger(__name__)
REFRESH_REFERENCE_AFTER = 600.0
MAX_REMEMBERED = 10_000
COULD_NOT_OPEN = Text(
    "I couldn't open a private chat with you. Send me a direct message to start the survey."
)


class Runtime:
    """Runs every channel's turns and sends their replies through the outbox."""

    def __init__(
        self, turns: TurnHandler, dispatcher: Dispatcher, tasks: BackgroundTasks, *, holder: str
    ) -> None:
        self.turns = turns
        self.dispatcher = dispatcher
        self.tasks = tasks
        self.holder = holder
        self.keys = turns.keys
        self.db = turns.db
        self._order = TurnOrder()
        self._stored: dict[str, tuple[str, float]] = {}

    def register(self, adapter: ChannelAdapter) -> None:
        """Send this channel's outbox messages through ``adapter``."""
        self.dispatcher.register(adapter)

    def later(self, work: Coroutine[Any, Any, Any], *, name: str) -> None:
        """Run ``work`` after the platform has had its answer (tracked, drained on shutdown)."""
        self.tasks.spawn(work, name=name)

    def receive(self, adapter: ChannelAdapter, arrival: Arrival | None) -> None:
        """Take an arrival after the platform has had its answer: the work runs in the background."""
        if arrival is not None:
            self.tasks.spawn(self.take(adapter, arrival), name=f"{adapter.name}.turn")

    async def take(self, adapter: ChannelAdapter, arrival: Arrival) -> None:
        """Handle an arrival now, after the earlier ones of the same user; failures are logged."""
        async with self._order.one_at_a_time(_order_key(arrival)):
            try:
                await self._handle(adapter, arrival)
            except Exception as exc:
                log.error("turn.failed", channel=adapter.name, arrival=arrival.event, **failure(exc))

    async def respond(self, arrival: Arrival) -> TurnOutcome:
        """A turn whose replies are the answer to the request itself (the web chat, the terminal)."""
        async with self._order.one_at_a_time(_order_key(arrival)):
            return await self.turns.handle(arrival.inbound)

    async def send(
        self,
        adapter: ChannelAdapter,
        address: Mapping[str, Any],
        replies: list[Reply],
        *,
        purpose: str,
        also: Callable[[Connection], Any] | None = None,
    ) -> None:
        """Write to a conversation without a message first (a welcome, a digest), through the outbox.

        ``also`` runs in the same transaction (what caused the message, recorded with it).
        """
        outgoing = Outgoing(
            adapter, self.keys, address, self.holder, purpose=purpose, lease=self.dispatcher.lease
        )

        def write(conn: Connection) -> list[QueuedMessage]:
            if also is not None:
                also(conn)
            return outgoing.write(conn, replies, now=utcnow())

        self.dispatcher.hand(await self.db.write(write))

    async def send_sealed(
        self,
        channel: str,
        sealed: str,
        replies: list[Reply],
        *,
        purpose: str,
        also: Callable[[Connection], Any] | None = None,
    ) -> str:
        """``send`` to an address kept sealed (a schedule's): ``queued``, or why not.

        ``channel_off`` when the channel is not on in this server, ``blocked`` when the platform
        refused the bot there for good (it was removed): nothing is written then.
        """
        adapter = self.dispatcher.adapters.get(channel)
        if adapter is None:
            return "channel_off"
        address = self.keys.open(sealed)
        key = self.keys.lane(channel, adapter.conversation(address))
        if await self.db.read(partial(channels.is_blocked, channel=channel, conversation_key=key)):
            return "blocked"
        await self.send(adapter, address, replies, purpose=purpose, also=also)
        return "queued"

    async def blocked(self, channel: str, address: Mapping[str, Any], adapter: ChannelAdapter) -> None:
        """The platform refused the bot in a conversation for good: write to it no more."""
        key = self.keys.lane(channel, adapter.conversation(address))
        self._stored.pop(key, None)
        await self.db.write(partial(channels.mark_blocked, channel=channel, conversation_key=key))

    async def _handle(self, adapter: ChannelAdapter, arrival: Arrival) -> None:
        if arrival.event == "removed":
            if arrival.reply_to is not None:
                await self.blocked(adapter.name, arrival.reply_to, adapter)
            return
        if arrival.event == "installed":
            if await self._remember(adapter, arrival, check_first=True) and arrival.reply_to is not None:
                welcome = conversation.welcome(personal=arrival.kind == "personal")
                await self.send(adapter, arrival.reply_to, welcome, purpose="welcome")
            return
        if arrival.event == "home":
            await self._home(adapter, arrival)
            return
        if arrival.extra.get("direct"):
            opened = await self._open_direct(adapter, arrival)
            if opened is None:
                if arrival.reply_to is not None:
                    await self.send(adapter, arrival.reply_to, [COULD_NOT_OPEN], purpose="reply")
                return
            arrival = opened
        if arrival.contact is not None:
            await self._remember(adapter, arrival)
        if arrival.reply_to is None:
            return
        outgoing = Outgoing(
            adapter, self.keys, arrival.reply_to, self.holder,
            clicked=arrival.clicked, clicked_question=arrival.clicked_question, lease=self.dispatcher.lease,
        )  # fmt: skip
        inbound = replace(arrival.inbound, later=adapter.standing_address(arrival.reply_to))
        outcome = await self.turns.handle(inbound, outgoing)
        self.dispatcher.hand(outcome.queued)

    async def _open_direct(self, adapter: ChannelAdapter, arrival: Arrival) -> Arrival | None:
        if not isinstance(adapter, DirectOpener):
            return None
        try:
            return await adapter.open_direct(arrival)
        except Exception as exc:  # a platform refusal: the user is told where they asked
            log.warning("turn.direct_failed", channel=adapter.name, error=type(exc).__name__)
            return None

    async def _home(self, adapter: ChannelAdapter, arrival: Arrival) -> None:
        if arrival.reply_to is None:
            return
        inbound = arrival.inbound
        overview = await self.turns.overview(inbound)
        outgoing = Outgoing(
            adapter, self.keys, arrival.reply_to, self.holder, purpose="home", lease=self.dispatcher.lease
        )
        queued = await self.db.write(lambda conn: outgoing.home(conn, overview, now=utcnow()))
        self.dispatcher.hand(queued)

    async def _remember(
        self, adapter: ChannelAdapter, arrival: Arrival, *, check_first: bool = False
    ) -> bool:
        """Keep the conversation's reference, sealed (skipped when stored recently); True if it was new."""
        if arrival.contact is None or arrival.reply_to is None:
            return False
        inbound = arrival.inbound
        key = self.keys.lane(adapter.name, adapter.conversation(arrival.reply_to))
        contact = self.keys.contact(inbound.channel, inbound.person) if arrival.kind == "personal" else None
        fingerprint = hashlib.sha256(repr((sorted(arrival.contact.items()), contact)).encode()).hexdigest()
        known = self._stored.get(key)
        fresh = known is not None and time.monotonic() - known[1] < REFRESH_REFERENCE_AFTER
        if not check_first and fresh and known is not None and known[0] == fingerprint:
            return False
        if len(self._stored) >= MAX_REMEMBERED:
            self._stored.clear()
        first = await self.db.write(
            partial(
                channels.save_conversation_ref,
                channel=adapter.name,
                conversation_key=key,
                kind=arrival.kind,
                contact=contact,
                reference=self.keys.seal(dict(arrival.contact)),
                now=utcnow(),
            )
        )
        self._stored[key] = (fingerprint, time.monotonic())
        return first


def _order_key(arrival: Arrival) -> str:
    inbound = arrival.inbound
    return f"{inbound.channel}:{inbound.person if inbound.user_id else inbound.conversation_id}"
