"""Pacing never sends more than a limit allows in any window, and wastes none of what it allows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.runtime.adapter import Limit
from bot.runtime.pacing import MemoryPacer, SharedPacer
from storage.db import Database
from storage.migrate import upgrade
from tests.conftest import TEST_DATABASE_URL, reset_postgres

START = datetime(2026, 12, 1, 9, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


async def send(pacer: MemoryPacer | SharedPacer, clock: Clock, limits: list[Limit]) -> float:
    """Wait as the pacer says until it lets the send go; the moment it goes, in seconds after START."""
    while (wait := await pacer.reserve(limits)) > 0:
        clock.now += timedelta(seconds=wait)
    return (clock.now - START).total_seconds()


def most_in_any_window(times: list[float], window: float) -> int:
    ordered = sorted(times)
    return max((sum(1 for t in ordered if s <= t < s + window) for s in ordered), default=0)


@given(
    sends=st.lists(
        st.tuples(st.sampled_from(["a", "b", "c"]), st.floats(0, 0.5), st.sampled_from([1, 2])), max_size=60
    ),
)
async def test_no_window_ever_holds_more_than_the_limit(sends: list[tuple[str, float, int]]) -> None:
    clock = Clock()
    pacer = MemoryPacer(clock=clock)
    shared: list[float] = []  # every request under the workspace-wide limit
    per: dict[str, list[float]] = {}
    for conversation, pause, cost in sends:
        clock.now += timedelta(seconds=pause)
        limits = [Limit(f"conv:{conversation}", 4, 4.0, cost), Limit("workspace", 10, 2.0, cost)]
        at = await send(pacer, clock, limits)
        shared += [at] * cost
        per.setdefault(conversation, []).extend([at] * cost)
    assert most_in_any_window(shared, 2.0) <= 10
    assert all(most_in_any_window(times, 4.0) <= 4 for times in per.values())


async def test_a_burst_goes_at_once_then_one_window_later() -> None:
    clock = Clock()
    pacer = MemoryPacer(clock=clock)
    moments = [await send(pacer, clock, [Limit("t", 50, 1.0)]) for _ in range(120)]
    assert moments[:50] == [0.0] * 50
    # The next fifty a window (and the margin for arrival) later, and so on: nothing of the limit wasted.
    assert moments[50:100] == pytest.approx([1.05] * 50) and moments[100:] == pytest.approx([2.1] * 20)
    # Sped up tenfold for a benchmark, the window a tenth as long and the margin a twentieth of it (50 ms
    # on a 0.1 s window would waste a third of the limit); off, nothing waits.
    fast, clock = MemoryPacer(scale=10, clock=Clock()), Clock()
    fast.clock = clock
    assert [await send(fast, clock, [Limit("t", 50, 1.0)]) for _ in range(51)][-1] == pytest.approx(0.105)
    assert await MemoryPacer(scale=0).reserve([Limit("t", 1, 60.0)] * 2) == 0.0


@pytest.mark.postgres
async def test_processes_sharing_postgresql_share_the_limit() -> None:
    if not TEST_DATABASE_URL:
        pytest.skip("TEST_DATABASE_URL is not set (SQLite's one process paces in memory, tested above)")
    await reset_postgres(TEST_DATABASE_URL)
    db = Database(TEST_DATABASE_URL)
    await upgrade(db)
    clock = Clock()
    first, second = SharedPacer(db, clock=clock), SharedPacer(db, clock=clock)
    moments = [await send(first if i % 2 else second, clock, [Limit("tenant", 5, 1.0)]) for i in range(12)]
    await db.close()
    assert moments == pytest.approx([0.0] * 5 + [1.05] * 5 + [2.1] * 2)
