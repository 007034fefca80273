"""Sending what the outbox holds: at once by the process that wrote it, again after failures and restarts.

Each lane (one conversation) is sent by one task at a time, in order. A send is paced to the
platform's limits first, then tried once; a failure worth retrying (429, 5xx, a lost connection)
waits for the platform's ``Retry-After`` or a backoff with jitter, up to ``MAX_ATTEMPTS`` tries,
then the message is marked failed with the platform's error and logged. A refusal for good is
not retried; a conversation that refuses the bot (it was removed) has its lane given up and is
recorded as blocked. A sweep picks up what no task holds: messages left by a process that
stopped, and (on PostgreSQL) lanes whose claim ran out.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import socket
import uuid
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Connection

from bot.background import BackgroundTasks
from bot.logs import failure, get_logger
from bot.runtime import reply_codec
from bot.runtime.adapter import ChannelAdapter, DeliveryError, HomeScreen, Limit, OpensFirst
from bot.runtime.pacing import Pacer
from bot.sealing import Keys, Unsealable
from dialogs.replies import Question
from storage import outbox
from storage.db import Database
from storage.outbox import EDIT, HOME, POST, QueuedMessage

log = get_logger(__name__)
MAX_ATTEMPTS = 8
BASE_DELAY = 1.0
MAX_DELAY = 300.0
MAX_RETRY_AFTER = 900.0
LEASE = timedelta(seconds=60)
SWEEP_EVERY = 2.0
SWEEP_LANES = 1000
MAX_SENDING = 256
# Sends told to wait for the same moment ask again spread over this much, rather than all at once.
PACING_JITTER = 0.01
DONE_REMEMBERED = 100_000
Blocked = Callable[[str, Mapping[str, Any]], Awaitable[None]]
# A message's outcome, recorded in the same transaction: (connection, message, error or None).
Settled = Callable[[Connection, QueuedMessage, str | None], bool]


def utcnow() -> datetime:
    return datetime.now(UTC)


def worker_name(place: str | None = None) -> str:
    """This process, for claims: where it serves (host and port) or its pid, and a random part."""
    return f"{place or socket.gethostname()[:30] + ':' + str(os.getpid())}:{uuid.uuid4().hex[:6]}"


def serving_place(port: int) -> str:
    """Host and port: only one live process can listen there, so a new one there succeeds the old."""
    return f"{socket.gethostname()[:30]}:{port}"


@dataclass
class _Lane:
    """One lane's messages waiting in this process, and the task sending them."""

    queue: deque[QueuedMessage] = field(default_factory=deque)
    seen: set[int] = field(default_factory=set)
    lease_until: datetime | None = None


class Dispatcher:
    """Sends outbox messages through the channel adapters."""

    def __init__(
        self,
        db: Database,
        keys: Keys,
        pacer: Pacer,
        tasks: BackgroundTasks,
        *,
        holder: str,
        on_blocked: Blocked | None = None,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        rng: Callable[[], float] = random.random,
        lease: timedelta = LEASE,
    ) -> None:
        self.db = db
        self.lease = lease
        self.keys = keys
        self.pacer = pacer
        self.tasks = tasks
        self.holder = holder
        self.on_blocked = on_blocked
        self.clock = clock
        self.sleep = sleep
        self.rng = rng
        self.adapters: dict[str, ChannelAdapter] = {}
        # Run in the transaction that records a message of this purpose as sent (error None) or
        # failed; True when it wrote more to send (a sweep then takes it up).
        self.settled: dict[str, Settled] = {}
        self._narrow: dict[str, asyncio.Semaphore] = {}
        self._lanes: dict[str, _Lane] = {}
        self._shared = not db.is_sqlite
        # Messages this process has finished with: a sweep's read may be older than their sending.
        self._done: OrderedDict[int, None] = OrderedDict()
        self._sweeping = asyncio.Lock()
        # Sends under way at once: thousands of lanes (a campaign's invitations) wait their turn here
        # rather than all reserving pacing slots far ahead and holding connections.
        self._sending = asyncio.Semaphore(MAX_SENDING)

    def register(self, adapter: ChannelAdapter) -> None:
        """Send this channel's messages through ``adapter``."""
        self.adapters[adapter.name] = adapter

    def narrow(self, prefix: str, at_once: int) -> None:
        """Send at most ``at_once`` messages whose purpose starts with ``prefix`` at a time.

        A message the platform accepted just before the process was killed is sent again after the
        restart: with one at a time, a kill repeats at most one of them (a campaign's invitations).
        A message the platform refused with a Retry-After (rate-limited) was certainly not sent, so it
        waits without holding its place and the others go meanwhile.
        """
        self._narrow[prefix] = asyncio.Semaphore(at_once)

    def _is_narrowed(self, purpose: str) -> bool:
        return any(purpose.startswith(prefix) for prefix in self._narrow)

    def _narrowed(self, purpose: str) -> contextlib.AbstractAsyncContextManager[Any]:
        for prefix, gate in self._narrow.items():
            if purpose.startswith(prefix):
                return gate
        return contextlib.nullcontext()

    @property
    def busy(self) -> int:
        """Lanes being sent by this process now."""
        return len(self._lanes)

    def hand(self, messages: list[QueuedMessage]) -> None:
        """Messages this process just wrote (and holds the lanes of): send them now, in order."""
        for message in messages:
            if message.id in self._done:
                continue
            lane = self._lanes.get(message.lane)
            if lane is None:
                lane = self._lanes[message.lane] = _Lane(lease_until=self.clock() + self.lease)
                lane.queue.append(message)
                lane.seen.add(message.id)
                self.tasks.spawn(self._drain(message.lane), name="outbox.lane")
            elif message.id not in lane.seen:
                lane.queue.append(message)
                lane.seen.add(message.id)

    async def sweep(self) -> int:
        """Take up lanes with messages due that nobody is sending; returns how many were started."""
        async with self._sweeping:
            return await self._sweep()

    async def _sweep(self) -> int:
        now = self.clock()
        started, after = 0, 0
        while started < SWEEP_LANES and self.busy < 4 * SWEEP_LANES:
            page = await self.db.read(partial(outbox.due_lanes, now=now, limit=SWEEP_LANES, after=after))
            if not page:
                break
            after = page[-1][1]
            wanted = [lane for lane, _ in page if lane not in self._lanes]
            if wanted:
                started += await self._take_up(wanted, now)
        return started

    async def _take_up(self, wanted: list[str], now: datetime) -> int:
        held = await self.db.write(
            partial(outbox.claim_lanes, lanes=wanted, holder=self.holder, now=now, lease=self.lease)
        )
        mine = [lane for lane in wanted if lane in held and lane not in self._lanes]
        if not mine:
            return 0
        pending = await self.db.read(partial(outbox.pending_in_lanes, lanes=mine))
        self.hand(pending)
        for lane_id in {*mine} - {m.lane for m in pending}:  # sent meanwhile: nothing left to hold
            await self.db.write(partial(outbox.release_lane, lane=lane_id, holder=self.holder))
        return len({m.lane for m in pending})

    async def sweep_forever(self, every: float = SWEEP_EVERY) -> None:
        """Sweep every ``every`` seconds until cancelled (at once again while there is a backlog)."""
        while True:
            started = 0
            try:
                started = await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("outbox.sweep_failed", **failure(exc))
            if started < SWEEP_LANES or self.busy >= 4 * SWEEP_LANES:
                await self.sleep(every)
            else:  # a backlog bigger than one sweep: take more up at once
                await asyncio.sleep(0)

    async def _drain(self, lane_id: str) -> None:
        lane = self._lanes[lane_id]
        try:
            while True:
                while lane.queue:
                    message = lane.queue[0]
                    await self._renew(lane_id, lane)
                    async with self._sending:
                        await self._deliver(message)
                    lane.queue.popleft()
                    self._finished(message.id)
                if not self._shared:
                    break
                # Another process may have added to this lane while we held it: take those too.
                more = await self.db.read(partial(outbox.pending_in_lane, lane=lane_id))
                fresh = [m for m in more if m.id not in lane.seen]
                if not fresh:
                    await self.db.write(partial(outbox.release_lane, lane=lane_id, holder=self.holder))
                    if not lane.queue:
                        break
                    # A turn of this process handed more while the claim was being given up.
                    held = await self.db.write(
                        partial(
                            outbox.claim_lanes,
                            lanes=[lane_id],
                            holder=self.holder,
                            now=self.clock(),
                            lease=self.lease,
                        )
                    )
                    if lane_id not in held:
                        break  # another process took the lane: it sends what is left
                for m in fresh:
                    lane.queue.append(m)
                    lane.seen.add(m.id)
        except Exception as exc:  # the sweep takes the lane up again
            log.error("outbox.lane_failed", **failure(exc))
        finally:
            self._lanes.pop(lane_id, None)

    def _finished(self, message_id: int) -> None:
        self._done[message_id] = None
        while len(self._done) > DONE_REMEMBERED:
            self._done.popitem(last=False)

    async def _renew(self, lane_id: str, lane: _Lane) -> None:
        if not self._shared or lane.lease_until is None:
            return
        now = self.clock()
        if lane.lease_until - now > self.lease / 2:
            return
        until = now + self.lease
        kept = await self.db.write(partial(outbox.renew_lane, lane=lane_id, holder=self.holder, until=until))
        if not kept:
            raise RuntimeError("lane claim lost")
        lane.lease_until = until

    async def _deliver(self, message: QueuedMessage) -> None:
        """Send one message until it is sent, given up, or the process stops."""
        adapter = self.adapters.get(message.channel)
        if adapter is None:
            await self._fail(message, "no_channel", message.attempts)
            return
        try:
            address = self.keys.open(message.address or "")
            replies = reply_codec.loads(message.payload)
        except (Unsealable, ValueError):
            await self._fail(message, "unreadable", message.attempts)
            return
        attempts = message.attempts
        await self._pause(message, (message.not_before - self.clock()).total_seconds())
        if message.op == POST and isinstance(adapter, OpensFirst) and self._is_narrowed(message.purpose):
            address = await self._open_first(adapter, message, address)
            if address is None:
                return
        maybe_sent = False  # a try the platform may have taken (no answer, a 5xx)
        while True:
            async with self._narrowed(message.purpose):
                while True:
                    wait = await self._attempt(adapter, message, address, replies, attempts + 1)
                    attempts += 1
                    if wait is None:
                        return
                    seconds, refused = wait
                    maybe_sent = maybe_sent or not refused
                    if not maybe_sent:
                        break
                    await self._pause(message, seconds)  # the gate held: it may be a repeat
            # Refused with a Retry-After (rate-limited), so certainly not sent: others narrowed with
            # it go meanwhile (a kill still repeats only messages holding the gate).
            await self._pause(message, seconds)

    async def _open_first(self, adapter: OpensFirst, message: QueuedMessage, address: Any) -> Any | None:
        """Open the conversation before taking a narrowed send's gate: opening is not a message, and
        repeating it after a kill is harmless, so the gate covers only the post and its record.
        A refusal for good settles the message (None); after any other failure the send opens the
        conversation itself, retried as any try is."""
        limits = self._keyed(adapter.opening(address))
        if not limits:
            return address
        while (delay := await self.pacer.reserve(limits)) > 0:
            await self._pause(message, delay + self.rng() * PACING_JITTER)
        try:
            return await adapter.open_first(address)
        except DeliveryError as failed:
            if failed.blocked:
                await self._blocked(message, address, failed.code, message.attempts + 1)
                return None
            if failed.permanent:
                await self._fail(message, failed.code, message.attempts + 1)
                return None
            return address

    async def _attempt(
        self, adapter: ChannelAdapter, message: QueuedMessage, address: Any, replies: list[Any], attempt: int
    ) -> tuple[float, bool] | None:
        """One try, paced: None when the message is settled (sent, failed, blocked); otherwise the wait
        before the next try, and whether the platform refused it outright (it was not sent)."""
        limits = self._limits(adapter, message, address)
        while (delay := await self.pacer.reserve(limits)) > 0:
            await self._pause(message, delay + self.rng() * PACING_JITTER)
        try:
            ref = await self._send(adapter, message, address, replies)
        except DeliveryError as failed:
            if failed.blocked:
                await self._blocked(message, address, failed.code, attempt)
                return None
            if failed.permanent or attempt >= MAX_ATTEMPTS:
                await self._fail(message, failed.code, attempt)
                return None
            wait = self._backoff(attempt, failed.retry_after)
            log.info("outbox.retry", channel=message.channel, error=failed.code, tried=attempt, wait=wait)
            at = self.clock() + timedelta(seconds=wait)
            await self.db.write(
                partial(
                    outbox.schedule_retry, message_id=message.id, attempts=attempt, not_before=at,
                    error=failed.code,
                )
            )  # fmt: skip
            return wait, failed.retry_after is not None
        await self._sent(adapter, message, address, replies, ref)
        return None

    async def _pause(self, message: QueuedMessage, seconds: float) -> None:
        """Wait before a try, keeping the lane's claim alive meanwhile (a Retry-After can be long)."""
        if seconds <= 0:
            return
        lane = self._lanes.get(message.lane)
        if not self._shared or lane is None:
            await self.sleep(seconds)
            return
        step = self.lease.total_seconds() / 3
        while seconds > 0:
            await self.sleep(min(step, seconds))
            seconds -= step
            await self._renew(message.lane, lane)

    def _limits(self, adapter: ChannelAdapter, message: QueuedMessage, address: Any) -> tuple[Limit, ...]:
        # Limits name conversations: kept only as keyed hashes where several processes share them.
        op = EDIT if message.op == EDIT else message.op
        return self._keyed(adapter.limits(op, address))

    def _keyed(self, limits: tuple[Limit, ...]) -> tuple[Limit, ...]:
        return tuple(
            Limit(self.keys.lane("pace", limit.key), limit.count, limit.seconds, limit.cost)
            for limit in limits
        )

    async def _send(
        self, adapter: ChannelAdapter, message: QueuedMessage, address: Any, replies: list[Any]
    ) -> str | None:
        if message.op == HOME:
            if not isinstance(adapter, HomeScreen):
                raise DeliveryError("no_home_screen", permanent=True)
            await adapter.publish_home(address, replies)
            return None
        if message.op == EDIT:
            target = message.target or await self._posted_message(adapter, message, address)
            if target is None:
                return None  # the question's message was never sent: nothing to update
            await adapter.edit(address, target, replies)
            return None
        return await adapter.send(address, replies)

    async def _posted_message(
        self, adapter: ChannelAdapter, message: QueuedMessage, address: Any
    ) -> str | None:
        lane = self.keys.lane(adapter.name, adapter.conversation(address))
        found = await self.db.read(partial(outbox.posted, lane=lane))
        return found[1] if found is not None and found[0] == message.question_id else None

    async def _sent(
        self,
        adapter: ChannelAdapter,
        message: QueuedMessage,
        address: Any,
        replies: list[Any],
        ref: str | None,
    ) -> None:
        posted = None
        asked = next((r for r in replies if isinstance(r, Question)), None)
        if ref is not None and asked is not None:
            posted = (self.keys.lane(adapter.name, adapter.conversation(address)), asked.question_id, ref)
        await self._settle(
            message, None, partial(outbox.mark_sent, ids=[message.id], now=self.clock(), posted=posted)
        )

    async def _settle(
        self, message: QueuedMessage, error: str | None, write: Callable[[Connection], Any]
    ) -> None:
        """Record a message's outcome, with what its purpose's hook records beside it."""
        hook = self.settled.get(message.purpose)
        if hook is None:
            await self.db.write(write)
            return

        def both(conn: Connection) -> bool:
            write(conn)
            return hook(conn, message, error)

        if await self.db.write(both):
            self.tasks.spawn(self.sweep(), name="outbox.sweep")

    async def _fail(self, message: QueuedMessage, error: str, attempts: int) -> None:
        log.error(
            "outbox.failed", channel=message.channel, purpose=message.purpose, error=error, tries=attempts
        )
        await self._settle(
            message, error, partial(outbox.mark_failed, ids=[message.id], error=error, attempts=attempts)
        )

    async def _blocked(self, message: QueuedMessage, address: Any, error: str, attempts: int) -> None:
        log.warning("outbox.blocked", channel=message.channel, error=error)
        await self._settle(
            message, error, partial(outbox.mark_failed, ids=[message.id], error=error, attempts=attempts)
        )
        await self.db.write(partial(outbox.fail_lane, lane=message.lane, error=error))
        lane = self._lanes.get(message.lane)
        if lane is not None:
            lane.queue = deque(m for m in lane.queue if m.id == message.id)
        if self.on_blocked is not None:
            await self.on_blocked(message.channel, address)

    def _backoff(self, attempts: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(MAX_RETRY_AFTER, retry_after) + self.rng() * BASE_DELAY
        ceiling = min(MAX_DELAY, BASE_DELAY * 2 ** (attempts - 1))
        return ceiling / 2 + self.rng() * ceiling / 2
