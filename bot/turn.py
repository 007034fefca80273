"""A turn: one inbound message in, replies out, with everything it changes stored once.

Recognise a message already seen, load the user's state, ask the dialogs what to do, and write
the answers, the new state and the message id in one transaction.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial

from bot.inbound import Inbound
from bot.logs import get_logger
from bot.privacy import redact
from bot.respondent import pseudonym, roles_of
from dialogs import conversation
from dialogs.conversation import TurnInput
from dialogs.guidance import GuidanceLibrary
from dialogs.loader import SurveyCatalog
from dialogs.replies import Reply, Text
from dialogs.state import DialogState
from storage.db import Database
from storage.turns import Decision, claim_message, load_state, record_turn

log = get_logger(__name__)
MAX_TEXT = 2000
KIND_WORDS = {
    "NHS number": "an NHS number",
    "NI number": "a National Insurance number",
    "postcode": "a postcode",
    "phone number": "a phone number",
    "email": "an email address",
    "date of birth": "a date",
}


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (stored as UTC in both databases)."""
    return datetime.now(UTC)


@dataclass(slots=True)
class TurnOutcome:
    """What a channel sends back: the replies, and whether the message was a duplicate."""

    replies: list[Reply] = field(default_factory=list)
    duplicate: bool = False


CommandHandler = Callable[[Inbound, str], Awaitable[list[Reply]]]


@dataclass
class Content:
    """The content a server runs on; replaced whole when content is reloaded."""

    catalog: SurveyCatalog
    guidance: GuidanceLibrary | None = None


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
        self._managers = managers
        self._digital_leads = digital_leads
        self._clock = clock
        self.boot = uuid.uuid4().hex[:12]
        self.commands: dict[str, CommandHandler] = {}

    def add_command(self, name: str, handler: CommandHandler) -> None:
        """A command that needs more than the dialogs (reports that query the database, for example).

        It runs instead of the dialogs when a message starts with ``name`` (typed, or a button's
        ``cmd``), with the rest of the text; the message is still recognised if delivered twice.
        """
        self.commands[name] = handler

    def respondent(self, inbound: Inbound) -> str:
        """The pseudonym of the inbound message's author."""
        return pseudonym(self._key, inbound.channel, inbound.user_id)

    def roles(self, inbound: Inbound) -> frozenset[str]:
        """The roles the settings give the inbound message's author."""
        return roles_of(inbound.address, self._managers, self._digital_leads)

    async def overview(self, channel: str, user_id: str) -> list[Reply]:
        """What a user can take and where they left off, without running a turn (for home screens)."""
        inbound = Inbound(channel, user_id, "")
        saved, _ = await self.db.read(partial(load_state, respondent=self.respondent(inbound)))
        state = DialogState.from_json(saved)
        return conversation.overview(self.content.catalog, state, self.roles(inbound))

    async def handle(self, inbound: Inbound) -> TurnOutcome:
        """Run one turn; a message seen before returns no replies and changes nothing."""
        started = time.perf_counter()
        if inbound.text is not None and len(inbound.text) > MAX_TEXT:
            return TurnOutcome(
                [
                    Text(
                        f"Sorry, that message is too long for me ({len(inbound.text)} characters). "
                        f"Please keep messages under {MAX_TEXT} characters."
                    )
                ]
            )
        inbound = inbound.with_roles(self.roles(inbound))
        redaction = redact(inbound.text) if inbound.text else None
        respondent = self.respondent(inbound)
        now = self._clock()
        message_key = f"{inbound.channel}:{inbound.message_id}" if inbound.message_id else None
        command = self._command_for(redaction.text if redaction else None, inbound.value)
        if command is not None:
            return await self._run_command(inbound, command, message_key, now)
        msg = TurnInput(
            text=redaction.text if redaction else inbound.text,
            value=inbound.value,
            roles=inbound.roles,
            now=now,
            new_id=str(uuid.uuid4()),
            boot=self.boot,
            is_direct=inbound.is_direct,
        )
        content = self.content
        decision = await self.db.write(
            partial(
                record_turn,
                message_key=message_key,
                respondent=respondent,
                now=now,
                decide=partial(_decide, content, msg),
            )
        )
        elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
        if decision is None:
            log.info("turn.duplicate", channel=inbound.channel, respondent=respondent[:10], ms=elapsed_ms)
            return TurnOutcome(duplicate=True)
        replies: list[Reply] = list(decision.result)
        if redaction is not None and redaction.changed:
            found = ", ".join(KIND_WORDS.get(kind, kind) for kind in redaction.found)
            replies.insert(
                0,
                Text(
                    f"Please don't share details about children or families here. "
                    f"I removed {found} before saving anything."
                ),
            )
        log.info(
            "turn",
            channel=inbound.channel,
            respondent=respondent[:10],
            effects=len(decision.effects),
            replies=len(replies),
            redacted=list(redaction.found) if redaction else [],
            ms=elapsed_ms,
        )
        return TurnOutcome(replies)

    def _command_for(self, text: str | None, value: object) -> tuple[CommandHandler, str] | None:
        if isinstance(value, dict) and value.get("cmd") in self.commands:
            return self.commands[value["cmd"]], str(value.get("args", ""))
        words = (text or "").strip().split(maxsplit=1)
        if words and words[0].casefold() in self.commands:
            return self.commands[words[0].casefold()], words[1] if len(words) > 1 else ""
        return None

    async def _run_command(
        self, inbound: Inbound, command: tuple[CommandHandler, str], message_key: str | None, now: datetime
    ) -> TurnOutcome:
        if message_key is not None and not await self.db.write(
            partial(claim_message, key=message_key, now=now)
        ):
            return TurnOutcome(duplicate=True)
        handler, args = command
        return TurnOutcome(await handler(inbound, args))


def _decide(content: Content, msg: TurnInput, saved: dict | None) -> Decision:
    """The pure part of a turn, run inside the transaction (and again if the transaction is retried)."""
    result = conversation.step(content.catalog, DialogState.from_json(saved), msg, content.guidance)
    return Decision(result.state.to_json(), result.effects, result.replies)
