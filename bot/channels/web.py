"""The local web chat: a page at ``/`` and a JSON endpoint at ``POST /api/chat``.

Who a web chat user is depends on how the server is deployed (``GUIDEBOT_WEB_AUTH``):

- ``local``: on a loopback address with no token, for trying the bot on one's own machine. The
  page's ``user_id`` is trusted, as everyone who can reach the port is on this machine.
- ``kiosk``: ``GUIDEBOT_WEB_TOKEN`` set and nothing else. Anyone holding the shared token could
  claim any ``user_id``, so it is ignored: each browser gets its own signed session cookie, its
  user holds no role, and its answers count towards no figure (anyone could invent users).
- ``proxy``: the council's reverse proxy signs people in and sets ``GUIDEBOT_WEB_USER_HEADER``
  (``X-Forwarded-User``) on every request, and also sends the token, which proves the request
  came through the proxy. People are who the proxy says; roles (``web:<name>``) and figures work
  as on Slack and Teams.

The web chat answers in the request itself: its replies are the HTTP answer, so they do not go
through the outbox (it cannot be written to first); a retried ``message_id`` changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.channels.http_body import BadBody, parse_json, read_body
from bot.channels.web_render import render
from bot.inbound import Inbound
from bot.runtime.adapter import Arrival, DeliveryError, Limit
from bot.runtime.runtime import Runtime
from bot.runtime.sanitize import readable
from bot.turn import MAX_TEXT
from dialogs import values
from dialogs.replies import Reply, Text

STATIC = Path(__file__).parent / "web_static"
MAX_BODY = 64 * 1024
MAX_ID = 200
CHANNEL = "web"
SESSION_COOKIE = "guidebot_session"
LOCAL, KIOSK, PROXY, OFF = "local", "kiosk", "proxy", "off"


def json_error(status: int, message: str) -> web.Response:
    """An error as ``{"error": ...}`` with the given status."""
    return web.json_response({"error": message}, status=status)


class WebChat:
    """The web chat channel: its routes, and the adapter interface (it answers in the request)."""

    name = CHANNEL

    def __init__(
        self,
        runtime: Runtime,
        *,
        mode: str,
        token: str | None,
        session_key: bytes,
        user_header: str = "X-Forwarded-User",
        org_name: str = "Your council",
        privacy_url: str = "",
    ) -> None:
        self.runtime = runtime
        self.mode = mode
        self.token = token
        self._session_key = hashlib.sha256(b"guidebot:web-session:" + session_key).digest()
        self.user_header = user_header
        self._page = chat_page(org_name, privacy_url)

    @property
    def enabled(self) -> bool:
        """Whether the web chat is served at all."""
        return self.mode != OFF

    def add_routes(self, app: web.Application) -> None:
        """Mount the page, its static files and the JSON endpoint."""
        app.router.add_get("/", self.page)
        app.router.add_static("/static/", STATIC, append_version=False)
        app.router.add_post("/api/chat", self.chat)

    async def page(self, request: web.Request) -> web.StreamResponse:
        """The chat page (plain HTML, no build step)."""
        if not self.enabled:
            return web.Response(
                status=404, text="The web chat is off: set GUIDEBOT_WEB_TOKEN to use it here."
            )
        return web.Response(
            text=self._page, content_type="text/html", charset="utf-8", headers={"Cache-Control": "no-cache"}
        )

    async def chat(self, request: web.Request) -> web.Response:
        """One message from the page: ``{"user_id", "message_id"?, "text" | "value"}`` -> ``{"replies"}``."""
        if not self.enabled:
            return json_error(404, "The web chat is off on this server.")
        if self.token and not token_ok(request.headers.get("Authorization"), self.token):
            return json_error(401, "Missing or wrong token: send Authorization: Bearer <token>.")
        try:
            data = parse_json(await read_body(request, MAX_BODY))
        except BadBody as bad:
            return json_error(bad.status, bad.message)
        if not isinstance(data, dict):
            return json_error(400, "The body must be a JSON object.")
        session = None
        user = self._user(request, data)
        if isinstance(user, web.Response):
            return user
        if user is None:  # kiosk mode: the session cookie says who
            session, user = self._session(request)
        parsed = parse_chat(data, user, authenticated=self.mode != KIOSK)
        if isinstance(parsed, str):
            return json_error(400, parsed)
        if parsed.text is not None and len(parsed.text) > MAX_TEXT:
            refusal = Text(
                f"Sorry, that message is too long ({len(parsed.text)} characters). "
                f"Please keep it under {MAX_TEXT} characters; nothing was saved."
            )
            return self._answer([refusal], False, session)
        outcome = await self.runtime.respond(Arrival(parsed, reply_to=None))
        return self._answer(outcome.replies, outcome.duplicate, session)

    def _answer(self, replies: list[Reply], duplicate: bool, session: str | None) -> web.Response:
        resp = web.json_response({"replies": [render(r) for r in replies], "duplicate": duplicate})
        if session is not None:
            resp.set_cookie(SESSION_COOKIE, session, httponly=True, samesite="Strict", max_age=12 * 3600)
        return resp

    def _user(self, request: web.Request, data: dict[str, Any]) -> str | web.Response | None:
        """Who sent the message, where the deployment says (None: a kiosk session decides)."""
        if self.mode == PROXY:
            user = request.headers.get(self.user_header, "").strip()
            if not user or len(user) > MAX_ID or not readable(user):
                return json_error(401, f"The {self.user_header} header from the sign-in proxy is missing.")
            return user
        if self.mode == KIOSK:
            return None
        user_id = data.get("user_id")
        if not isinstance(user_id, str) or not user_id.strip() or len(user_id) > MAX_ID:
            return json_error(
                400, f"'user_id' is required: a non-empty string of at most {MAX_ID} characters."
            )
        if not readable(user_id):
            return json_error(400, "'user_id' has characters that cannot be stored.")
        return user_id.strip()

    def _session(self, request: web.Request) -> tuple[str | None, str]:
        """A kiosk browser's user, from its signed session cookie; a new session when it has none."""
        cookie = request.cookies.get(SESSION_COOKIE, "")
        ident, _, mac = cookie.partition(".")
        if ident and hmac.compare_digest(mac, self._sign(ident)):
            return None, f"kiosk-{ident}"
        ident = secrets.token_urlsafe(12)
        return f"{ident}.{self._sign(ident)}", f"kiosk-{ident}"

    def _sign(self, ident: str) -> str:
        return hmac.new(self._session_key, ident.encode(), hashlib.sha256).hexdigest()[:32]

    # The adapter interface: the web chat answers in the request, so nothing is sent later.
    def conversation(self, address: Mapping[str, Any]) -> str:
        """The web chat's conversations are its users."""
        return str(address.get("user", ""))

    def messages(self, address: Mapping[str, Any], replies: list[Reply]) -> list[list[Reply]]:
        """One reply per message."""
        return [[reply] for reply in replies]

    def limits(self, op: str, address: Mapping[str, Any]) -> tuple[Limit, ...]:
        """No platform limits."""
        return ()

    async def send(self, address: Mapping[str, Any], replies: list[Reply]) -> str | None:
        """The web chat cannot be written to first."""
        raise DeliveryError("web_chat_is_answer_only", permanent=True)

    async def edit(self, address: Mapping[str, Any], message_id: str, replies: list[Reply]) -> None:
        """The page shows answers itself."""
        raise DeliveryError("web_chat_is_answer_only", permanent=True)

    def standing_address(self, address: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """None: scheduled digests for the web chat wait until someone there asks."""
        return None


def chat_page(org_name: str, privacy_url: str) -> str:
    """The chat page with the council's name and its privacy notice's link filled in (escaped).

    Without GUIDEBOT_PRIVACY_URL the page says plainly that there is no link yet.
    """
    org = escape(org_name)
    if privacy_url:
        link = f'<a href="{escape(privacy_url, quote=True)}">{org} privacy notice</a>'
    else:
        link = f"{org} has not yet linked its privacy notice here"
    template = (STATIC / "index.html").read_text(encoding="utf-8")
    return template.replace("{{privacy_link}}", link).replace("{{org_name}}", org)


def parse_chat(data: Any, user_id: str, *, authenticated: bool = True) -> Inbound | str:
    """The request as an Inbound, or a message saying what is wrong with it."""
    if not isinstance(data, dict):
        return "The body must be a JSON object."
    message_id, text = data.get("message_id"), data.get("text")
    if message_id is not None and (
        not isinstance(message_id, str) or not message_id or len(message_id) > MAX_ID
    ):
        return f"'message_id' must be a non-empty string of at most {MAX_ID} characters."
    if message_id is not None and not readable(message_id):
        return "'message_id' has characters that cannot be stored."
    if text is not None and not isinstance(text, str):
        return "'text' must be a string."
    if text is not None and not readable(text):
        return "'text' has characters that cannot be stored (a NUL, or half of a surrogate pair)."
    raw = data.get("value")
    if text is None and raw is None:
        return "Send 'text' or 'value'."
    value = None
    if raw is not None:
        value = values.decode(raw)
        if value is None:
            return "'value' must be a choice's value as the bot sent it."
    return Inbound(
        channel=CHANNEL,
        user_id=user_id,
        conversation_id=f"web:{user_id}",
        message_id=message_id,
        text=text,
        value=value,
        authenticated=authenticated,
    )


def token_ok(header: str | None, token: str) -> bool:
    """An ``Authorization: Bearer <token>`` header with the right token (the scheme in any case)."""
    scheme, _, given = (header or "").strip().partition(" ")
    if scheme.casefold() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())
