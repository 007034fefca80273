"""The one neutral message every channel adapter builds from its platform's payload."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from dialogs.roles import DIGITAL_LEAD, MANAGER, PRACTITIONER
from dialogs.values import Value

__all__ = ["DIGITAL_LEAD", "MANAGER", "PRACTITIONER", "Inbound"]


@dataclass(frozen=True, slots=True)
class Inbound:
    """A message from a user, whatever the channel.

    ``user_id`` is the platform's raw id: it is turned into a pseudonym before anything is stored
    and never written beside answers. ``message_id`` is the platform's id for this delivery (Slack
    ``event_id`` or action id, Teams activity id, the web chat's ``message_id``); a message seen
    before is recognised and changes nothing. ``value`` is what a pressed button or submitted card
    sent back. ``authenticated`` is False where the channel cannot tell who is who (a web chat
    shared behind one token): such a user holds no role and their answers count towards no figure.
    ``later`` is where the channel can write to this conversation later (set by the runtime from
    its adapter; None where it cannot be written to first), for scheduled digests.
    ``workspace`` is set where the platform's user ids are unique only within it (a Slack team
    id): the person is then ``workspace:user_id`` in pseudonyms, contact keys and role settings.
    """

    channel: str
    user_id: str
    conversation_id: str
    message_id: str | None = None
    text: str | None = None
    value: Value | None = None
    is_direct: bool = True
    roles: frozenset[str] = field(default_factory=frozenset)
    authenticated: bool = True
    later: Mapping[str, Any] | None = None
    workspace: str | None = None

    @property
    def person(self) -> str:
        """Who sent it, unique within the channel: ``T0123:U0123`` where there is a workspace."""
        return f"{self.workspace}:{self.user_id}" if self.workspace else self.user_id

    @property
    def address(self) -> str:
        """The user's address as the role settings write it, e.g. ``slack:T0123:U0123``."""
        return f"{self.channel}:{self.person}"

    @property
    def bare_address(self) -> str | None:
        """Where there is a workspace, the address without it (``slack:U0123``), as older settings wrote it."""
        return f"{self.channel}:{self.user_id}" if self.workspace else None

    def with_roles(self, roles: frozenset[str]) -> Inbound:
        """A copy carrying the roles the settings give this user."""
        return replace(self, roles=roles)
