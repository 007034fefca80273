"""One user's turns run one at a time, in the order the platform delivered them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class TurnOrder:
    """A lock per key (a user, or a conversation), dropped once nobody holds or waits for it.

    Tasks start in arrival order and ``asyncio.Lock`` is fair, so one key's turns keep their order
    (two quick answers get their next questions, and their messages updated, in order).
    """

    def __init__(self) -> None:
        self._busy: dict[str, tuple[asyncio.Lock, list[int]]] = {}

    @asynccontextmanager
    async def one_at_a_time(self, key: str) -> AsyncIterator[None]:
        """Hold ``key``'s lock for the body, after the turns with that key that came before."""
        lock, waiting = self._busy.setdefault(key, (asyncio.Lock(), [0]))
        waiting[0] += 1
        try:
            async with lock:
                yield
        finally:
            waiting[0] -= 1
            if waiting[0] == 0:
                del self._busy[key]
