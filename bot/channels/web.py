"""The local web chat: a page at ``/`` and a JSON endpoint at ``POST /api/chat``.

It trusts the ``user_id`` it is sent, so it is on only when the server listens on loopback, or
when ``GUIDEBOT_WEB_TOKEN`` is set and every request carries it.
"""

from __future__ import annotations

import hmac
import json
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.channels.web_render import render
from bot.inbound import Inbound
from bot.turn import MAX_TEXT, TurnHandler
from dialogs.replies import Text

STATIC = Path(__file__).parent / "web_static"
MAX_BODY = 64 * 1024
MAX_ID = 200


def json_error(status: int, message: str) -> web.Response:
    """An error as ``{"error": ...}`` with the given status."""
    return web.json_response({"error": message}, status=status)


class WebChat:
    """Routes for the web chat."""

    def __init__(self, turns: TurnHandler, *, enabled: bool, token: str | None) -> None:
        self.turns = turns
        self.enabled = enabled
        self.token = token

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
        return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    async def chat(self, request: web.Request) -> web.Response:
        """One message from the page: ``{"user_id", "message_id"?, "text" | "value"}`` -> ``{"replies"}``."""
        if not self.enabled:
            return json_error(404, "The web chat is off on this server.")
        if self.token and not _token_ok(request, self.token):
            return json_error(401, "Missing or wrong token.")
        if request.content_length is not None and request.content_length > MAX_BODY:
            return json_error(413, f"The request is too large (limit {MAX_BODY // 1024} KiB).")
        body = await request.content.read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            return json_error(413, f"The request is too large (limit {MAX_BODY // 1024} KiB).")
        parsed = parse_chat(body)
        if isinstance(parsed, str):
            return json_error(400, parsed)
        if parsed.text is not None and len(parsed.text) > MAX_TEXT:
            refusal = Text(
                f"Sorry, that message is too long ({len(parsed.text)} characters). "
                f"Please keep it under {MAX_TEXT} characters; nothing was saved."
            )
            return web.json_response({"replies": [render(refusal)], "duplicate": False})
        outcome = await self.turns.handle(parsed)
        return web.json_response(
            {"replies": [render(r) for r in outcome.replies], "duplicate": outcome.duplicate}
        )


def parse_chat(body: bytes) -> Inbound | str:
    """The request body as an Inbound, or a message saying what is wrong with it."""
    try:
        data: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return "The body must be JSON."
    if not isinstance(data, dict):
        return "The body must be a JSON object."
    user_id, message_id, text = data.get("user_id"), data.get("message_id"), data.get("text")
    if not isinstance(user_id, str) or not user_id.strip() or len(user_id) > MAX_ID:
        return f"'user_id' is required: a non-empty string of at most {MAX_ID} characters."
    if message_id is not None and (
        not isinstance(message_id, str) or not message_id or len(message_id) > MAX_ID
    ):
        return f"'message_id' must be a non-empty string of at most {MAX_ID} characters."
    if text is not None and not isinstance(text, str):
        return "'text' must be a string."
    value = data.get("value")
    if text is None and value is None:
        return "Send 'text' or 'value'."
    if value is not None and not isinstance(value, dict | str | int | float | list):
        return "'value' must be a choice's value as sent."
    return Inbound(
        channel="web",
        user_id=user_id.strip(),
        conversation_id=f"web:{user_id.strip()}",
        message_id=message_id,
        text=text,
        value=value,
    )


def _token_ok(request: web.Request, token: str) -> bool:
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return hmac.compare_digest(given.encode(), token.encode())
