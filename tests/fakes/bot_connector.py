"""A fake Bot Connector: an aiohttp server on a free 127.0.0.1 port that records what the bot sends.

It answers as the real service does: ``POST /v3/conversations/{id}/activities[/{activityId}]``
gets 201 with a new activity id, ``PUT`` (an update) 200 with the id, ``POST /v3/conversations``
201 with the conversation id (the same one for the same user, as Teams does for personal chats).
Failures can be queued (``fail_next``) to exercise retries and blocked users; ``listeners`` are
called with each request as it is recorded (the benchmark times turns with them).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from bot.settings import REPO_CONTENT
from dialogs.privacy_notice import NOTICE_FILE, load_notice_wording
from tests.fakes.limits import SlidingLimit, retry_after

NOTICE_TITLE = load_notice_wording(REPO_CONTENT / NOTICE_FILE).title


@dataclass(frozen=True)
class Call:
    """One recorded request."""

    method: str
    conversation_id: str | None
    activity_id: str | None
    body: Any
    headers: dict[str, str]
    new_id: str | None = None
    status: int = 0
    at: float = field(default_factory=time.monotonic)

    @property
    def is_privacy_notice(self) -> bool:
        """Whether the activity is the privacy notice's card (its heading first)."""
        body = (self.card or {}).get("body") or [{}]
        heading = "".join(run.get("text", "") for run in body[0].get("inlines", []))
        return heading == NOTICE_TITLE

    @property
    def card(self) -> dict[str, Any] | None:
        """The Adaptive Card the activity carries, if any."""
        for attachment in (self.body or {}).get("attachments") or []:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                return attachment["content"]
        return None


@dataclass
class Failure:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    method: str | None = None


class FakeBotConnector:
    """Start with ``await start()``; ``url`` is then the service URL to put in activities."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.url = ""
        self._failures: list[Failure] = []
        self._ids = itertools.count(1000)
        self._runner: web.AppRunner | None = None
        self.changed = asyncio.Event()
        self.listeners: list[Callable[[Call], None]] = []
        self.tenant_limit: SlidingLimit | None = None
        self.conversation_limits: list[SlidingLimit] = []
        # Rosters: conversation or team id -> members ({"id", "aadObjectId", "name"}), paged.
        self.rosters: dict[str, list[dict[str, Any]]] = {}
        self.page_size = 100
        # Members the app is not installed for: creating their personal chat gets 403.
        self.not_installed: set[str] = set()

    async def start(self) -> str:
        """Listen on a free port; returns the service URL (with its trailing slash)."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/"
        return self.url

    async def close(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()

    def fail_next(
        self, status: int, *, times: int = 1, headers: dict[str, str] | None = None, method: str | None = None
    ) -> None:
        """Answer the next ``times`` matching requests with ``status`` instead of success."""
        self._failures += [Failure(status, headers or {}, method) for _ in range(times)]

    def enforce(self, *, tenant: tuple[int, float] | None, conversation: list[tuple[int, float]]) -> None:
        """Refuse with 429 beyond the documented limits: per tenant, and per conversation."""
        self.tenant_limit = SlidingLimit(*tenant) if tenant else None
        self.conversation_limits = [SlidingLimit(n, w) for n, w in conversation]

    def _over_limit(self, conversation_id: str | None, body: Any) -> float | None:
        # One tenant behind this fake: every request counts against it (sends carry no tenant id).
        waits = [self.tenant_limit.admit("tenant")] if self.tenant_limit else []
        if conversation_id is not None:
            waits += [limit.admit(conversation_id) for limit in self.conversation_limits]
        found = [w for w in waits if w is not None]
        return max(found) if found else None

    def posts(self, conversation_id: str | None = None, *, notices: bool = False) -> list[Call]:
        """Activities posted (to one conversation, or anywhere).

        The privacy notice a person's first message gets is left out unless ``notices`` (tests of
        other things need not count it; ``tests/governance/test_privacy_notice_teams.py`` checks it).
        """
        return [
            c
            for c in self.calls
            if c.method == "POST"
            and c.status != 429
            and c.conversation_id is not None
            and (conversation_id is None or c.conversation_id == conversation_id)
            and (notices or not c.is_privacy_notice)
        ]

    def updates(self, conversation_id: str | None = None) -> list[Call]:
        """Activities replaced with PUT."""
        return [
            c
            for c in self.calls
            if c.method == "PUT" and (conversation_id is None or c.conversation_id == conversation_id)
        ]

    def created(self) -> list[Call]:
        """Conversations created with ``POST /v3/conversations``."""
        return [
            c
            for c in self.calls
            if c.method == "POST" and c.conversation_id is None and c.status not in (403, 429)
        ]

    async def wait_for(self, condition: Callable[[], Any], within: float = 5.0) -> Any:
        """Poll until ``condition()`` is truthy (returned), failing after ``within`` seconds."""
        deadline = time.monotonic() + within
        while True:
            found = condition()
            if found:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {within}s; {len(self.calls)} calls recorded")
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), timeout=0.05)

    async def _handle(self, request: web.Request) -> web.Response:
        parts = [unquote(p) for p in request.raw_path.split("?")[0].split("/") if p]
        if parts[:2] != ["v3", "conversations"]:
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        conversation_id = parts[2] if len(parts) > 2 else None
        activity_id = parts[4] if len(parts) > 4 else None
        if request.method == "GET" and len(parts) == 4 and parts[3] == "pagedmembers":
            return self._members(request, parts[2])
        body = await request.json() if request.can_read_body else None
        member = ((body or {}).get("members") or [{}])[0].get("id", "") if conversation_id is None else ""
        if request.method == "POST" and conversation_id is None and member in self.not_installed:
            self.calls.append(Call("POST", None, None, body, dict(request.headers), None, 403))
            self.changed.set()
            return web.json_response(
                {"error": {"code": "Forbidden", "message": "the bot is not installed for this user"}},
                status=403,
            )
        wait = (
            self._over_limit(conversation_id, body) if self.tenant_limit or self.conversation_limits else None
        )
        if wait is not None:
            call = Call(request.method, conversation_id, activity_id, body, dict(request.headers), None, 429)
            self.calls.append(call)
            return web.json_response(
                {"error": {"code": "Throttled"}}, status=429, headers={"Retry-After": retry_after(wait)}
            )
        failure = self._take_failure(request.method)
        new_id: str | None = None
        if failure is None:
            if conversation_id is None:
                member = ((body or {}).get("members") or [{}])[0].get("id", "")
                new_id = f"a:personal-{member}"
            elif request.method == "PUT":
                new_id = activity_id
            else:
                new_id = str(next(self._ids))
        call = Call(request.method, conversation_id, activity_id, body, dict(request.headers), new_id)
        self.calls.append(call)
        self.changed.set()
        for listener in self.listeners:
            listener(call)
        if failure is not None:
            return web.json_response(
                {"error": {"code": "Failure", "message": "injected"}},
                status=failure.status,
                headers=failure.headers,
            )
        status = 200 if request.method == "PUT" else 201
        return web.json_response({"id": new_id}, status=status)

    def _members(self, request: web.Request, where: str) -> web.Response:
        roster = self.rosters.get(where)
        self.calls.append(Call("GET", where, None, dict(request.query), dict(request.headers), None, 200))
        if roster is None:
            return web.json_response({"error": {"code": "ConversationNotFound"}}, status=404)
        size = min(int(request.query.get("pageSize") or 100), self.page_size)
        start = int(request.query.get("continuationToken") or 0)
        following = start + size if start + size < len(roster) else None
        page: dict[str, Any] = {"members": roster[start : start + size]}
        if following is not None:
            page["continuationToken"] = str(following)
        return web.json_response(page)

    def _take_failure(self, method: str) -> Failure | None:
        for i, failure in enumerate(self._failures):
            if failure.method in (None, method):
                return self._failures.pop(i)
        return None
