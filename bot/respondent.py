"""Pseudonyms: who answered is stored only as a keyed hash of channel and user id."""

from __future__ import annotations

import hashlib
import hmac

from bot.inbound import DIGITAL_LEAD, MANAGER, PRACTITIONER


def pseudonym(key: bytes, channel: str, user_id: str) -> str:
    """HMAC-SHA256 of ``channel:user_id`` under the secret key, as hex."""
    return hmac.new(key, f"{channel}:{user_id}".encode(), hashlib.sha256).hexdigest()


def roles_of(
    address: str, managers: frozenset[str], digital_leads: frozenset[str], *, bare: str | None = None
) -> frozenset[str]:
    """The roles settings give an address such as ``slack:T0123:U0123``; everyone is a practitioner too.

    ``bare`` is the same person's address without their workspace (``slack:U0123``), which a
    single-workspace install may still write. ``web:*`` gives a role to every user of a channel
    (``guidebot serve --demo`` uses it for the web chat).
    """
    roles = {PRACTITIONER}
    forms = {address, address.partition(":")[0] + ":*"} | ({bare} if bare else set())
    if forms & managers:
        roles.add(MANAGER)
    if forms & digital_leads:
        roles.add(DIGITAL_LEAD)
    return frozenset(roles)
