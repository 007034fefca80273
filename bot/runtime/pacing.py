"""Pacing sends to the platforms' documented rate limits, rather than collecting 429s.

A limit of N messages in W seconds is kept as a generic cell rate (GCRA): a message may go once
the limit's "theoretical arrival time" less W - W/N has passed, and each one moves that time on
by W/N. This allows a burst of N and then one every W/N, so it never sends more than N in any W
seconds. One server process (SQLite) paces in memory; several sharing PostgreSQL pace through
rows every process locks in turn (``storage.pacing``), so the limits hold across them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Protocol

from bot.runtime.adapter import Limit
from storage import pacing
from storage.db import Database


def utcnow() -> datetime:
    return datetime.now(UTC)


class Pacer(Protocol):
    """Where a send's slot under its limits comes from."""

    async def reserve(self, limits: Sequence[Limit]) -> float:
        """Reserve the next slot under every limit; the seconds to wait before sending."""
        ...


def _cells(limits: Sequence[Limit], scale: float) -> list[tuple[str, float, float]]:
    """Each limit as (cell key, the time one send takes up, how far ahead a burst may reach)."""
    cells = []
    for limit in limits:
        window = limit.seconds / scale
        interval = window / limit.count
        cells.append(
            (
                f"{limit.key}/{limit.count}/{limit.seconds:g}",
                interval * limit.cost,
                window - interval * limit.cost,
            )
        )
    return cells


class MemoryPacer:
    """Pacing inside one process. ``scale`` above 1 speeds every limit up (benchmarks); 0 turns pacing off."""

    def __init__(self, *, scale: float = 1.0, clock: Callable[[], datetime] = utcnow) -> None:
        self.scale = scale
        self.clock = clock
        self._next: dict[str, datetime] = {}

    async def reserve(self, limits: Sequence[Limit]) -> float:
        """Reserve the next slot under every limit; the seconds to wait before sending."""
        if not self.scale or not limits:
            return 0.0
        now = self.clock()
        cells = _cells(limits, self.scale)
        at = now
        for key, _, tolerance in cells:
            at = max(at, self._next.get(key, now) - timedelta(seconds=tolerance))
        for key, interval, _ in cells:
            self._next[key] = max(self._next.get(key, now), at) + timedelta(seconds=interval)
        if len(self._next) > 100_000:  # lanes come and go: forget limits whose time has passed
            self._next = {k: v for k, v in self._next.items() if v > now}
        return (at - now).total_seconds()


class SharedPacer:
    """Pacing shared by every process on one PostgreSQL database."""

    def __init__(self, db: Database, *, scale: float = 1.0, clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        self.scale = scale
        self.clock = clock

    async def reserve(self, limits: Sequence[Limit]) -> float:
        """Reserve the next slot under every limit; the seconds to wait before sending."""
        if not self.scale or not limits:
            return 0.0
        now = self.clock()
        at = await self.db.write(partial(pacing.reserve, limits=_cells(limits, self.scale), now=now))
        return max(0.0, (at - now).total_seconds())
