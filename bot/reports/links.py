"""Signed, expiring links to the plan and to charts: whoever holds the link may open it, until it expires.

The signature is an HMAC over the path, the parameters and the expiry time, under a key derived
from the server's secret key (so a link cannot be used to learn anything about pseudonyms).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime, timedelta
from urllib.parse import urlencode

PURPOSE = b"guidebot report links v1"


def link_key(secret_key: bytes) -> bytes:
    """The key for report links, derived from the server's secret key."""
    return hmac.new(secret_key, PURPOSE, hashlib.sha256).digest()


def _signature(key: bytes, path: str, params: Mapping[str, str], expires: int) -> str:
    message = "\n".join([path, *(f"{k}={params[k]}" for k in sorted(params)), str(expires)])
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def signed_url(
    key: bytes, base_url: str, path: str, params: Mapping[str, str], *, now: datetime, valid_for: timedelta
) -> str:
    """``base_url + path`` with ``params``, an ``expires`` time and a ``sig``."""
    expires = int((now + valid_for).timestamp())
    query = {**params, "expires": str(expires), "sig": _signature(key, path, params, expires)}
    return f"{base_url}{path}?{urlencode(query)}"


def verify(key: bytes, path: str, query: Mapping[str, str], *, now: datetime) -> dict[str, str] | None:
    """The signed parameters of a request, or None when the signature is wrong or the link expired."""
    params = {k: v for k, v in query.items() if k not in ("expires", "sig")}
    try:
        expires = int(query.get("expires", ""))
    except ValueError:
        return None
    given = query.get("sig", "")
    if not hmac.compare_digest(given.encode(), _signature(key, path, params, expires).encode()):
        return None
    if now.timestamp() >= expires:
        return None
    return params
