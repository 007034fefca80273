"""Keys derived from the secret key: keyed hashes to find rows by, and sealing of platform addresses.

Nothing at rest may let someone who reads the database join a platform's user id to a pseudonym
or an answer. So the ids the bot must keep to write to people (a Teams conversation reference, a
Slack channel, an outbox message's destination) are sealed with AES-GCM under a key derived from
``GUIDEBOT_SECRET_KEY``, and rows are found by keyed hashes (HMAC-SHA256) under other derived
keys: a lane (a conversation), a contact (a person, unlike and unlinkable to their pseudonym),
an inbound message id. The pseudonym itself is ``bot.respondent.pseudonym``, unchanged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE = 12
SEALED_PREFIX = "s1:"


class Unsealable(ValueError):
    """A sealed value that this key did not seal (another key, or damaged)."""


def _derive(secret: bytes, purpose: str) -> bytes:
    return hmac.new(secret, f"guidebot:{purpose}".encode(), hashlib.sha256).digest()


class Keys:
    """Everything derived from one secret key."""

    def __init__(self, secret: bytes) -> None:
        self._aead = AESGCM(_derive(secret, "seal"))
        self._lane = _derive(secret, "lane")
        self._contact = _derive(secret, "contact")
        self._message = _derive(secret, "message")

    def lane(self, channel: str, conversation: str) -> str:
        """The key of a conversation: its messages are sent in order, its open question found by it."""
        return _mac(self._lane, channel, conversation)

    def contact(self, channel: str, user_id: str) -> str:
        """The key of a person for finding their conversation references (not their pseudonym)."""
        return _mac(self._contact, channel, user_id)

    def message(self, channel: str, message_id: str) -> str:
        """The key an inbound message is recognised by when delivered again."""
        return _mac(self._message, channel, message_id)

    def seal(self, value: Any) -> str:
        """A JSON-able value, encrypted and authenticated, as text."""
        nonce = os.urandom(NONCE)
        plain = json.dumps(value, separators=(",", ":"), sort_keys=True).encode()
        sealed = self._aead.encrypt(nonce, plain, None)
        return SEALED_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, sealed: str) -> Any:
        """The value ``seal`` sealed; Unsealable if it was sealed under another key or damaged."""
        if not sealed.startswith(SEALED_PREFIX):
            raise Unsealable("not a sealed value")
        try:
            raw = base64.urlsafe_b64decode(sealed[len(SEALED_PREFIX) :])
            return json.loads(self._aead.decrypt(raw[:NONCE], raw[NONCE:], None))
        except (InvalidTag, ValueError) as exc:
            raise Unsealable("sealed under another key, or damaged") from exc


def _mac(key: bytes, channel: str, value: str) -> str:
    return hmac.new(key, f"{channel}\x1f{value}".encode(), hashlib.sha256).hexdigest()
