"""Slack on the bot's aiohttp server: ``POST /slack/events``, or Socket Mode when an app token is set.

Events, clicks and the ``/guide`` command all reach one slack-bolt ``AsyncApp``. The signature is
checked here first (anything unsigned, forged or older than five minutes gets 401 and goes no
further). Bolt runs with ``process_before_response=True``, so it never polls for the
acknowledgement (a bare bolt app waits about 12 ms per click for its 10 ms polling): events and
clicks are answered 200 at once and then dispatched in a background task that also runs the turn;
``/guide`` (and Socket Mode) get what the listener acknowledges, and the listener starts the turn
in a background task. Either way the turn runs after Slack has its answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from yarl import URL

from bot.channels.http_body import BadBody, read_body
from bot.channels.slack.channel import SlackChannel
from bot.channels.slack.commands import guide_command
from bot.channels.slack.inbound import (
    CHECKBOXES,
    TURN_ACTIONS,
    action_arrival,
    command_arrival,
    home_arrival,
    mention_arrival,
    message_arrival,
    well_formed,
)
from bot.channels.slack.outbound import SlackApi
from bot.logs import get_logger
from bot.runtime.adapter import Arrival
from bot.runtime.runtime import Runtime
from bot.services import Services
from bot.settings import revealed

log = get_logger(__name__)
MAX_BODY = 1024 * 1024
ACK_FIRST = {"event_callback", "block_actions"}
ACKED = "guidebot_acked"
SLACK = web.AppKey("slack", SlackChannel)


def mount_slack(app: web.Application, services: Services) -> None:
    """Add Slack to the application: the HTTP endpoint, or Socket Mode when ``SLACK_APP_TOKEN`` is set."""
    settings = services.settings
    token, secret = revealed(settings.slack_bot_token), revealed(settings.slack_signing_secret)
    api = SlackApi(token=token, base_url=settings.slack_api_url)
    channel = SlackChannel(api, token=token)
    runtime = services.runtime
    runtime.register(channel)
    # bolt's own client shares the session. The bot's calls go through SlackApi; Socket Mode's connection
    # calls go through this client, with the SDK's retries for 429, 5xx and network errors. It carries no
    # token: bolt takes the token from ``authorize`` (and warns that a token given twice is ignored).
    client = AsyncWebClient(
        base_url=api.base_url,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(),
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
            AsyncServerErrorRetryHandler(max_retry_count=3),
        ],
    )
    bolt = build_bolt_app(channel, client, runtime)
    app[SLACK] = channel
    services.channels[channel.name] = channel
    app_token = revealed(settings.slack_app_token)
    socket_mode = SocketMode(bolt, app_token) if app_token else None
    if socket_mode is None:
        app[SLACK_ENDPOINT] = SlackEndpoint(bolt, SignatureVerifier(secret), runtime)
        app.router.add_post("/slack/events", app[SLACK_ENDPOINT].handle)

    async def start(_: web.Application) -> None:
        await api.start()
        client.session = api.session
        # Ask Slack who the bot is now: a wrong token shows in the log at start, not at the first message.
        runtime.later(channel.check_token(), name="slack.auth")
        if socket_mode is not None:
            socket_mode.start()
        log.info("slack.mounted", mode="socket" if socket_mode else "http", api=api.base_url)

    async def stop(_: web.Application) -> None:
        if socket_mode is not None:
            await socket_mode.stop()
        await api.close()

    app.on_startup.append(start)
    app.on_cleanup.append(stop)


class SlackEndpoint:
    """``POST /slack/events``: verify the signature, acknowledge, and let bolt dispatch.

    Events and clicks need nothing but a 200, so they are answered at once and dispatched after;
    the rest (``/guide``, whose acknowledgement carries text, and Slack's URL check) are answered
    with what bolt's listener acknowledges.
    """

    def __init__(self, bolt: AsyncApp, verifier: SignatureVerifier, runtime: Runtime) -> None:
        self.bolt = bolt
        self.verifier = verifier
        self.runtime = runtime

    async def handle(self, request: web.Request) -> web.Response:
        """Answer Slack: 401 for anything not signed by Slack in the last five minutes, else bolt's ack."""
        try:
            body = await read_body(request, MAX_BODY)
        except BadBody as bad:
            return web.Response(status=bad.status, text=bad.message)
        if not self._signed(body, request.headers):
            log.warning("slack.refused", reason="signature")
            return web.Response(status=401, text="invalid signature")
        retry = request.headers.get("X-Slack-Retry-Num")
        if retry:
            log.info("slack.resent", retry=retry, reason=request.headers.get("X-Slack-Retry-Reason"))
        headers: dict[str, str | Sequence[str]] = dict(request.headers)
        try:
            raw = body.decode()
            parsed = parse_body(raw, request.headers.get("Content-Type", ""))
        except (ValueError, RecursionError):  # signed by Slack but not JSON or a form: nothing to use
            log.warning("slack.refused", reason="body")
            return web.Response(status=400, text="unreadable body")
        if not well_formed(parsed):  # bolt's own request object would raise on it
            log.warning("slack.refused", reason="shape")
            return web.Response(status=400, text="unexpected payload")
        bolt_request = ParsedRequest(raw, headers, parsed)
        if bolt_request.body.get("type") in ACK_FIRST:
            bolt_request.context[ACKED] = True  # the listeners run the turn in this same task
            self.runtime.later(self._dispatch(bolt_request), name="slack.turn")
            return web.Response()
        try:
            answer = await self.bolt.async_dispatch(bolt_request)
        except Exception as exc:  # a signed payload of an unexpected shape: bolt's own parsing failed
            log.warning("slack.refused", reason="payload", error=type(exc).__name__)
            return web.Response(status=400, text="unreadable payload")
        return await to_aiohttp_response(answer)

    async def _dispatch(self, bolt_request: AsyncBoltRequest) -> None:
        try:
            await self.bolt.async_dispatch(bolt_request)
        except Exception as exc:  # a signed payload of an unexpected shape: bolt's own parsing failed
            log.warning("slack.refused", reason="payload", error=type(exc).__name__)

    def _signed(self, body: bytes, headers: Any) -> bool:
        try:
            return self.verifier.is_valid(
                body, headers.get("X-Slack-Request-Timestamp"), headers.get("X-Slack-Signature")
            )
        except (ValueError, UnicodeDecodeError, OverflowError, TypeError):
            return False


SLACK_ENDPOINT = web.AppKey("slack_endpoint", SlackEndpoint)


class ParsedRequest(AsyncBoltRequest):
    """An HTTP request for bolt, its body parsed here rather than by bolt.

    A click arrives as a form whose ``payload`` is the whole message as percent-escaped JSON, several
    kilobytes; bolt decodes it with ``urllib.parse``, in pure Python, which cost a fifth of a turn.
    yarl (already under aiohttp) decodes the same form in C. The result is what bolt's own parsing
    gives, and the request is otherwise bolt's, in HTTP mode with its raw body.
    """

    def __init__(
        self, raw_body: str, headers: dict[str, str | Sequence[str]], parsed: dict[str, Any]
    ) -> None:
        super().__init__(body=parsed, headers=headers, mode="socket_mode")
        # Constructed as Socket Mode only so bolt accepts a parsed body; it is an HTTP request.
        self.raw_body = raw_body
        self.mode = "http"


def parse_body(raw: str, content_type: str) -> dict[str, Any]:
    """A Slack request body as bolt reads it: JSON, a form's ``payload`` JSON, or the form's fields.

    Raises ValueError for JSON that does not parse or is not an object.
    """
    if not raw:
        return {}
    if content_type.startswith("application/json") or raw.startswith("{"):
        parsed = json.loads(raw)
    else:
        fields = URL.build(query_string=raw, encoded=True).query
        parsed = json.loads(fields["payload"]) if "payload" in fields else dict(fields)
    if not isinstance(parsed, dict):
        raise ValueError("not a JSON object")
    return parsed


def build_bolt_app(channel: SlackChannel, client: AsyncWebClient, runtime: Runtime) -> AsyncApp:
    """The bolt app: each listener acknowledges, then hands its arrival to the core runtime."""

    async def authorize() -> AuthorizeResult:
        return await channel.authorize()

    bolt = AsyncApp(
        name="guidebot",
        client=client,
        authorize=authorize,
        process_before_response=True,
        # The signature is verified before bolt sees the request (and Socket Mode needs none).
        request_verification_enabled=False,
        # Middleware for features the bot does not use (Slack workflow functions, AI assistant
        # threads): each runs on every request otherwise.
        attaching_function_token_enabled=False,
        attaching_conversation_kwargs_enabled=False,
        ignoring_self_assistant_message_events_enabled=False,
    )

    async def hand(arrival: Arrival | None, context: AsyncBoltContext) -> None:
        # Acknowledged already (the HTTP endpoint answered Slack first): run now, in this task.
        if arrival is None:
            return
        if arrival.inbound.workspace is None and channel.team_id:
            # A payload that names no team comes from the workspace the bot is installed in.
            arrival = replace(arrival, inbound=replace(arrival.inbound, workspace=channel.team_id))
        if ACKED in context:
            await runtime.take(channel, arrival)
        else:
            runtime.receive(channel, arrival)

    # bolt tries listeners in the order they are added, and each one tried builds all of bolt's
    # listener arguments: the two that carry survey turns (typed and clicked) come first.
    @bolt.event("message")
    async def direct_message(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        await hand(message_arrival(body, channel.bot_user_id), context)

    @bolt.action(TURN_ACTIONS)
    async def click(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        await hand(action_arrival(body), context)

    @bolt.event("app_mention")
    async def mention(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        await hand(mention_arrival(body, channel.bot_user_id), context)

    @bolt.event("app_home_opened")
    async def home(ack: AsyncAck, event: Any, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        if isinstance(event, dict):
            await hand(home_arrival(event, body), context)

    @bolt.action(CHECKBOXES)
    async def tick(ack: AsyncAck) -> None:
        await ack()  # a box ticked or unticked: nothing happens until Submit

    @bolt.event(re.compile(".*"))
    async def other_event(ack: AsyncAck) -> None:
        await ack()  # acknowledged, so Slack does not resend events the bot has no use for

    @bolt.command("/guide")
    async def guide(ack: AsyncAck, body: dict[str, Any]) -> None:
        command = guide_command(str(body.get("text") or ""))
        await ack(response_type="ephemeral", text=command.ack)
        if command.text is not None:
            arrival = command_arrival(body, command.text, in_dm=command.in_dm, public=command.public)
            if arrival is not None:
                runtime.receive(channel, arrival)  # its acknowledgement is this listener's answer

    return bolt


class SocketMode:
    """Socket Mode: the same bolt app, fed over a WebSocket the bot opens, for networks without inbound traffic."""

    def __init__(self, bolt: AsyncApp, app_token: str) -> None:
        self.bolt = bolt
        self.app_token = app_token
        self.handler: AsyncSocketModeHandler | None = None
        self._connecting: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Connect in the background (the SDK keeps retrying), so the server starts either way."""
        self.handler = AsyncSocketModeHandler(self.bolt, self.app_token)
        self._connecting = asyncio.get_running_loop().create_task(self.handler.connect_async())

    async def stop(self) -> None:
        """Disconnect and release the WebSocket."""
        if self._connecting is not None and not self._connecting.done():
            self._connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._connecting
        if self.handler is not None:
            await self.handler.close_async()
