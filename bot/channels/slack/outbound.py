"""Every call the bot makes to Slack goes through here.

One shared aiohttp session (a new connection per call halves throughput), a retry on HTTP 429 after
the ``Retry-After`` Slack gives, retries with backoff on 5xx and network errors, a bounded number of
tries, and a log line naming the method and error when a call finally fails.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from yarl import URL

from bot.logs import get_logger

log = get_logger(__name__)
TRIES = 4
BACKOFF = 0.5
LONGEST_WAIT = 60.0
TIMEOUT = aiohttp.ClientTimeout(total=15)
Sleep = Callable[[float], Awaitable[None]]


class SlackCallError(Exception):
    """A Slack call that failed (already logged); ``retryable`` when another try might work later."""

    def __init__(
        self, method: str, error: str, *, retryable: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(f"{method}: {error}")
        self.method = method
        self.error = error
        self.retryable = retryable
        self.retry_after = retry_after


class _Retry(Exception):
    """This try failed in a way worth trying again, after ``wait`` seconds (None: the usual backoff)."""

    def __init__(self, error: str, wait: float | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.wait = wait


class SlackApi:
    """The Slack Web API (and response URLs) over one shared HTTP session."""

    def __init__(
        self,
        *,
        token: str,
        base_url: str,
        tries: int = TRIES,
        backoff: float = BACKOFF,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self._auth = {"Authorization": f"Bearer {token}"}
        self._json_headers = {**self._auth, "Content-Type": "application/json; charset=utf-8"}
        self._urls: dict[str, URL] = {}
        self._tries = tries
        self._backoff = backoff
        self._sleep = sleep
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        """The shared session (opened by ``start``)."""
        if self._session is None:
            raise RuntimeError("SlackApi.start() has not been called")
        return self._session

    async def start(self) -> None:
        """Open the shared session; called when the server starts, inside its event loop."""
        if self._session is None:
            # Slack's API sets no cookies the bot needs; without a jar each call skips its bookkeeping.
            self._session = aiohttp.ClientSession(timeout=TIMEOUT, cookie_jar=aiohttp.DummyCookieJar())

    async def close(self) -> None:
        """Close the shared session, after queued work has finished."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def call(
        self, method: str, payload: dict[str, Any], *, form: bool = False, tries: int | None = None
    ) -> dict[str, Any]:
        """Call a Web API method with a JSON body (``form``: form-encoded, for methods that take no JSON).

        Returns Slack's answer; raises SlackCallError when the call failed after ``tries`` tries
        (the outbox sends with one try and retries durably itself).
        """
        return await self._with_retries(method, lambda: self._once(method, payload, form), tries)

    async def respond(self, response_url: str, payload: dict[str, Any], *, tries: int | None = None) -> None:
        """Post to a slash command's ``response_url`` (with the same retries)."""
        await self._with_retries("response_url", lambda: self._respond_once(response_url, payload), tries)

    async def upload_png(
        self,
        *,
        channel: str,
        png: bytes,
        title: str,
        alt_text: str,
        thread_ts: str | None = None,
        tries: int | None = None,
    ) -> None:
        """Share a PNG in a conversation with Slack's v2 upload (get a URL, send the bytes, complete).

        The alt text goes with it as the message, so people who cannot see the chart get its content.
        """
        name = "chart.png"
        reserve = {"filename": name, "length": str(len(png)), "alt_txt": alt_text[:1000]}
        target = await self.call("files.getUploadURLExternal", reserve, form=True, tries=tries)
        await self._with_retries(
            "files.upload", lambda: self._upload_once(target["upload_url"], png, name), tries
        )
        await self.call(
            "files.completeUploadExternal",
            {
                "files": [{"id": target["file_id"], "title": title or alt_text}],
                "channel_id": channel,
                "initial_comment": alt_text,
                **({"thread_ts": thread_ts} if thread_ts else {}),
            },
            tries=tries,
        )

    async def _with_retries(
        self, method: str, attempt: Callable[[], Awaitable[Any]], tries: int | None = None
    ) -> Any:
        error, wait, limit = "no tries", None, tries or self._tries
        # A single try is the outbox's, which retries and reports the final failure itself.
        report = log.error if tries is None else log.warning
        for tried in range(1, limit + 1):
            try:
                return await attempt()
            except _Retry as retry:
                error, wait = retry.error, retry.wait
                if tried == limit:
                    break
                pause = wait if wait is not None else self._backoff * 2 ** (tried - 1)
                log.info("slack.retry", method=method, error=error, wait=pause, tried=tried)
                await self._sleep(min(pause, LONGEST_WAIT))
            except SlackCallError as failed:
                report("slack.call_failed", method=method, error=failed.error, tries=tried)
                raise
        report("slack.call_failed", method=method, error=error, tries=limit)
        raise SlackCallError(method, error, retryable=True, retry_after=wait)

    async def _once(self, method: str, payload: dict[str, Any], form: bool) -> dict[str, Any]:
        url = self._urls.get(method)
        if url is None:
            url = self._urls[method] = URL(self.base_url + method)
        if form:
            body: Any = payload
            headers = self._auth
        else:
            # Encoded here rather than with ``json=``: aiohttp's JSON payload object costs more than the encoding.
            body, headers = json.dumps(payload, separators=(",", ":")).encode(), self._json_headers
        try:
            async with self.session.post(url, headers=headers, data=body) as resp:
                _raise_for_retry(resp)
                try:
                    answer = json.loads(await resp.read())
                except ValueError:
                    raise SlackCallError(method, f"HTTP {resp.status} without JSON") from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _Retry(type(exc).__name__) from exc
        if not isinstance(answer, dict) or not answer.get("ok"):
            error = answer.get("error", "unknown") if isinstance(answer, dict) else "not an object"
            raise SlackCallError(method, str(error))
        return answer

    async def _respond_once(self, url: str, payload: dict[str, Any]) -> None:
        try:
            async with self.session.post(url, json=payload) as resp:
                _raise_for_retry(resp)
                if resp.status >= 400:
                    raise SlackCallError("response_url", f"HTTP {resp.status}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _Retry(type(exc).__name__) from exc

    async def _upload_once(self, url: str, png: bytes, name: str) -> None:
        form = aiohttp.FormData()
        form.add_field("file", png, filename=name, content_type="image/png")
        try:
            async with self.session.post(url, data=form) as resp:
                _raise_for_retry(resp)
                if resp.status >= 400:
                    raise SlackCallError("files.upload", f"HTTP {resp.status}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _Retry(type(exc).__name__) from exc


def _raise_for_retry(resp: aiohttp.ClientResponse) -> None:
    """Turn 429 and 5xx into a retry: 429 after the ``Retry-After`` Slack asks for."""
    if resp.status == 429:
        raise _Retry("ratelimited", _retry_after(resp.headers.get("Retry-After")))
    if resp.status >= 500:
        raise _Retry(f"HTTP {resp.status}")


def _retry_after(header: str | None) -> float:
    try:
        return max(0.0, float(header)) if header is not None else 1.0
    except ValueError:
        return 1.0
