"""How a turn's replies become outbox rows, inside the turn's own transaction.

Replies are grouped into messages the way the channel says; an ``Answered`` reply becomes an edit
of the message that showed its question: the one clicked, or the one remembered for the lane.
An edit whose message is known goes in a lane of its own, so a platform's tighter limit on edits
never holds back the next question; one whose message is still being sent waits behind it. Rows are added, and their lanes claimed for this process (PostgreSQL), in the
same transaction as the answers, so an answer and the reply it earns are kept together or not
at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from bot.runtime import reply_codec
from bot.runtime.adapter import ChannelAdapter
from bot.sealing import Keys
from dialogs.replies import Answered, Reply
from storage import outbox
from storage.outbox import EDIT, HOME, POST, NewMessage, QueuedMessage

LEASE = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """Where one turn's replies go, and how to write them to the outbox."""

    adapter: ChannelAdapter
    keys: Keys
    address: Mapping[str, Any]
    holder: str
    purpose: str = "reply"
    clicked: str | None = None
    clicked_question: str | None = None
    lease: timedelta = LEASE

    @property
    def lane(self) -> str:
        """The lane of the conversation's messages."""
        return self.keys.lane(self.adapter.name, self.adapter.conversation(self.address))

    @property
    def edit_lane(self) -> str:
        """The lane of the conversation's edits."""
        return self.keys.lane(self.adapter.name, self.adapter.conversation(self.address) + "#edits")

    def write(self, conn: Connection, replies: Sequence[Reply], *, now: datetime) -> list[QueuedMessage]:
        """Add the replies' rows; the ones whose lanes this process now holds, to send at once."""
        sealed = self.keys.seal(dict(self.address))
        posts: list[Reply] = []
        rows: list[NewMessage] = []
        for reply in replies:
            if isinstance(reply, Answered):
                rows += self._flush(posts, sealed)
                posts = []
                rows.append(self._edit(conn, reply, sealed))
            else:
                posts.append(reply)
        rows += self._flush(posts, sealed)
        return _add(conn, rows, holder=self.holder, now=now, lease=self.lease)

    def home(self, conn: Connection, replies: Sequence[Reply], *, now: datetime) -> list[QueuedMessage]:
        """A home screen to publish (the latest one wins: earlier ones still waiting are harmless)."""
        row = NewMessage(
            self.adapter.name, self.keys.lane(self.adapter.name, "home:" + self.adapter.conversation(self.address)),
            HOME, "home", self.keys.seal(dict(self.address)), reply_codec.dumps(list(replies)),
        )  # fmt: skip
        return _add(conn, [row], holder=self.holder, now=now, lease=self.lease)

    def _flush(self, posts: list[Reply], sealed: str) -> list[NewMessage]:
        if not posts:
            return []
        return [
            NewMessage(self.adapter.name, self.lane, POST, self.purpose, sealed, reply_codec.dumps(group))
            for group in self.adapter.messages(self.address, posts)
        ]

    def _edit(self, conn: Connection, reply: Answered, sealed: str) -> NewMessage:
        target = self.clicked if self.clicked_question == reply.question_id else None
        if target is None:
            shown = outbox.posted(conn, self.lane)
            if shown is not None and shown[0] == reply.question_id:
                target = shown[1]
        # Not known yet (the question's own message may still be on its way): the edit follows it
        # in the conversation's lane, and finds the message once that has been sent.
        lane = self.edit_lane if target is not None else self.lane
        return NewMessage(
            self.adapter.name, lane, EDIT, "update", sealed, reply_codec.dumps([reply]),
            question_id=reply.question_id, target=target,
        )  # fmt: skip


def _add(
    conn: Connection, rows: list[NewMessage], *, holder: str, now: datetime, lease: timedelta
) -> list[QueuedMessage]:
    if not rows:
        return []
    added = outbox.add_messages(conn, rows, now=now)
    held = outbox.claim_lanes(conn, {r.lane for r in added}, holder=holder, now=now, lease=lease)
    return [m for m in added if m.lane in held]
