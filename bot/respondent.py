"""Pseudonyms: who answered is stored only as a keyed hash of channel and user id."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from bot.inbound import DIGITAL_LEAD, MANAGER, PRACTITIONER


def pseudonym(key: bytes, channel: str, user_id: str) -> str:
    """HMAC-SHA256 of ``channel:user_id`` under the secret key, as hex."""
    return hmac.new(key, f"{channel}:{user_id}".encode(), hashlib.sha256).hexdigest()


def pseudonyms_of(key: bytes, address: str, *, teams: Iterable[str] = ()) -> list[str]:
    """Every pseudonym an address given by a person (a CLI ``--user``) may be stored under, newest form first.

    ``slack:T0123:U0123`` is that person, and ``slack:U0123`` the same id as stored before team ids
    (until their first arrival joins it). A bare ``slack:U0123``, as a single-workspace install may
    write it, is that id in each of ``teams`` (the workspaces the caller knows, e.g. the bot's own
    from ``auth.test``) and in the old form. Other channels' addresses have one pseudonym.
    """
    channel, _, user = address.partition(":")
    if channel != "slack":
        return [pseudonym(key, channel, user)]
    team, _, member = user.rpartition(":")
    forms = [f"{team}:{member}"] if team else [f"{t}:{member}" for t in teams]
    return [pseudonym(key, channel, form) for form in [*forms, member]]


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
