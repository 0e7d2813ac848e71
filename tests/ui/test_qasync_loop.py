"""The PySide6/qasync pairing under load (PySide6 6.12.0 crashed here with none_dealloc).

pyproject pins PySide6 below 6.12; this test is what a version bump must pass: tens of
thousands of asyncio callbacks, timers and task switches on the qasync loop.
"""

from __future__ import annotations

import asyncio

from tests.ui.conftest import QLoop


def test_many_callbacks_timers_and_tasks_on_the_qasync_loop(qloop: QLoop) -> None:
    async def scenario() -> tuple[int, int, int]:
        loop = asyncio.get_running_loop()
        calls = 0
        timers = 0
        done = asyncio.Event()

        def soon() -> None:
            nonlocal calls
            calls += 1

        def later() -> None:
            nonlocal timers
            timers += 1
            if timers == 2_000:
                done.set()

        for _ in range(20_000):
            loop.call_soon(soon)
        for i in range(2_000):
            loop.call_later((i % 20) / 1000, later)

        async def hop(n: int) -> int:
            for _ in range(n):
                await asyncio.sleep(0)
            return n

        hops = sum(await asyncio.gather(*(hop(50) for _ in range(200))))
        await asyncio.wait_for(done.wait(), 10)
        return calls, timers, hops

    assert qloop.run(scenario()) == (20_000, 2_000, 10_000)
