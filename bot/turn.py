"""A turn: one inbound message in, replies out, with everything it changes stored once.

Check and redact everything the user sent, recognise a message already seen, load the user's
state, ask the dialogs what to do, and write the answers, the new state, the message's key and
the replies to send (the outbox) in one transaction.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from typing import Protocol

from sqlalchemy import Connection

from bot.access_log import AccessLog
from bot.inbound import Inbound
from bot.logs import get_logger
from bot.privacy import redact, removal_notice
from bot.respondent import pseudonym, roles_of
from bot.runtime.sanitize import UNREADABLE, Checked, check_inbound
from bot.sealing import Keys
from dialogs import commands, conversation
from dialogs.conversation import TurnInput
from dialogs.guidance import GuidanceLibrary
from dialogs.loader import SurveyCatalog
from dialogs.replies import Reply, Text
from dialogs.roles import PRACTITIONER
from dialogs.state import DialogState
from storage.db import Database
from storage.notices import mark_notice_shown
from storage.outbox import QueuedMessage
from storage.pseudonyms import join_legacy, legacy_pseudonyms
from storage.turns import Decision, claim_message, is_claimed, load_state, record_turn

log = get_logger(__name__)
MAX_TEXT = 2000
PRIVACY = "privacy"
# "privacy", and the words people add to it, show the notice again.
PRIVACY_WORDS = ("", "notice", "policy", "please")
# People this process knows have seen the privacy notice, so a turn skips the statement that asks;
# forgotten wholesale past this many (the table stays the record, this only saves a round trip).
TOLD_LIMIT = 50_000


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (stored as UTC in both databases)."""
    return datetime.now(UTC)


class Delivery(Protocol):
    """Writes a turn's replies to the outbox inside the turn's transaction (``bot.runtime.delivery``)."""

    def write(self, conn: Connection, replies: Sequence[Reply], *, now: datetime) -> list[QueuedMessage]:
        """Add the rows; returns those this process should send now."""
        ...


@dataclass(slots=True)
class TurnOutcome:
    """What a turn produced: the replies, whether the message was a duplicate, and outbox rows to send."""

    replies: list[Reply] = field(default_factory=list)
    duplicate: bool = False
    queued: list[QueuedMessage] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Continue:
    """A command handler's answer meaning "run the turn as the dialogs would, with this message"
    (a campaign's Start button that is still open becomes the survey's own start), with ``first``
    said before the dialogs' replies."""

    inbound: Inbound
    first: tuple[Reply, ...] = ()


CommandHandler = Callable[[Inbound, str], Awaitable[list[Reply] | Continue]]


@dataclass
class Content:
    """The content a server runs on; replaced whole when content is reloaded.

    ``notice`` is the privacy notice, filled in from the settings (``dialogs.privacy_notice``):
    said before anything else the first time a person writes, and whenever they type ``privacy``.
    Empty, nobody is told anything (benchmarks and tests of other things).
    """

    catalog: SurveyCatalog
    guidance: GuidanceLibrary | None = None
    notice: tuple[Reply, ...] = ()


@dataclass(slots=True)
class _Told:
    """Whether this turn is the first time the person is shown the notice (set inside the transaction)."""

    first: bool = False


class TurnHandler:
    """Runs turns for every channel."""

    def __init__(
        self,
        db: Database,
        content: Content,
        *,
        key: bytes,
        managers: frozenset[str] = frozenset(),
        digital_leads: frozenset[str] = frozenset(),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.content = content
        self._key = key
        self.keys = Keys(key)
        self._managers = managers
        self._digital_leads = digital_leads
        self._clock = clock
        self.commands: dict[str, CommandHandler] = {}
        # Pseudonyms from before Slack team ids not yet joined (None: not read yet). Once read it only
        # shrinks: nothing writes the old form now, so a pseudonym missing here needs no look-up.
        self._legacy: set[str] | None = None
        self.access = AccessLog(db, self.respondent, clock)
        self._told: set[str] = set()

    def add_command(self, name: str, handler: CommandHandler) -> None:
        """A command that needs more than the dialogs (reports that query the database, for example).

        It runs instead of the dialogs when a message is that command (typed, or a pressed
        button), with the rest of the text; the message is still recognised if delivered twice.
        """
        self.commands[name] = handler

    def respondent(self, inbound: Inbound) -> str:
        """The pseudonym of the inbound message's author (with their workspace, where there is one)."""
        return pseudonym(self._key, inbound.channel, inbound.person)

    def roles(self, inbound: Inbound) -> frozenset[str]:
        """The roles the settings give the inbound message's author (only practitioner where unauthenticated)."""
        if not inbound.authenticated:
            return frozenset({PRACTITIONER})
        return roles_of(inbound.address, self._managers, self._digital_leads, bare=inbound.bare_address)

    async def join_legacy(self, inbound: Inbound) -> bool:
        """Move what is kept under the author's pseudonym from before workspaces to the new one (once).

        Until migration 0011 a Slack user's pseudonym was made from ``slack:U0123``; with the team
        it is ``slack:T0123:U0123``. Returns whether anything was joined.
        """
        if inbound.workspace is None:
            return False
        if self._legacy is None:
            self._legacy = await self.db.read(legacy_pseudonyms)
        old = pseudonym(self._key, inbound.channel, inbound.user_id)
        if old not in self._legacy:
            return False
        joined = await self.db.write(
            partial(
                join_legacy,
                old=old,
                new=self.respondent(inbound),
                channel=inbound.channel,
                old_contact=self.keys.contact(inbound.channel, inbound.user_id),
                new_contact=self.keys.contact(inbound.channel, inbound.person),
            )
        )
        self._legacy.discard(old)
        if joined:
            log.info("respondent.joined", channel=inbound.channel)
        return joined

    async def overview(self, inbound: Inbound) -> list[Reply]:
        """What a user can take and where they left off, without running a turn (for home screens)."""
        await self.join_legacy(inbound)
        saved, _ = await self.db.read(partial(load_state, respondent=self.respondent(inbound)))
        state = DialogState.from_json(saved)
        return conversation.overview(self.content.catalog, state, self.roles(inbound))

    async def handle(self, inbound: Inbound, delivery: Delivery | None = None) -> TurnOutcome:
        """Run one turn; a message seen before returns no replies and changes nothing.

        With a ``delivery`` the replies are also written to the outbox in the turn's transaction
        and returned as ``queued`` for sending; without one (the web chat) they are the answer.
        """
        started = time.perf_counter()
        message_key = self.keys.message(inbound.channel, inbound.message_id) if inbound.message_id else None
        checked = check_inbound(inbound, redact, max_text=MAX_TEXT)
        if not isinstance(checked, Checked):
            return await self._say_only(inbound, [checked], message_key, delivery)
        inbound = replace(checked.inbound, roles=self.roles(checked.inbound))
        notice = _notice(checked.removed)
        await self.join_legacy(inbound)
        respondent = self.respondent(inbound)
        now = self._clock()
        command = commands.of_input(inbound.text, inbound.value)
        asked = command is not None and command.name == PRIVACY and command.args.casefold() in PRIVACY_WORDS
        handler = self.commands.get(command.name) if command is not None and not asked else None
        tell = self._tell(respondent)
        if handler is not None and command is not None:
            ran = await self._run_command(inbound, handler, command.args, message_key, delivery, notice, tell)
            if not isinstance(ran, Continue):
                return ran
            inbound, notice = ran.inbound, [*notice, *ran.first]
        msg = TurnInput(
            text=inbound.text,
            value=inbound.value,
            roles=inbound.roles,
            now=now,
            new_id=str(uuid.uuid4()),
            is_direct=inbound.is_direct,
            countable=inbound.authenticated,
        )
        content = self.content
        told = _Told()
        decision = await self.db.write(
            partial(
                record_turn,
                message_key=message_key,
                respondent=respondent,
                now=now,
                decide=partial(_decide, content, msg, notice, told, asked),
                deliver=None if delivery is None else partial(_deliver, delivery, now),
                before=None if tell is None else partial(_mark, told, tell, now),
            )
        )
        if decision is not None:
            self._remember_told(tell)
        elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
        if decision is None:
            log.info("turn.duplicate", channel=inbound.channel, respondent=respondent[:10], ms=elapsed_ms)
            return TurnOutcome(duplicate=True)
        replies: list[Reply] = list(decision.result)
        log.info(
            "turn",
            channel=inbound.channel,
            respondent=respondent[:10],
            effects=len(decision.effects),
            replies=len(replies),
            redacted=list(checked.found),
            ms=elapsed_ms,
        )
        return TurnOutcome(replies, queued=decision.delivered or [])

    async def _say_only(
        self, inbound: Inbound, replies: list[Reply], message_key: str | None, delivery: Delivery | None
    ) -> TurnOutcome:
        """Answer without a turn (a message that can't be read, or is too long): nothing else is stored."""
        log.info(
            "turn.refused",
            channel=inbound.channel,
            reason="unreadable" if replies == [UNREADABLE] else "long",
        )
        return await self._answer(replies, message_key, delivery)

    def _tell(self, respondent: str) -> str | None:
        """Whom this turn may have to show the notice to (None: nobody, or known to have seen it)."""
        if not self.content.notice or respondent in self._told:
            return None
        return respondent

    def forget_told(self, respondent: str) -> None:
        """Forget that this process saw ``respondent`` shown the notice (their data was erased)."""
        self._told.discard(respondent)

    def _remember_told(self, person: str | None) -> None:
        if person is None:
            return
        if len(self._told) >= TOLD_LIMIT:
            self._told.clear()
        self._told.add(person)

    async def _answer(
        self,
        replies: list[Reply],
        message_key: str | None,
        delivery: Delivery | None,
        tell: str | None = None,
    ) -> TurnOutcome:
        now = self._clock()
        if message_key is None and delivery is None and tell is None:
            return TurnOutcome(replies)
        outcome = await self.db.write(
            partial(
                _claim_and_deliver,
                key=message_key,
                now=now,
                replies=replies,
                delivery=delivery,
                tell=tell,
                notice=self.content.notice,
            )
        )
        if outcome is None:
            return TurnOutcome(duplicate=True)
        self._remember_told(tell)
        said, queued = outcome
        return TurnOutcome(said, queued=queued)

    async def _run_command(
        self,
        inbound: Inbound,
        handler: CommandHandler,
        args: str,
        message_key: str | None,
        delivery: Delivery | None,
        notice: list[Reply],
        tell: str | None,
    ) -> TurnOutcome | Continue:
        # A command may be slow (a digest): a message seen before is not run again.
        if message_key is not None and await self.db.read(partial(is_claimed, key=message_key)):
            return TurnOutcome(duplicate=True)
        said = await handler(inbound, args)
        if isinstance(said, Continue):
            return said
        return await self._answer(notice + said, message_key, delivery, tell)


def _notice(removed: tuple[str, ...]) -> list[Reply]:
    return [Text(removal_notice(removed))] if removed else []


def _mark(told: _Told, person: str, now: datetime, conn: Connection) -> None:
    told.first = mark_notice_shown(conn, person, now)


def _decide(
    content: Content, msg: TurnInput, notice: list[Reply], told: _Told, asked: bool, saved: dict | None
) -> Decision:
    """The pure part of a turn, run inside the transaction (and again if the transaction is retried).

    The privacy notice comes first, unasked the first time (the message is then handled as ever,
    so a first answer or a Start press is not lost); ``privacy`` shows it and asks again whatever
    question the person was on, changing nothing else.
    """
    state = DialogState.from_json(saved)
    lead = list(content.notice) if told.first or asked else []
    if asked:
        return Decision(
            state.to_json(),
            [],
            lead + notice + (conversation.current_question(content.catalog, state) if msg.is_direct else []),
        )
    result = conversation.step(content.catalog, state, msg, content.guidance)
    return Decision(result.state.to_json(), result.effects, lead + notice + result.replies)


def _deliver(delivery: Delivery, now: datetime, conn: Connection, decision: Decision) -> list[QueuedMessage]:
    return delivery.write(conn, decision.result, now=now)


def _claim_and_deliver(
    conn: Connection,
    *,
    key: str | None,
    now: datetime,
    replies: list[Reply],
    delivery: Delivery | None,
    tell: str | None,
    notice: tuple[Reply, ...],
) -> tuple[list[Reply], list[QueuedMessage]] | None:
    if key is not None and not claim_message(conn, key, now):
        return None
    if tell is not None and mark_notice_shown(conn, tell, now):
        replies = [*notice, *replies]
    return replies, delivery.write(conn, replies, now=now) if delivery is not None else []
