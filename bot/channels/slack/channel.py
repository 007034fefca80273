"""Running Slack turns after the acknowledgement, and delivering their replies.

A turn's replies are posted in order; a question's message is remembered (in the database, so any
server process can find it) and updated in place once answered, whether by a click or by typing.
"""

from __future__ import annotations

import asyncio
import contextlib
from functools import partial
from typing import TYPE_CHECKING, Any

from slack_bolt.authorization import AuthorizeResult
from sqlalchemy import Connection

from bot.channels.slack.inbound import CHANNEL, SlackTurn
from bot.channels.slack.outbound import SlackApi, SlackCallError
from bot.channels.slack.render import Message, answered, home_view, render, skipped
from bot.turn import utcnow
from bot.turn_order import TurnOrder
from dialogs.replies import Answered, Image, Prompt, Question, Reply, Text
from storage.channels import set_posted_question, take_posted_question

if TYPE_CHECKING:
    from bot.app import Services

ALREADY_ANSWERED = Text("That question has already been answered.")
MAX_BLOCKS = 50


class SlackChannel:
    """The Slack side of the bot: turns run in the background, replies delivered through one SlackApi."""

    def __init__(self, services: Services, api: SlackApi, *, token: str) -> None:
        self.services = services
        self.api = api
        self._token = token
        self._auth: AuthorizeResult | None = None
        self._auth_lock = asyncio.Lock()
        self._order = TurnOrder()

    @property
    def bot_user_id(self) -> str | None:
        """The bot's own user id, once ``authorize`` has asked Slack."""
        return self._auth.bot_user_id if self._auth else None

    async def authorize(self) -> AuthorizeResult:
        """Who the bot is in this workspace: ``auth.test`` once, then remembered."""
        async with self._auth_lock:
            if self._auth is None:
                me = await self.api.call("auth.test", {}, form=True)
                self._auth = AuthorizeResult(
                    enterprise_id=me.get("enterprise_id"),
                    team_id=me.get("team_id"),
                    bot_user_id=me.get("user_id"),
                    bot_id=me.get("bot_id"),
                    bot_token=self._token,
                )
        return self._auth

    async def check_token(self) -> None:
        """Authorize once at start; a failure is logged (with Slack's error) and retried on the next request."""
        with contextlib.suppress(SlackCallError):
            await self.authorize()

    async def receive(self, turn: SlackTurn | None, *, acked: bool) -> None:
        """Run a turn (nothing for None): now if Slack has had its answer (``acked``), else after it."""
        if turn is None:
            return
        if acked:
            await self.take_turn(turn)
        else:
            self.services.tasks.spawn(self.take_turn(turn), name="slack.turn")

    async def show_home(self, user_id: str, *, acked: bool) -> None:
        """Refresh a user's App Home tab: now if Slack has had its answer, else after it."""
        if acked:
            await self._publish_home(user_id)
        else:
            self.services.tasks.spawn(self._publish_home(user_id), name="slack.home")

    async def take_turn(self, turn: SlackTurn) -> None:
        """Open a DM if needed, run the turn, deliver the replies; a message seen before changes nothing.

        One person's turns run one at a time, in the order Slack delivered them, so two quick answers
        get their next questions (and the messages updated) in order.
        """
        async with self._order.one_at_a_time(turn.inbound.user_id):
            await self._take_turn(turn)

    async def _take_turn(self, turn: SlackTurn) -> None:
        try:
            if turn.reply_to.channel is None:
                turn = turn.in_conversation(await self.open_dm(turn.inbound.user_id))
            outcome = await self.services.turns.handle(turn.inbound)
            if not outcome.duplicate:
                await self.deliver(turn, outcome.replies)
        except SlackCallError:
            pass  # logged with its method and error where it failed

    async def open_dm(self, user_id: str) -> str:
        """The id of the direct message between the bot and a user."""
        opened = await self.api.call("conversations.open", {"users": user_id})
        return str(opened["channel"]["id"])

    async def deliver(self, turn: SlackTurn, replies: list[Reply]) -> None:
        """Send a turn's replies where they belong: in the conversation, privately, or to a command."""
        if not replies:
            return
        to, user = turn.reply_to, turn.inbound.user_id
        assert to.channel is not None
        if to.response_url:
            await self._respond(to.response_url, replies, public=to.public)
        elif to.private or (turn.clicked and replies == [ALREADY_ANSWERED]):
            thread = {"thread_ts": to.thread_ts} if to.thread_ts else {}
            message = _combined(replies).payload()
            await self.api.call(
                "chat.postEphemeral", {"channel": to.channel, "user": user, **thread, **message}
            )
        else:
            await self._post(to.channel, replies, turn)

    async def post(self, conversation_id: str, replies: list[Reply]) -> None:
        """Post to a conversation without a message first (the core's Sender, for digests and invitations)."""
        await self._post(conversation_id, replies, None)

    async def _post(self, channel: str, replies: list[Reply], turn: SlackTurn | None) -> None:
        thread = {"thread_ts": turn.reply_to.thread_ts} if turn and turn.reply_to.thread_ts else {}
        done: list[Answered] = []
        asked: tuple[str, str] | None = None
        for reply in replies:
            if isinstance(reply, Answered):
                done.append(reply)
            elif isinstance(reply, Image):
                await self.api.upload_png(
                    channel=channel,
                    png=reply.png,
                    title=reply.title,
                    alt_text=reply.alt_text,
                    thread_ts=thread.get("thread_ts"),
                )
            else:
                sent = await self.api.call(
                    "chat.postMessage", {"channel": channel, **thread, **render(reply).payload()}
                )
                if isinstance(reply, Question):
                    asked = (reply.question_id, str(sent["ts"]))
        if thread:
            return  # threads answer mentions; surveys, and so question messages, live in DMs
        left_behind = turn is not None and _left_behind(turn, done, asked)
        clicked = turn.reply_to.clicked_question if turn is not None else None
        typed = any(reply.question_id != clicked for reply in done)
        earlier = None
        if typed or asked:
            # One write: remember the message of the question just asked (a typed answer will update
            # it), and look up the one a typed answer answered; a click names its own message.
            earlier = await self.services.db.write(
                partial(_swap_posted, conversation_id=channel, asked=asked, look_up=typed, now=utcnow())
            )
        for reply in done:
            ts = _message_of(reply, turn, earlier)
            if ts is not None:
                await self.api.call(
                    "chat.update", {"channel": channel, "ts": ts, **answered(reply).payload()}
                )
        if left_behind and turn is not None:
            blocks = skipped(turn.reply_to.clicked_blocks).payload()
            await self.api.call("chat.update", {"channel": channel, "ts": turn.reply_to.clicked_ts, **blocks})

    async def _respond(self, url: str, replies: list[Reply], *, public: bool) -> None:
        invitations = [r for r in replies if public and isinstance(r, Prompt) and r.choices]
        private = [r for r in replies if r not in invitations]
        for invitation in invitations:
            await self.api.respond(url, {"response_type": "in_channel", **render(invitation).payload()})
        if private:
            await self.api.respond(url, {"response_type": "ephemeral", **_combined(private).payload()})

    async def _publish_home(self, user_id: str) -> None:
        try:
            overview = await self.services.turns.overview(CHANNEL, user_id)
            await self.api.call("views.publish", {"user_id": user_id, "view": home_view(overview)})
        except SlackCallError:
            pass  # logged where it failed


def _combined(replies: list[Reply]) -> Message:
    """Several replies as one message (ephemeral messages and response URLs allow few posts)."""
    messages = [render(reply) for reply in replies]
    blocks = [block for message in messages for block in message.blocks]
    return Message(" ".join(m.text for m in messages)[:3000], blocks[:MAX_BLOCKS])


def _message_of(reply: Answered, turn: SlackTurn | None, earlier: tuple[str, str] | None) -> str | None:
    """Which message showed the question just answered: the one clicked, or the one remembered."""
    if turn is not None and turn.reply_to.clicked_question == reply.question_id:
        return turn.reply_to.clicked_ts
    if earlier is not None and earlier[0] == reply.question_id:
        return earlier[1]
    return None


def _left_behind(turn: SlackTurn, done: list[Answered], asked: tuple[str, str] | None) -> bool:
    """Whether a click moved past the question it was under without answering it (Skip)."""
    question = turn.reply_to.clicked_question
    return bool(
        turn.clicked
        and question
        and turn.reply_to.clicked_ts
        and turn.reply_to.clicked_blocks
        and not any(reply.question_id == question for reply in done)
        and (asked is None or asked[0] != question)
    )


def _swap_posted(
    conn: Connection, *, conversation_id: str, asked: tuple[str, str] | None, look_up: bool, now: Any
) -> tuple[str, str] | None:
    """Remember the new question's message and (``look_up``) take the one remembered before, in one write.

    A row left behind when a survey ends is harmless: the next question asked replaces it, and an
    update only happens when the question ids match.
    """
    earlier = (
        take_posted_question(conn, channel=CHANNEL, conversation_id=conversation_id) if look_up else None
    )
    if asked is not None:
        question_id, ts = asked
        set_posted_question(
            conn,
            channel=CHANNEL,
            conversation_id=conversation_id,
            question_id=question_id,
            message_id=ts,
            now=now,
        )
    return earlier
