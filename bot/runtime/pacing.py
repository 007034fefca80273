"""Pacing sends to the platforms' documented rate limits, rather than collecting 429s.

A limit says "at most N requests in any W seconds", and the platforms count it that way (a sliding
window, by when requests arrive). Each limit keeps the times of its requests in the last W seconds
(plus a small margin for the time a request takes to arrive); a send may go once every limit it is
under has room: after its N-th most recent request plus W. A send that has to wait is told how long
and asks again then; only a send that goes now is recorded, at the moment it goes, so the times kept
are when requests really left (a reservation made far ahead would drift from when a busy process
actually sends it, and two of them could then arrive closer than the limit allows). One that costs
c requests (opening a conversation, then posting) needs room for c. This allows a full burst of N
and then N in each W, never more. One server process (SQLite)
keeps the times in memory; several sharing PostgreSQL keep them in rows every process locks in
turn (``storage.pacing``), so the limits hold across them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
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
        """Take a slot now under every limit (0), or say how long to wait before asking again."""
        ...


Cell = tuple[str, int, float, int]  # key, count, window in seconds (scaled), cost
# Requests leave a busy process, and reach the platform, a little unevenly: room for that, but never
# more than a twentieth of a window. The platforms' windows are a second or more, so at their real
# limits this is always 50 ms; limits sped up for a benchmark (a 0.1 s window) keep the same share
# of slack rather than losing a third of the limit to a margin sized for real windows.
MARGIN = 0.05
MARGIN_SHARE = 0.05


def margin(window: float) -> float:
    """The room kept beyond a (scaled) window for requests' uneven arrival."""
    return min(MARGIN, window * MARGIN_SHARE)


def cells(limits: Sequence[Limit], scale: float) -> list[Cell]:
    """Each limit as what the pacing keeps: its key, count, (scaled) window and this send's cost."""
    return [
        (f"{lim.key}/{lim.count}/{lim.seconds:g}", lim.count, lim.seconds / scale, lim.cost) for lim in limits
    ]


def earliest(times: Sequence[float], now: float, count: int, window: float, cost: int) -> float:
    """The first moment, from ``now``, a send of ``cost`` requests fits a limit with these recent times."""
    at = max(now, times[-1]) if times else now
    room = count - cost  # requests that may already be in the window the send closes
    if room < 0:
        return at
    if len(times) > room:
        at = max(at, times[len(times) - room - 1] + window)
    return at


def place(times: list[float], at: float, window: float, cost: int) -> list[float]:
    """The times after a send at ``at``, keeping only those still inside the window."""
    kept = [t for t in times if t > at - window]
    return kept + [at] * cost


def schedule(state: dict[str, list[float]], limits: list[Cell], now: float) -> float:
    """The moment a send fits under every limit in ``state``; if that is now, it is recorded (``state``
    changed in place). A later moment is only a hint: the caller waits and asks again."""
    at = now
    for key, count, window, cost in limits:
        at = max(at, earliest(state.get(key, []), now, count, window + margin(window), cost))
    if at > now:
        return at
    for key, _, window, cost in limits:
        state[key] = place(state.get(key, []), now, window + margin(window), cost)
    return now


class MemoryPacer:
    """Pacing inside one process. ``scale`` above 1 speeds every limit up (benchmarks); 0 turns pacing off."""

    def __init__(self, *, scale: float = 1.0, clock: Callable[[], datetime] = utcnow) -> None:
        self.scale = scale
        self.clock = clock
        self._times: dict[str, list[float]] = {}

    async def reserve(self, limits: Sequence[Limit]) -> float:
        """Reserve the next slot under every limit; the seconds to wait before sending."""
        if not self.scale or not limits:
            return 0.0
        now = self.clock().timestamp()
        at = schedule(self._times, cells(limits, self.scale), now)
        if len(self._times) > 100_000:  # conversations come and go: forget limits with nothing recent
            horizon = now - 3600 * 24
            self._times = {k: v for k, v in self._times.items() if v and v[-1] > horizon}
        return max(0.0, at - now)


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
        now = self.clock().timestamp()
        wanted = cells(limits, self.scale)
        at = await self.db.write(
            partial(
                pacing.reserve, keys=[c[0] for c in wanted], plan=partial(schedule, limits=wanted, now=now)
            )
        )
        return max(0.0, at - now)
