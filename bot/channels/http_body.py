"""Reading a request body whole, within a limit, and parsing JSON that can be trusted to be small.

``request.content.read(n)`` returns what has arrived so far, so a body sent in two TCP segments
(or chunked) was read half and refused; ``read_body`` reads to the end. Bodies that are too big,
badly compressed, or JSON too deeply nested get a clear 4xx instead of an exception.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError

MAX_DEPTH = 20


class BadBody(Exception):
    """A body that cannot be read: ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def read_body(request: web.Request, limit: int) -> bytes:
    """The whole body, up to ``limit`` bytes; BadBody(413) beyond it, BadBody(400) if it can't be read."""
    if request.content_length is not None and request.content_length > limit:
        raise BadBody(413, f"The request is too large (limit {limit // 1024} KiB).")
    chunks, size = [], 0
    try:
        while True:
            chunk = await request.content.read(64 * 1024)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise BadBody(413, f"The request is too large (limit {limit // 1024} KiB).")
            chunks.append(chunk)
    except (
        HttpProcessingError,
        RequestPayloadError,
        ValueError,
        OSError,
    ) as exc:  # bad gzip or deflate, a broken chunk
        raise BadBody(400, "The body could not be read (bad encoding or compression).") from exc
    return b"".join(chunks)


def parse_json(body: bytes) -> Any:
    """JSON from a body; BadBody(400) for anything but UTF-8 JSON nested at most ``MAX_DEPTH`` deep."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadBody(400, "The body must be JSON.") from None
    if _too_deep(data):
        raise BadBody(400, f"The JSON is nested too deeply (more than {MAX_DEPTH} levels).")
    return data


def _too_deep(data: Any) -> bool:
    stack = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return False
