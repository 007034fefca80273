"""One user's turns run one at a time in arrival order; other users are not held up."""

from __future__ import annotations

import asyncio

from bot.turn_order import TurnOrder


async def test_one_keys_turns_run_in_arrival_order_and_other_keys_run_beside_them() -> None:
    order, done = TurnOrder(), []
    started_b = asyncio.Event()

    async def turn(key: str, name: str, pause: float) -> None:
        async with order.one_at_a_time(key):
            if key == "b":
                started_b.set()
            await asyncio.sleep(pause)
            done.append(name)

    async def a_waits_for_b() -> None:
        async with order.one_at_a_time("a"):
            await asyncio.wait_for(started_b.wait(), 1)  # b got in while a held its own lock
            done.append("a1")

    await asyncio.gather(a_waits_for_b(), turn("a", "a2", 0.01), turn("a", "a3", 0), turn("b", "b1", 0))
    assert [n for n in done if n.startswith("a")] == ["a1", "a2", "a3"]
    assert done.index("b1") < done.index("a2")


async def test_a_failing_turn_releases_the_key_for_the_next() -> None:
    order = TurnOrder()

    async def failing() -> None:
        async with order.one_at_a_time("a"):
            raise ValueError("refused")

    results = await asyncio.gather(failing(), asyncio.wait_for(_held(order, "a"), 1), return_exceptions=True)
    assert isinstance(results[0], ValueError) and results[1] == "ran"


async def _held(order: TurnOrder, key: str) -> str:
    async with order.one_at_a_time(key):
        return "ran"
