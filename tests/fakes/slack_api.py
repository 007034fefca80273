"""A fake Slack Web API for the tests and the benchmark.

An aiohttp server on a free 127.0.0.1 port that answers as Slack does, records every call, can be
told to answer 429 with ``Retry-After`` (or 5xx), or to be slow, and serves a Socket Mode
WebSocket. What Slack sends to the bot (signed events, clicks, commands) is in
``tests/channels/slack/payloads.py``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

from tests.fakes.limits import SlidingLimit, retry_after

T = TypeVar("T")
TEAM = "T0FAKE001"
BOT_USER = "UBOTFAKE1"
BOT_ID = "BBOTFAKE1"


@dataclass
class Call:
    """One recorded request to the fake, and what it answered."""

    method: str
    body: dict[str, Any]
    answer: dict[str, Any] = field(default_factory=dict)
    status: int = 200
    at: float = field(default_factory=time.monotonic)

    @property
    def channel(self) -> str | None:
        """The conversation the call was about."""
        return self.body.get("channel") or self.body.get("channel_id")

    @property
    def ts(self) -> str | None:
        """The message ts the fake gave (posts) or was given (updates)."""
        return self.answer.get("ts") or self.body.get("ts")

    @property
    def blocks(self) -> list[dict[str, Any]]:
        """The Block Kit blocks sent, parsed from JSON if sent as a string."""
        blocks = self.body.get("blocks") or (self.body.get("view") or {}).get("blocks") or []
        return json.loads(blocks) if isinstance(blocks, str) else blocks

    @property
    def all_text(self) -> str:
        """Every piece of text in the call's body, for assertions on what users would see."""
        return json.dumps(self.body, ensure_ascii=False)


@dataclass
class Failure:
    method: str
    status: int
    retry_after: int | None
    error: str = "ratelimited"


class FakeSlack:
    """Start with ``await start()``; ``api_url`` is then what ``GUIDEBOT_SLACK_API_URL`` should be."""

    def __init__(self, token: str | None = None) -> None:
        self.token = token  # when set, other bot tokens get ``invalid_auth``, as from Slack
        self.calls: list[Call] = []
        self.arrived: list[str] = []  # every request's method as it arrives, before any delay
        self.limits: list[tuple[str, SlidingLimit, bool]] = []
        self.listeners: list[Callable[[Call], None]] = []
        self._failures: list[Failure] = []
        self._delays: list[tuple[str, float]] = []
        self._ts = itertools.count(1)
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._socket: web.WebSocketResponse | None = None
        self.port = 0
        # Rosters: channel -> member ids, user group id -> (handle, member ids), user id -> users.info's user.
        self.channel_members: dict[str, list[str]] = {}
        self.groups: dict[str, tuple[str, list[str]]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.page_size: int | None = None  # the most a page holds, whatever ``limit`` asks (cursor pages)

    @property
    def api_url(self) -> str:
        """The Web API base URL, ending in a slash."""
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "cmd") -> str:
        """A slash command's response URL that lands here."""
        return f"http://127.0.0.1:{self.port}/response/{name}"

    async def start(self, port: int = 0) -> FakeSlack:
        """Listen on a free port of 127.0.0.1 (or ``port``, to come back where it was after ``close``)."""
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_post("/response/{name}", self._response)
        app.router.add_post("/upload/{file}", self._upload)
        app.router.add_get("/socket", self._websocket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port, reuse_address=True)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        """Stop listening."""
        if self._socket is not None:
            await self._socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def fail(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = 1,
        times: int = 1,
        error: str = "ratelimited",
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with ``status`` (429 carries ``Retry-After``);
        ``status=200`` with an ``error`` is Slack's own refusal (``{"ok": false, "error": ...}``)."""
        self._failures += [Failure(method, status, retry_after, error) for _ in range(times)]

    def slow(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` only after ``seconds`` (a slow Slack)."""
        self._delays += [(method, seconds)] * times

    def enforce(self, method: str, count: int, seconds: float, *, per_channel: bool = False) -> SlidingLimit:
        """Refuse ``method`` with 429 beyond ``count`` calls in any ``seconds`` (per channel, or workspace-wide)."""
        limit = SlidingLimit(count, seconds)
        self.limits.append((method, limit, per_channel))
        return limit

    def add_people(
        self, channel: str, count: int, *, prefix: str = "UPEOPLE", bots: int = 0, deleted: int = 0
    ) -> list[str]:
        """Put ``count`` people in ``channel`` (the last ``bots`` are bots, the ``deleted`` before them
        deactivated); returns their ids."""
        ids = [f"{prefix}{i:05d}" for i in range(count)]
        for n, uid in enumerate(ids):
            is_bot = n >= count - bots
            gone = not is_bot and n >= count - bots - deleted
            self.users[uid] = {"id": uid, "name": f"person{n}", "is_bot": is_bot, "deleted": gone}
        self.channel_members.setdefault(channel, []).extend(ids)
        return ids

    def fast(self) -> None:
        """Forget every delay still to come (Slack is quick again)."""
        self._delays.clear()

    def to(self, method: str, channel: str | None = None) -> list[Call]:
        """Successful calls of one method, optionally in one conversation."""
        return [
            c
            for c in self.calls
            if c.method == method and c.status == 200 and (channel is None or c.channel == channel)
        ]

    async def wait_for(self, check: Callable[[], T], within: float = 10.0) -> T:
        """Wait until ``check()`` returns something truthy (re-checked after every call), and return it."""
        deadline = asyncio.get_running_loop().time() + within
        while True:
            found = check()
            if found:
                return found
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                seen = [(c.method, c.status) for c in self.calls[-15:]]
                raise AssertionError(f"timed out waiting; last calls: {seen}")
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                continue

    async def socket_send(self, kind: str, payload: dict[str, Any], within: float = 10.0) -> Call:
        """Send a Socket Mode envelope to the connected bot and wait for its acknowledgement."""
        socket = await self.wait_for(lambda: self._socket, within)
        envelope_id = f"env-{next(self._ts)}"
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": 0,
            "retry_reason": "",
        }
        await socket.send_str(json.dumps(envelope))
        return await self.wait_for(
            lambda: next(
                (c for c in self.to("socket.ack") if c.body.get("envelope_id") == envelope_id), None
            ),
            within,
        )

    def _record(self, call: Call) -> Call:
        self.calls.append(call)
        for listener in self.listeners:
            listener(call)
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()
        return call

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.arrived.append(method)
        raw = await request.read()
        if request.content_type == "application/json":
            body = json.loads(raw or b"{}")
        else:
            body = dict(parse_qsl(raw.decode()))
        delay = next((d for d in self._delays if d[0] == method), None)
        if delay is not None:
            self._delays.remove(delay)
            await asyncio.sleep(delay[1])
        failure = next((f for f in self._failures if f.method == method), None)
        if failure is not None:
            self._failures.remove(failure)
            self._record(Call(method, body, {"ok": False, "error": failure.error}, failure.status))
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            return web.json_response(
                {"ok": False, "error": failure.error}, status=failure.status, headers=headers
            )
        for limited, limit, per_channel in self.limits:
            if limited != method:
                continue
            wait = limit.admit(str(body.get("channel") or body.get("users")) if per_channel else "workspace")
            if wait is not None:
                self._record(Call(method, body, {"ok": False, "error": "ratelimited"}, 429))
                return web.json_response(
                    {"ok": False, "error": "ratelimited"},
                    status=429,
                    headers={"Retry-After": retry_after(wait)},
                )
        given = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if self.token and given.startswith("xoxb-") and given != self.token:
            answer = {"ok": False, "error": "invalid_auth"}
        else:
            answer = self._answer(method, body)
        self._record(Call(method, body, answer))
        return web.json_response(answer)

    def _answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        match method:
            case "auth.test":
                return {
                    "ok": True,
                    "user_id": BOT_USER,
                    "bot_id": BOT_ID,
                    "team_id": TEAM,
                    "user": "guidebot",
                }
            case "chat.postMessage":
                return {"ok": True, "channel": body.get("channel"), "ts": f"1700000000.{next(self._ts):06d}"}
            case "chat.update":
                return {"ok": True, "channel": body.get("channel"), "ts": body.get("ts")}
            case "chat.postEphemeral":
                return {"ok": True, "message_ts": f"1700000000.{next(self._ts):06d}"}
            case "conversations.open":
                return {"ok": True, "channel": {"id": "D" + str(body.get("users", "")).lstrip("U")}}
            case "views.publish":
                return {"ok": True, "view": {"id": f"V{next(self._ts)}"}}
            case "apps.connections.open":
                return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}
            case "files.getUploadURLExternal":
                file_id = f"F{next(self._ts)}"
                return {
                    "ok": True,
                    "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}",
                    "file_id": file_id,
                }
            case "files.completeUploadExternal":
                return {"ok": True, "files": body.get("files")}
            case "conversations.members":
                found = self.channel_members.get(str(body.get("channel")))
                if found is None:
                    return {"ok": False, "error": "channel_not_found"}
                return self._page(found, body, "members")
            case "usergroups.list":
                return {
                    "ok": True,
                    "usergroups": [{"id": g, "handle": h} for g, (h, _) in self.groups.items()],
                }
            case "usergroups.users.list":
                group = self.groups.get(str(body.get("usergroup")))
                if group is None:
                    return {"ok": False, "error": "no_such_subteam"}
                return self._page(group[1], body, "users")
            case "users.info":
                user = self.users.get(str(body.get("user")))
                return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
            case "users.list":
                return self._page(list(self.users.values()), body, "members")
        return {"ok": False, "error": "unknown_method"}

    def _page(self, items: list[Any], body: dict[str, Any], key: str) -> dict[str, Any]:
        """One cursor page, as Slack pages: ``next_cursor`` empty on the last."""
        size = min(int(body.get("limit") or 100), self.page_size or 1000)
        start = int(body.get("cursor") or 0)
        following = start + size if start + size < len(items) else None
        return {
            "ok": True,
            key: items[start : start + size],
            "response_metadata": {"next_cursor": str(following) if following is not None else ""},
        }

    async def _response(self, request: web.Request) -> web.Response:
        self._record(Call("response_url", await request.json(), {"name": request.match_info["name"]}))
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        form = await request.post()
        size = len(form["file"].file.read()) if "file" in form else 0  # type: ignore[union-attr]
        self._record(Call("files.upload", {"file_id": request.match_info["file"], "size": size}))
        return web.Response(text="OK - uploaded", content_type="text/plain")

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_str(json.dumps({"type": "hello", "num_connections": 1}))
        self._socket = socket
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                self._record(Call("socket.ack", json.loads(message.data)))
        return socket
