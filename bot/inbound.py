"""The one neutral message every channel adapter builds from its platform's payload."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

PRACTITIONER = "practitioner"
MANAGER = "manager"
DIGITAL_LEAD = "digital_lead"


@dataclass(frozen=True, slots=True)
class Inbound:
    """A message from a user, whatever the channel.

    ``user_id`` is the platform's raw id: it is turned into a pseudonym before anything is stored
    and never written beside answers. ``message_id`` is the platform's id for this delivery (Slack
    ``event_id`` or action id, Teams activity id, the web chat's ``message_id``); a message seen
    before is recognised and changes nothing. ``value`` is a choice's value sent back by a button.
    """

    channel: str
    user_id: str
    conversation_id: str
    message_id: str | None = None
    text: str | None = None
    value: Any = None
    is_direct: bool = True
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def address(self) -> str:
        """The user's address as the role settings write it, e.g. ``slack:U0123``."""
        return f"{self.channel}:{self.user_id}"

    def with_roles(self, roles: frozenset[str]) -> Inbound:
        """A copy carrying the roles the settings give this user."""
        return replace(self, roles=roles)
