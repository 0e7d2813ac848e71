"""One helper: wait for a condition that an :class:`asyncio.Event` announces changes of."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable


async def wait_until(
    predicate: Callable[[], bool], changed: asyncio.Event, timeout_s: float
) -> bool:
    """Wait until ``predicate()`` holds, re-checking each time ``changed`` is set, at most
    ``timeout_s`` seconds. Returns whether it held. ``changed`` is cleared as it is used, so
    whoever changes the state must set it after every change."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():
        remaining = deadline - loop.time()
        if remaining <= 0:
            return False
        changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), remaining)
    return True
