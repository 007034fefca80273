"""A platform's documented rate limit as the fakes enforce it: at most ``count`` in any ``seconds``."""

from __future__ import annotations

import math
import time
from collections import defaultdict, deque


class SlidingLimit:
    """At most ``count`` requests in any ``seconds`` per key; beyond it the wait until one is allowed."""

    def __init__(self, count: int, seconds: float) -> None:
        self.count = count
        self.seconds = seconds
        self._seen: defaultdict[str, deque[float]] = defaultdict(deque)
        self.refused = 0

    def admit(self, key: str, now: float | None = None) -> float | None:
        """None when the request is allowed (and counted); otherwise the seconds until it would be."""
        now = time.monotonic() if now is None else now
        seen = self._seen[key]
        while seen and seen[0] <= now - self.seconds:
            seen.popleft()
        if len(seen) >= self.count:
            self.refused += 1
            return seen[0] + self.seconds - now
        seen.append(now)
        return None


def retry_after(wait: float) -> str:
    """A ``Retry-After`` header's whole seconds (never 0: the platforms send at least 1)."""
    return str(max(1, math.ceil(wait)))
