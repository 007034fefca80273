"""The one way out to the Bot Connector: replies, card updates, new conversations and proactive sends.

Calls go straight to the connector's REST API on one shared aiohttp session, with the bot's token,
instead of through botbuilder's ``ConnectorClient`` (a new msrest client per message, synchronous
``requests`` underneath). HTTP 429, 412, 502 and 504, and connection failures, are retried with
exponential backoff and jitter, honouring ``Retry-After``, a bounded number of times; what finally
fails is logged. A 403 means the user removed the app or blocked the bot: it is reported through
``on_blocked`` so nothing more is sent there.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol
from urllib.parse import quote

import aiohttp
from yarl import URL

from bot.logs import get_logger

log = get_logger(__name__)
RETRY_STATUSES = frozenset({412, 429, 502, 504})
MAX_RETRY_AFTER = 60.0
REFUSED = "service_url_refused"  # not a URL this mode may send to: trying again cannot help


class TokenError(Exception):
    """The bot could not get its own token from the login endpoint."""


class TokenSource(Protocol):
    """Where the bot's bearer token for the connector comes from."""

    async def token(self, *, refresh: bool = False) -> str:
        """A valid token (a fresh one when ``refresh``); raises on failure."""
        ...


@dataclass(frozen=True, slots=True)
class Sent:
    """The outcome of one call: ``id`` is the new activity's (or conversation's) id."""

    ok: bool
    status: int | None = None
    id: str | None = None
    blocked: bool = False
    retry_after: float | None = None
    detail: str | None = None

    @property
    def retryable(self) -> bool:
        """Whether another try later might work (throttled, a gateway error, no connection)."""
        if self.ok or self.blocked or self.detail == REFUSED:
            return False
        return self.status is None or self.status in RETRY_STATUSES


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How many tries, and how long to wait between them (seconds)."""

    tries: int = 5
    base_delay: float = 0.5
    max_delay: float = 20.0

    def delay(self, attempt: int, retry_after: float | None, rng: Callable[[], float]) -> float:
        """Exponential backoff with jitter; a server's ``Retry-After`` is a floor."""
        ceiling = min(self.max_delay, self.base_delay * 2**attempt)
        backoff = ceiling / 2 + rng() * ceiling / 2
        if retry_after is not None:
            return min(MAX_RETRY_AFTER, retry_after) + rng() * self.base_delay
        return backoff


class BotConnector:
    """Client of the Bot Connector REST API (``{serviceUrl}v3/conversations/...``)."""

    def __init__(
        self,
        *,
        tokens: TokenSource | None,
        allowed: Callable[[str], bool],
        policy: RetryPolicy = RetryPolicy(),
        timeout: float = 15.0,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self._tokens = tokens
        self._allowed = allowed
        self._policy = policy
        self._timeout = timeout
        self._sleep = sleep
        self._rng = rng
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        """The shared session, opened on first use inside the running loop."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self._timeout),
                connector=aiohttp.TCPConnector(limit=100, limit_per_host=50),
            )
        return self._session

    async def close(self) -> None:
        """Close the session (on server shutdown)."""
        if self._session is not None:
            await self._session.close()

    async def send(
        self,
        service_url: str,
        conversation_id: str,
        activity: dict[str, Any],
        *,
        reply_to: str | None = None,
        tries: int | None = None,
    ) -> Sent:
        """Post a message to a conversation (as a reply to ``reply_to`` when given)."""
        parts = [conversation_id, "activities"] + ([reply_to] if reply_to else [])
        return await self._call("POST", service_url, parts, activity, conversation_id, tries)

    async def update(
        self,
        service_url: str,
        conversation_id: str,
        activity_id: str,
        activity: dict[str, Any],
        *,
        tries: int | None = None,
    ) -> Sent:
        """Replace a message the bot sent earlier (for example a question card once answered)."""
        body = {**activity, "id": activity_id}
        parts = [conversation_id, "activities", activity_id]
        return await self._call("PUT", service_url, parts, body, conversation_id, tries)

    async def create_conversation(
        self, service_url: str, parameters: dict[str, Any], *, tries: int | None = None
    ) -> Sent:
        """Open (or find) a conversation, e.g. a personal chat; ``Sent.id`` is its id."""
        return await self._call("POST", service_url, [], parameters, None, tries)

    async def members_page(
        self, service_url: str, conversation_id: str, *, continuation: str | None = None, page_size: int = 500
    ) -> tuple[int | None, dict[str, Any] | None]:
        """One page of a conversation's (or team's) members: ``GET .../pagedmembers``; (status, JSON).

        429s and 5xx are tried again as for sends; the status is None when the connector could not
        be reached.
        """
        if not self._allowed(service_url):
            return None, None
        url = _url(service_url, [conversation_id, "pagedmembers"])
        query: dict[str, Any] = {"pageSize": page_size}
        if continuation:
            query["continuationToken"] = continuation
        status: int | None = None
        for attempt in range(self._policy.tries):
            retry_after = None
            try:
                headers = await self._headers(refresh=attempt > 0 and status == 401)
                async with self.session.get(url, params=query, headers=headers) as resp:
                    status = resp.status
                    if status < 300:
                        return status, await resp.json(content_type=None)
                    retry_after = _retry_after(resp.headers.get("Retry-After"))
            except (aiohttp.ClientError, TimeoutError, TokenError):
                status = None
            if status is not None and status not in RETRY_STATUSES and status != 401:
                return status, None
            if attempt + 1 < self._policy.tries:
                await self._sleep(self._policy.delay(attempt, retry_after, self._rng))
        return status, None

    async def _call(
        self,
        method: str,
        service_url: str,
        parts: list[str],
        body: dict[str, Any],
        conversation_id: str | None,
        tries: int | None = None,
    ) -> Sent:
        where = conversation_tag(conversation_id)
        if not self._allowed(service_url):
            log.warning("teams.service_url_refused", conversation=where)
            return Sent(False, detail=REFUSED)
        url = _url(service_url, parts)
        status: int | None = None
        refreshed = False
        limit = tries or self._policy.tries
        retry_after: float | None = None
        for attempt in range(limit):
            retry_after = None
            try:
                headers = await self._headers(refresh=refreshed)
                async with self.session.request(method, url, json=body, headers=headers) as resp:
                    status = resp.status
                    if status < 300:
                        return Sent(True, status, await _id_of(resp))
                    retry_after = _retry_after(resp.headers.get("Retry-After"))
                    detail = await _error_code(resp)
            except (aiohttp.ClientError, TimeoutError) as exc:
                status, detail = None, type(exc).__name__
            except TokenError as exc:
                status, detail = None, str(exc)
            if status == 403:
                log.warning("teams.blocked", conversation=where, method=method, detail=detail)
                return Sent(False, status, blocked=True, detail=detail)
            if status == 401 and self._tokens is not None and not refreshed:
                refreshed = True
                continue
            if status is not None and status not in RETRY_STATUSES:
                break
            if attempt + 1 < limit:
                await self._sleep(self._policy.delay(attempt, retry_after, self._rng))
        log.warning(
            "teams.send_failed",
            conversation=where,
            method=method,
            status=status,
            tries=attempt + 1,
            detail=detail,
        )
        return Sent(False, status, retry_after=retry_after, detail=detail)

    async def _headers(self, *, refresh: bool) -> dict[str, str]:
        if self._tokens is None:
            return {}
        return {"Authorization": f"Bearer {await self._tokens.token(refresh=refresh)}"}


def _url(service_url: str, parts: list[str]) -> URL:
    base = service_url if service_url.endswith("/") else service_url + "/"
    path = "".join("/" + quote(part, safe="") for part in parts)
    return URL(f"{base}v3/conversations{path}", encoded=True)


async def _id_of(resp: aiohttp.ClientResponse) -> str | None:
    try:
        data = await resp.json(content_type=None)
    except ValueError:
        return None
    return str(data["id"]) if isinstance(data, dict) and data.get("id") else None


async def _error_code(resp: aiohttp.ClientResponse) -> str | None:
    """The connector's error code (e.g. ``MessageWritesBlocked``); its message may name ids, so not logged."""
    try:
        data = await resp.json(content_type=None)
    except ValueError:
        return None
    error = data.get("error") if isinstance(data, dict) else None
    return str(error.get("code"))[:60] if isinstance(error, dict) and error.get("code") else None


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def conversation_tag(conversation_id: str | None) -> str | None:
    """A conversation's id in logs: a short hash, never the id itself."""
    return hashlib.sha256(conversation_id.encode()).hexdigest()[:10] if conversation_id else None
