"""The bot's own bearer token for calls to the Bot Connector.

A client secret is exchanged at ``{login url}/oauth2/v2.0/token`` (the OAuth client-credentials
grant) on the shared aiohttp session, and the token is kept until shortly before it expires. A
user-assigned managed identity has no secret; its token comes from botbuilder's credentials,
which call the Azure instance metadata service synchronously, so in a thread.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import aiohttp

from bot.channels.teams.outbound import TokenError

EARLY_REFRESH = 300.0
MSI_CACHE_SECONDS = 600.0


class ClientSecretTokens:
    """Tokens for an app id and client secret (MultiTenant and SingleTenant apps)."""

    def __init__(
        self,
        *,
        login_url: str,
        app_id: str,
        password: str,
        scope: str,
        session: Callable[[], aiohttp.ClientSession],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._endpoint = login_url.rstrip("/") + "/oauth2/v2.0/token"
        self._form = {
            "grant_type": "client_credentials",
            "client_id": app_id,
            "client_secret": password,
            "scope": scope.rstrip("/") + "/.default",
        }
        self._session = session
        self._clock = clock
        self._token: str | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def token(self, *, refresh: bool = False) -> str:
        """The cached token, or a new one when it is missing, expiring or ``refresh`` is asked."""
        held = self._token
        if not refresh and held and self._clock() < self._expires:
            return held
        async with self._lock:
            if self._token and self._token != held and self._clock() < self._expires:
                return self._token  # another caller refreshed while this one waited
            if not refresh and self._token and self._clock() < self._expires:
                return self._token
            self._token, lifetime = await self._fetch()
            self._expires = self._clock() + max(60.0, lifetime - EARLY_REFRESH)
            return self._token

    async def _fetch(self) -> tuple[str, float]:
        try:
            async with self._session().post(self._endpoint, data=self._form) as resp:
                data = await resp.json(content_type=None)
                status = resp.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise TokenError(f"login endpoint unreachable: {type(exc).__name__}") from None
        if status != 200 or not isinstance(data, dict) or not data.get("access_token"):
            error = data.get("error") if isinstance(data, dict) else None
            raise TokenError(f"login endpoint answered {status} {error or ''}".strip())
        return str(data["access_token"]), float(data.get("expires_in") or 3600)


class ManagedIdentityTokens:
    """Tokens for a user-assigned managed identity, through botbuilder's credentials."""

    def __init__(self, *, app_id: str, scope: str, clock: Callable[[], float] = time.monotonic) -> None:
        from botframework.connector.auth import ManagedIdentityAppCredentials

        self._credentials = ManagedIdentityAppCredentials(app_id, oauth_scope=scope)
        self._clock = clock
        self._token: str | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def token(self, *, refresh: bool = False) -> str:
        """A token from the managed identity endpoint (msal caches it; so do we, briefly)."""
        async with self._lock:
            if refresh or not self._token or self._clock() >= self._expires:
                try:
                    self._token = await asyncio.to_thread(self._credentials.get_access_token, refresh)
                except Exception as exc:  # msal and requests raise many kinds
                    raise TokenError(f"managed identity token failed: {type(exc).__name__}") from None
                self._expires = self._clock() + MSI_CACHE_SECONDS
            if not self._token:
                raise TokenError("managed identity gave no token")
            return self._token
