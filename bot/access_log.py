"""Recording accesses to results and personal data in the access log (``storage.access_log``).

Each digest (asked for or scheduled), plan, export, subject access, erasure and role refusal is
recorded with when, which channel, the requester's pseudonym and role, and what was asked (survey,
period); never the figures, the answers or whose data a request was about. A failure to record is
logged and does not stop the access it describes (the access has already been decided on).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from bot.inbound import Inbound
from bot.logs import get_logger
from dialogs.roles import DIGITAL_LEAD, MANAGER, PRACTITIONER
from storage import access_log
from storage.access_log import Access
from storage.db import Database

log = get_logger(__name__)
ADMIN = "admin"  # the command line: whoever can run it holds the database and the key
SCHEDULE = "schedule"  # a scheduled digest: asked for when the schedule was set up


def role_of(roles: frozenset[str]) -> str:
    """The role an access was made in: the most trusted of the person's roles."""
    for role in (MANAGER, DIGITAL_LEAD, PRACTITIONER):
        if role in roles:
            return role
    return PRACTITIONER


class AccessLog:
    """Writes access-log entries for one server or command."""

    def __init__(self, db: Database, pseudonym_of: Callable[[Inbound], str], clock: Callable[[], datetime]):
        self.db = db
        self._pseudonym_of = pseudonym_of
        self.clock = clock

    async def by(
        self, inbound: Inbound, kind: str, *, survey: str = "", period: str = "", detail: str = ""
    ) -> None:
        """Record an access asked for in a chat by the author of ``inbound``."""
        await self.add(
            kind,
            channel=inbound.channel,
            requester=self._pseudonym_of(inbound),
            role=role_of(inbound.roles),
            survey=survey,
            period=period,
            detail=detail,
        )

    async def add(
        self,
        kind: str,
        *,
        channel: str,
        requester: str,
        role: str,
        survey: str = "",
        period: str = "",
        detail: str = "",
    ) -> None:
        """Record one access."""
        entry = Access(self.clock(), kind, channel, requester, role, survey, period, detail)
        try:
            await self.db.write(partial(access_log.record, access=entry))
        except Exception as exc:
            log.error("access_log.failed", kind=kind, error=type(exc).__name__)
