"""Posting into a conversation without a user's message first (digests, invitations, reminders)."""

from __future__ import annotations

from typing import Protocol

from dialogs.replies import Reply


class Sender(Protocol):
    """One per platform, registered in ``Services.senders`` under the channel name (``slack``, ``teams``)."""

    async def post(self, conversation_id: str, replies: list[Reply]) -> None:
        """Render and deliver ``replies`` to a conversation; failures are retried and logged by the sender."""
        ...
