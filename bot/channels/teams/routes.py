"""``POST /api/messages``: authenticate, answer at once, run the turn after the answer.

Teams gives up on slow answers and retries card submits, so the HTTP answer (201, empty body)
goes out as soon as the request is authenticated; botbuilder's ``CloudAdapter`` then runs the
turn pipeline as background work, one turn at a time per user so replies keep their order.
Replies, scheduled digests and invitations go out through the core's outbox and this channel's
adapter (``TeamsAdapter``), on the same connector client.
"""

from __future__ import annotations

import json
from functools import partial

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticateRequestResult

from bot.channels.http_body import BadBody, read_body
from bot.channels.teams.auth import Gate, Mode, login_url, outbound_scope, service_url_allowed
from bot.channels.teams.handler import ImageUrl, TeamsAdapter, TeamsHandler
from bot.channels.teams.outbound import BotConnector, TokenSource
from bot.channels.teams.tokens import ClientSecretTokens, ManagedIdentityTokens
from bot.logs import get_logger
from bot.services import Services
from bot.settings import Settings

log = get_logger(__name__)
MAX_BODY = 256 * 1024
HANDLED = {"message", "conversationUpdate"}


class TeamsChannel:
    """The Teams endpoint and everything it holds: the gate, botbuilder's adapter, the connector."""

    def __init__(self, services: Services, *, image_url: ImageUrl | None = None) -> None:
        settings = services.settings
        self.runtime = services.runtime
        self.gate = Gate(settings)
        self.connector = BotConnector(
            tokens=_tokens(settings, self), allowed=partial(service_url_allowed, self.gate.mode)
        )
        self.adapter = TeamsAdapter(self.connector, image_url=image_url)
        self.handler = TeamsHandler(self.runtime, self.adapter)
        self.botbuilder = CloudAdapter(self.gate.authentication)
        self.botbuilder.on_turn_error = _turn_failed

    async def messages(self, request: web.Request) -> web.Response:
        """One activity from the Bot Connector (or the Emulator)."""
        if self.gate.mode is Mode.OFF:
            return web.Response(status=401)
        try:
            body = await read_body(request, MAX_BODY)
        except BadBody as bad:
            return web.Response(status=bad.status)
        try:
            data = json.loads(body)
            activity = Activity().deserialize(data) if isinstance(data, dict) else None
        except Exception:  # msrest raises its own DeserializationError family
            activity = None
        if activity is None or not activity.type or not isinstance(activity.type, str):
            return web.Response(status=400)
        if not isinstance(activity.service_url, str) or not activity.service_url:
            return web.Response(status=400)  # nowhere to answer: a token must not make it one
        result = await self.gate.authenticate(activity, request.headers.get("Authorization"))
        if result is None:
            return web.Response(status=401)
        if activity.type == "invoke":
            return web.Response(status=200)
        if activity.type in HANDLED:
            self.runtime.later(self._turn(result, activity), name="teams-turn")
        return web.Response(status=201)

    async def close(self) -> None:
        """Close the connector's session and the authentication thread."""
        await self.connector.close()
        self.gate.close()

    async def _turn(self, result: AuthenticateRequestResult, activity: Activity) -> None:
        # botbuilder's pipeline builds the turn context and dispatches to the handler, which hands
        # the arrival to the runtime (ordering, the turn, the outbox).
        await self.botbuilder.process_activity(result, activity, self.handler.on_turn)


TEAMS = web.AppKey("teams", TeamsChannel)


def mount_teams(app: web.Application, services: Services) -> None:
    """Add ``POST /api/messages``; without an app id or dev mode it answers 401 to everything."""
    try:
        channel = TeamsChannel(services, image_url=services.chart_url)
    except Exception as exc:  # botbuilder rejects incomplete app settings when it is configured
        log.error("teams.misconfigured", error=str(exc))
        app.router.add_post("/api/messages", _misconfigured)
        return
    app[TEAMS] = channel
    app.router.add_post("/api/messages", channel.messages)
    app.on_cleanup.append(_close)
    if channel.gate.mode is not Mode.OFF:
        services.runtime.register(channel.adapter)
        services.channels[channel.adapter.name] = channel.adapter
        log.info("teams.mounted", mode=channel.gate.mode.value)


async def _misconfigured(request: web.Request) -> web.Response:
    return web.Response(status=503)


async def _close(app: web.Application) -> None:
    await app[TEAMS].close()


async def _turn_failed(turn_context: TurnContext, error: Exception) -> None:
    log.error("teams.turn_failed", error=type(error).__name__)


def _tokens(settings: Settings, channel: TeamsChannel) -> TokenSource | None:
    if not settings.microsoft_app_id:
        return None
    if settings.microsoft_app_type == "UserAssignedMSI":
        return ManagedIdentityTokens(app_id=settings.microsoft_app_id, scope=outbound_scope(settings))
    return ClientSecretTokens(
        login_url=login_url(settings),
        app_id=settings.microsoft_app_id,
        password=settings.microsoft_app_password.get_secret_value(),
        scope=outbound_scope(settings),
        session=lambda: channel.connector.session,
    )
