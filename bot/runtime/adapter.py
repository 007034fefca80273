"""The one interface every channel implements, and what crosses it.

A channel adapter knows its platform and nothing else: it reads a platform request into an
``Arrival`` (an ``Inbound`` and where its replies go), groups and renders neutral replies into
platform messages, sends one and returns its reference, edits one it sent. It never writes to
the database, never starts tasks of its own and never imports the app: ordering, duplicates,
redaction, the turn, the outbox and the open question's message are the core's
(``bot.runtime``), the same for every channel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, runtime_checkable

from bot.inbound import Inbound
from dialogs.replies import Reply

Address = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Limit:
    """A rate limit: at most ``count`` requests in ``seconds`` for everything sharing ``key``; one send
    may take ``cost`` requests (opening a conversation, then posting in it)."""

    key: str
    count: int
    seconds: float
    cost: int = 1


@dataclass(frozen=True, slots=True)
class Arrival:
    """One platform request, read by its adapter.

    ``reply_to`` is where replies go, in the adapter's own terms (JSON-able), or None when a
    direct conversation must be opened first (a Start pressed in a channel). ``clicked`` is the
    platform's id of the message whose button was pressed, so its question
    (``clicked_question``) can be updated in place. ``contact`` is a conversation reference worth keeping for writing later (Teams), with
    ``kind`` its conversation type. ``event`` is ``message`` for a turn, ``installed`` or
    ``removed`` when the bot was added to or removed from a conversation, ``home`` when a user
    opened the bot's home screen. ``extra["direct"]`` asks for the turn to run in a direct
    conversation with the sender, opened first (``reply_to`` is then where to say it failed).
    """

    inbound: Inbound
    reply_to: Address | None
    clicked: str | None = None
    clicked_question: str | None = None
    contact: Address | None = None
    kind: str = "personal"
    event: str = "message"
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to(self, reply_to: Address, conversation_id: str, *, contact: Address | None = None) -> Arrival:
        """The same arrival in a direct conversation just opened."""
        inbound = replace(self.inbound, conversation_id=conversation_id, is_direct=True)
        return replace(self, inbound=inbound, reply_to=reply_to, contact=contact or self.contact)


class DeliveryError(Exception):
    """A send or edit the platform did not accept.

    ``permanent`` means trying again cannot help (the bot was removed, the channel does not exist);
    ``retry_after`` is the wait the platform asked for (HTTP 429), if any. ``code`` is the
    platform's error code, never a message's text.
    """

    def __init__(
        self, code: str, *, permanent: bool = False, retry_after: float | None = None, blocked: bool = False
    ) -> None:
        super().__init__(code)
        self.code = code
        self.permanent = permanent or blocked
        self.retry_after = retry_after
        self.blocked = blocked


class ChannelAdapter(Protocol):
    """A channel, as the core runtime uses it."""

    name: str

    def conversation(self, address: Address) -> str:
        """The conversation an address writes to (its messages are kept in order, paced together)."""
        ...

    def messages(self, address: Address, replies: list[Reply]) -> list[list[Reply]]:
        """How replies become messages: usually one each; several may share one message."""
        ...

    def limits(self, op: str, address: Address) -> tuple[Limit, ...]:
        """The platform's rate limits that apply to one send (``op`` post or edit) to ``address``."""
        ...

    async def send(self, address: Address, replies: list[Reply]) -> str | None:
        """Render and post one message; its platform id (for later edits). Raises DeliveryError."""
        ...

    async def edit(self, address: Address, message_id: str, replies: list[Reply]) -> None:
        """Replace a message sent earlier. Raises DeliveryError."""
        ...

    def standing_address(self, address: Address) -> Address | None:
        """Where to write to this conversation later (scheduled digests), or None if it cannot be."""
        ...


@runtime_checkable
class DirectOpener(Protocol):
    """An adapter that can open a direct conversation with a person (Slack DM, Teams personal chat)."""

    async def open_direct(self, arrival: Arrival) -> Arrival | None:
        """The arrival moved into a direct conversation with its sender, or None if that failed."""
        ...


@runtime_checkable
class OpensFirst(Protocol):
    """An adapter whose send to someone it has no conversation with opens one first (a Teams
    personal chat). Opening again finds the same conversation, so it can go ahead of a send."""

    def opening(self, address: Address) -> tuple[Limit, ...]:
        """The limits of opening the address's conversation; none when it has one already."""
        ...

    async def open_first(self, address: Address) -> Address:
        """The address with its conversation opened. Raises DeliveryError."""
        ...


@runtime_checkable
class HomeScreen(Protocol):
    """An adapter with a per-user home screen (Slack's App Home)."""

    async def publish_home(self, address: Address, replies: list[Reply]) -> None:
        """Show ``replies`` as the user's home screen. Raises DeliveryError."""
        ...


@dataclass(frozen=True, slots=True)
class Member:
    """One person of a conversation's or group's roster: the platform's id (turned into a pseudonym
    before anything is stored), where to write to them directly, and whether they can be asked."""

    user_id: str
    address: Address
    is_bot: bool = False
    active: bool = True
    workspace: str | None = None  # as Inbound.workspace: where user ids are unique only within it


class RosterError(Exception):
    """The platform cannot give this roster; the message says why, for the person who asked."""


@runtime_checkable
class RosterSource(Protocol):
    """An adapter that can list the people of a conversation, a user group or a team (every page)."""

    async def members(self, address: Address, audience: Any) -> list[Member]:
        """Everyone the audience names (``dialogs.campaign_request.Audience``), bots and
        deactivated accounts included but marked. Raises RosterError."""
        ...
