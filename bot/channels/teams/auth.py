"""Who may call ``/api/messages``, and where the bot may send.

With an app id every request's JWT is checked by botbuilder (issuer, audience, signature, expiry,
endorsement, service URL claim). botbuilder raises many kinds of exception for a bad token and
fetches signing keys with a blocking ``requests.get``, so the check runs on a private event loop
in its own thread and every failure becomes "refused" (401), never a 500. Without an app id the
bot refuses everything unless dev mode is on, and then talks only to loopback service URLs.
"""

from __future__ import annotations

import asyncio
import ipaddress
import threading
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)

from bot.channels.teams.mode import Mode, mode_of
from bot.logs import get_logger
from bot.settings import Settings

log = get_logger(__name__)
AUTH_TIMEOUT = 10.0
MAX_ACCEPTED = 1024
PUBLIC_CALLER_ID = "urn:botframework:azure"


def login_url(settings: Settings) -> str:
    """Where the bot gets its token: a single-tenant app signs in at its own tenant."""
    url = settings.teams_login_url.rstrip("/")
    tenant = settings.microsoft_app_tenant_id
    if settings.microsoft_app_type == "SingleTenant" and tenant and url.endswith("/botframework.com"):
        url = url.removesuffix("botframework.com") + tenant
    return url


def configuration(settings: Settings) -> SimpleNamespace:
    """The configuration object botbuilder reads, with every endpoint from our settings."""
    return SimpleNamespace(
        APP_ID=settings.microsoft_app_id,
        APP_PASSWORD=settings.microsoft_app_password.get_secret_value(),
        APP_TYPE=settings.microsoft_app_type,
        APP_TENANTID=settings.microsoft_app_tenant_id,
        TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=settings.teams_openid_metadata_url,
        TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=settings.teams_token_issuer,
        TO_CHANNEL_FROM_BOT_LOGIN_URL=login_url(settings),
        TO_CHANNEL_FROM_BOT_OAUTH_SCOPE=outbound_scope(settings),
        TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL=AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL,
        OAUTH_URL=AuthenticationConstants.OAUTH_URL,
        CALLER_ID=PUBLIC_CALLER_ID
        if settings.teams_token_issuer == AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
        else None,
        VALIDATE_AUTHORITY=True,
    )


def outbound_scope(settings: Settings) -> str:
    """The audience of the bot's own token: in each cloud it is the channel's token issuer."""
    return settings.teams_token_issuer.rstrip("/")


def is_loopback(url: str | None) -> bool:
    """Whether a URL's host is this machine (127.0.0.0/8, ::1 or localhost)."""
    try:
        host = urlsplit(url or "").hostname
    except ValueError:
        return False
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def service_url_allowed(mode: Mode, url: str) -> bool:
    """Dev mode sends only to loopback; otherwise HTTPS (or loopback, for tests) service URLs."""
    if mode is Mode.DEV:
        return is_loopback(url)
    if mode is Mode.AUTHENTICATED:
        return url.startswith("https://") or is_loopback(url)
    return False


class ReusedClients(BotFrameworkAuthentication):
    """botbuilder's authentication, keeping one connector and token client instead of one per turn.

    ``CloudAdapter.process_activity`` builds a msrest ``ConnectorClient`` and a user token client
    for every activity (several milliseconds each). Replies go through our own connector client,
    so these are only kept for the turn context, once per service URL and app id.
    """

    def __init__(self, inner: BotFrameworkAuthentication) -> None:
        self._inner = inner
        self._connectors: dict[tuple[str, str | None], Any] = {}
        self._token_clients: dict[str, UserTokenClient] = {}

    async def authenticate_request(
        self, activity: Activity, auth_header: str | None
    ) -> AuthenticateRequestResult:
        """Validate the request with botbuilder (None: no header), then reuse its outbound clients."""
        result = await self._inner.authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = _ReusedConnectors(result.connector_factory, self._connectors)
        return result

    async def authenticate_streaming_request(
        self, auth_header: str, channel_id_header: str
    ) -> AuthenticateRequestResult:
        """Not used (no streaming endpoint); delegated."""
        return await self._inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        """A connector factory whose clients are reused."""
        return _ReusedConnectors(self._inner.create_connector_factory(claims_identity), self._connectors)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        """One user token client per app id."""
        key = (
            str(claims_identity.claims.get(AuthenticationConstants.AUDIENCE_CLAIM, ""))
            if claims_identity
            else ""
        )
        if key not in self._token_clients:
            self._token_clients[key] = await self._inner.create_user_token_client(claims_identity)
        return self._token_clients[key]


class _ReusedConnectors(ConnectorFactory):
    def __init__(self, inner: ConnectorFactory, cache: dict[tuple[str, str | None], Any]) -> None:
        self._inner = inner
        self._cache = cache

    async def create(self, service_url: str, audience: str | None = None) -> Any:
        key = (service_url, audience)
        if key not in self._cache:
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[key] = await self._inner.create(service_url, audience)
        return self._cache[key]


class Gate:
    """Authenticates each request to ``/api/messages``; ``None`` means refuse with 401.

    The Bot Connector sends the same token with every activity until it expires, so a token
    botbuilder has accepted is remembered with the service URL and channel it was accepted for,
    and accepted again for those only until its ``exp``. That saves decoding it four times and a
    thread hop (about 0.6 ms) on every request.
    """

    def __init__(self, settings: Settings, *, clock: Callable[[], float] = time.time) -> None:
        self.mode = mode_of(settings)
        self.authentication = ReusedClients(ConfigurationBotFrameworkAuthentication(configuration(settings)))
        self._clock = clock
        self._accepted: dict[tuple[str, str, str], tuple[float, AuthenticateRequestResult]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    async def authenticate(
        self, activity: Activity, auth_header: str | None
    ) -> AuthenticateRequestResult | None:
        """botbuilder's verdict on the request, or None for any failure at all."""
        if self.mode is Mode.OFF:
            return None
        if self.mode is Mode.DEV and not is_loopback(activity.service_url):
            log.warning("teams.refused", reason="dev mode replies only to loopback service URLs")
            return None
        key = (auth_header or "", str(activity.service_url), str(activity.channel_id))
        remembered = self._accepted.get(key)
        if remembered is not None and self._clock() < remembered[0]:
            return remembered[1]
        check = self.authentication.authenticate_request(activity, auth_header or None)
        try:
            if self.mode is Mode.DEV:
                result = await check  # authentication is off: no keys, no I/O
            else:
                future = asyncio.run_coroutine_threadsafe(check, self._auth_loop())
                result = await asyncio.wait_for(asyncio.wrap_future(future), AUTH_TIMEOUT)
        except Exception as exc:  # botbuilder raises PermissionError, KeyError, jwt and requests errors
            log.info("teams.refused", reason=type(exc).__name__)
            return None
        identity = result.claims_identity
        if identity is None or not identity.is_authenticated:
            log.info("teams.refused", reason="no identity")
            return None
        self._remember(key, result)
        return result

    def _remember(self, key: tuple[str, str, str], result: AuthenticateRequestResult) -> None:
        expires = (result.claims_identity.claims or {}).get("exp")
        if self.mode is not Mode.AUTHENTICATED or not isinstance(expires, int | float):
            return
        if len(self._accepted) >= MAX_ACCEPTED:
            now = self._clock()
            self._accepted = {k: v for k, v in self._accepted.items() if v[0] > now}
            if len(self._accepted) >= MAX_ACCEPTED:
                self._accepted.clear()
        self._accepted[key] = (float(expires), result)

    def close(self) -> None:
        """Stop the authentication thread."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._loop = None

    def _auth_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            loop = asyncio.new_event_loop()
            self._thread = threading.Thread(
                target=_run_until_stopped, args=(loop,), name="teams-auth", daemon=True
            )
            self._thread.start()
            self._loop = loop
        return self._loop


def _run_until_stopped(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
    finally:
        loop.close()
