"""Slack as a channel adapter: replies rendered as Block Kit and sent, edited and paced as Slack allows.

The core runtime decides what to send and keeps it in the outbox; this only knows Slack: which
Web API call a message needs (a post, an ephemeral message, a slash command's response URL, a
file upload for a chart, ``chat.update`` for an answered question), how replies group into
messages, Slack's documented rate limits, and which of its errors are worth retrying.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from slack_bolt.authorization import AuthorizeResult

from bot.channels.slack.inbound import CHANNEL
from bot.channels.slack.outbound import SlackApi, SlackCallError
from bot.channels.slack.render import Message, answered, home_view, render
from bot.runtime.adapter import Address, Arrival, DeliveryError, Limit, Member, RosterError
from dialogs.replies import Answered, Image, Prompt, Reply, Text

MAX_BLOCKS = 50
# Errors after which another try cannot help: the conversation or person is gone, or the message is wrong.
PERMANENT = frozenset(
    {
        "channel_not_found", "not_in_channel", "is_archived", "user_not_found", "users_not_found",
        "account_inactive", "cannot_dm_bot", "messages_tab_disabled", "restricted_action",
        "invalid_auth", "not_authed", "token_revoked", "account_deleted", "msg_too_long",
        "invalid_blocks", "no_text", "message_not_found", "cant_update_message", "edit_window_closed",
        "expired_url", "used_url", "not_allowed_token_type",
    }
)  # fmt: skip
# Slack's own errors that say "try again later" (HTTP 429, 5xx and network errors are retried too).
TRANSIENT = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
)
# Documented limits (api.slack.com/apis/rate-limits): about one message a second per
# conversation with short bursts, a workspace-wide limit on posting, and tiers per method.
POST_PER_CONVERSATION = (4, 4.0)
POSTS_PER_WORKSPACE = (300, 60.0)
TIER_2, TIER_3, TIER_4 = (20, 60.0), (50, 60.0), (100, 60.0)
RESPONSE_URL_USES = (5, 1800.0)
TRIES = 1  # one try per send: the outbox retries, durably
ROSTER_TRIES = 6  # roster pages wait out 429s: the manager is waiting for the count
PAGE = 200
# Beyond this many people, one users.list page of 200 costs less than 200 users.info calls.
USERS_INFO_UP_TO = 200


class SlackChannel:
    """The Slack adapter, on one shared SlackApi."""

    name = CHANNEL

    def __init__(self, api: SlackApi, *, token: str) -> None:
        self.api = api
        self._token = token
        self._auth: AuthorizeResult | None = None
        self._auth_lock = asyncio.Lock()

    @property
    def bot_user_id(self) -> str | None:
        """The bot's own user id, once ``authorize`` has asked Slack."""
        return self._auth.bot_user_id if self._auth else None

    @property
    def team_id(self) -> str | None:
        """The workspace the bot is installed in, once ``authorize`` has asked Slack."""
        return self._auth.team_id if self._auth else None

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
        with contextlib.suppress(SlackCallError):  # logged where it failed
            await self.authorize()

    # The adapter interface.
    def conversation(self, address: Address) -> str:
        """The Slack conversation (or, before its DM is opened, the person) an address writes to."""
        return str(address.get("channel") or address.get("user") or "")

    def messages(self, address: Address, replies: list[Reply]) -> list[list[Reply]]:
        """Ephemeral messages and response URLs allow few posts: their replies share one message."""
        if address.get("response_url"):
            public = bool(address.get("public"))
            invitations: list[list[Reply]] = [
                [r] for r in replies if public and isinstance(r, Prompt) and r.choices
            ]
            rest = [r for r in replies if not (public and isinstance(r, Prompt) and r.choices)]
            return invitations + ([rest] if rest else [])
        if address.get("private"):
            return [list(replies)]
        return [[reply] for reply in replies]

    def limits(self, op: str, address: Address) -> tuple[Limit, ...]:
        """Slack's limits for one send (keys name the conversation; the core hashes them)."""
        where = self.conversation(address)
        if op == "edit":
            return (Limit("slack:chat.update", *TIER_3),)
        if op == "home":
            return (Limit("slack:views.publish", *TIER_4),)
        if address.get("response_url"):
            return (Limit(f"slack:response:{address['response_url']}", *RESPONSE_URL_USES),)
        if address.get("private"):
            return (Limit("slack:chat.postEphemeral", *TIER_4),)
        found = [
            Limit(f"slack:post:{where}", *POST_PER_CONVERSATION),
            Limit("slack:posts", *POSTS_PER_WORKSPACE),
        ]
        if address.get("open"):
            found.append(Limit("slack:conversations.open", *TIER_3))
        return tuple(found)

    async def send(self, address: Address, replies: list[Reply]) -> str | None:
        """Post one message; returns its ``ts`` (None for ephemeral messages, response URLs and files)."""
        try:
            return await self._send(address, replies)
        except SlackCallError as failed:
            raise _delivery_error(failed) from None

    async def edit(self, address: Address, message_id: str, replies: list[Reply]) -> None:
        """Show an answered question in place, without its buttons."""
        done = next((r for r in replies if isinstance(r, Answered)), None)
        if done is None:
            return
        payload = {"channel": self.conversation(address), "ts": message_id, **answered(done).payload()}
        try:
            await self.api.call("chat.update", payload, tries=TRIES)
        except SlackCallError as failed:
            raise _delivery_error(failed) from None

    def standing_address(self, address: Address) -> Address | None:
        """Later messages go as new posts in the conversation (not in a thread, not privately)."""
        channel = address.get("channel")
        return {"channel": channel} if channel else None

    async def open_direct(self, arrival: Arrival) -> Arrival | None:
        """Open the sender's direct message with the bot and move the turn there."""
        user = arrival.inbound.user_id
        channel = await self.open_dm(user)
        return arrival.to({"channel": channel, "user": user}, channel)

    async def open_dm(self, user_id: str, *, tries: int | None = None) -> str:
        """The id of the direct message between the bot and a user."""
        opened = await self.api.call("conversations.open", {"users": user_id}, tries=tries)
        channel = opened.get("channel")
        if not isinstance(channel, dict) or not isinstance(channel.get("id"), str):
            raise SlackCallError("conversations.open", "no_channel_in_answer")
        return channel["id"]

    async def members(self, address: Address, audience: Any) -> list[Member]:
        """This channel's members, or a user group's, each checked with ``users.info`` (or, for
        many people, ``users.list``) for bots and deactivated accounts. Raises RosterError."""
        try:
            if audience.kind == "group":
                ids = await self._group_members(str(audience.ref))
            elif audience.kind == "team":
                raise RosterError(
                    "In Slack, name a user group (for example `for @childrens-services`), or start the "
                    "campaign in a channel to ask its members."
                )
            else:
                channel = self.conversation(address)
                if not channel or channel.startswith("D"):
                    raise RosterError("Start a campaign in a channel, or name a user group.")
                ids = await self._pages("conversations.members", {"channel": channel}, "members")
            auth = await self.authorize()
            me, team = self.bot_user_id or auth.bot_user_id, auth.team_id
            people = await self._people(list(dict.fromkeys(ids)))
        except SlackCallError as failed:
            raise RosterError(_roster_refusal(failed.error)) from None
        return [
            Member(
                uid,
                {"user": uid, "open": True},
                is_bot=bot or uid == me or uid == "USLACKBOT",
                active=active,
                workspace=team,
            )
            for uid, (bot, active) in people.items()
        ]

    async def _group_members(self, ref: str) -> list[str]:
        group = ref
        if ref.startswith("@"):
            listed = await self.api.call("usergroups.list", {}, form=True, tries=ROSTER_TRIES)
            found = [
                g for g in listed.get("usergroups") or [] if "@" + str(g.get("handle", "")).casefold() == ref
            ]
            if not found:
                raise RosterError(f"I couldn't find a user group called {ref} in this workspace.")
            group = str(found[0]["id"])
        return await self._pages("usergroups.users.list", {"usergroup": group}, "users")

    async def _pages(self, method: str, payload: dict[str, Any], key: str) -> list[str]:
        found: list[str] = []
        cursor = ""
        while True:
            page = await self.api.call(
                method, {**payload, "limit": PAGE, **({"cursor": cursor} if cursor else {})}, form=True,
                tries=ROSTER_TRIES,
            )  # fmt: skip
            found += [str(u) for u in page.get(key) or []]
            cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                return found

    async def _people(self, ids: list[str]) -> dict[str, tuple[bool, bool]]:
        """(is a bot, is active) for each id, in the order given."""
        wanted = set(ids)
        seen: dict[str, tuple[bool, bool]] = {}
        if len(ids) > USERS_INFO_UP_TO:
            cursor = ""
            while True:
                page = await self.api.call(
                    "users.list", {"limit": PAGE, **({"cursor": cursor} if cursor else {})}, form=True,
                    tries=ROSTER_TRIES,
                )  # fmt: skip
                for user in page.get("members") or []:
                    if user.get("id") in wanted:
                        seen[user["id"]] = _kind(user)
                cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
                if not cursor:
                    break
        else:
            for uid in ids:
                info = await self.api.call("users.info", {"user": uid}, form=True, tries=ROSTER_TRIES)
                seen[uid] = _kind(info.get("user") or {})
        return {uid: seen.get(uid, (False, False)) for uid in ids}

    async def publish_home(self, address: Address, replies: list[Reply]) -> None:
        """Refresh a user's App Home tab."""
        try:
            await self.api.call(
                "views.publish", {"user_id": address["user"], "view": home_view(replies)}, tries=TRIES
            )
        except SlackCallError as failed:
            raise _delivery_error(failed) from None

    async def _send(self, address: Address, replies: list[Reply]) -> str | None:
        if address.get("response_url"):
            public = bool(address.get("public")) and len(replies) == 1 and isinstance(replies[0], Prompt)
            kind = "in_channel" if public else "ephemeral"
            await self.api.respond(
                str(address["response_url"]),
                {"response_type": kind, **_combined(replies).payload()},
                tries=TRIES,
            )
            return None
        channel = self.conversation(address)
        if address.get("open"):
            channel = await self.open_dm(str(address["user"]), tries=TRIES)
        thread = {"thread_ts": address["thread_ts"]} if address.get("thread_ts") else {}
        private = address.get("private") or all(isinstance(r, Text) and r.private for r in replies)
        if private and address.get("user"):
            message = _combined(replies).payload()
            payload = {"channel": channel, "user": address["user"], **thread, **message}
            await self.api.call("chat.postEphemeral", payload, tries=TRIES)
            return None
        [reply] = replies
        if isinstance(reply, Image):
            await self.api.upload_png(
                channel=channel, png=reply.png, title=reply.title, alt_text=reply.alt_text,
                thread_ts=thread.get("thread_ts"), tries=TRIES,
            )  # fmt: skip
            return None
        sent = await self.api.call(
            "chat.postMessage", {"channel": channel, **thread, **render(reply).payload()}, tries=TRIES
        )
        ts = sent.get("ts")
        return str(ts) if ts is not None else None


def _kind(user: dict[str, Any]) -> tuple[bool, bool]:
    return bool(user.get("is_bot") or user.get("is_app_user")), not user.get("deleted")


def _roster_refusal(error: str) -> str:
    if error in ("not_in_channel", "channel_not_found"):
        return "I can't see this channel's members: add me to the channel first (`/invite @guidebot`)."
    if error in ("missing_scope", "no_permission"):
        return (
            "Slack didn't let me read the members (the app needs the channels:read, groups:read, "
            "usergroups:read and users:read scopes)."
        )
    if error == "no_such_subteam":
        return "Slack doesn't know that user group."
    return f"Slack didn't give me the members this time ({error}). Please try again in a few minutes."


def _combined(replies: list[Reply]) -> Message:
    """Several replies as one message (ephemeral messages and response URLs allow few posts).

    Each reply keeps its own blocks, with a divider between one reply's and the next, and its own
    line of the notification text, so an answer and "Was this helpful?" never run together.
    """
    messages = [render(reply) for reply in replies if not isinstance(reply, Answered)]
    blocks: list[dict[str, Any]] = []
    for message in messages:
        if blocks and message.blocks:
            blocks.append({"type": "divider"})
        blocks += message.blocks
    return Message("\n\n".join(m.text for m in messages)[:3000], blocks[:MAX_BLOCKS])


def _delivery_error(failed: SlackCallError) -> DeliveryError:
    transient = failed.retryable or failed.error in TRANSIENT
    permanent = failed.error in PERMANENT or not transient
    return DeliveryError(failed.error, permanent=permanent, retry_after=failed.retry_after)
