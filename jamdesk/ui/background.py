"""Background work from the UI: one helper for every coroutine a screen starts (the Anki
pattern: the UI never waits, and what comes back is shown; docs/ARCHITECTURE.md, "UI").

:meth:`Background.run` keeps the task alive, and a failure nobody expected is logged with
its traceback and shown in words where the student is looking (never lost in a task).
:meth:`Background.attempt` awaits one step whose failures are the student's business (a
wrong code, no network, a damaged file: the app layer's ``USER_ERRORS``) and shows them with
the screen's own message line instead of raising.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

Show = Callable[[str], None]
"""Where a sentence for the student goes (a screen's error or notice line)."""


class Background:
    """The tasks of one window or screen; ``show`` says an unexpected failure."""

    def __init__(self, show: Show) -> None:
        self._show = show
        self._tasks: set[asyncio.Future[None]] = set()

    def run(self, coro: Coroutine[Any, Any, None]) -> asyncio.Future[None]:
        """Run ``coro`` in the background; returns its task."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Future[None]) -> None:
        self._tasks.discard(task)
        if task.cancelled() or task.exception() is None:
            return
        exc = task.exception()
        log.error("unexpected failure", exc_info=exc)
        self._show(f"Something went wrong: {exc}. Please try again.")

    async def attempt(self, step: Awaitable[T], show: Show) -> T | None:
        """Await ``step``; a user error is shown in words with ``show`` and gives ``None``
        (anything else is a bug, and raises)."""
        from jamdesk.app.context import USER_ERRORS  # noqa: PLC0415 - heavy: after paint

        try:
            return await step
        except USER_ERRORS as exc:
            show(in_words(exc))
            return None

    def cancel(self) -> None:
        """Stop every task still running (the screen goes away)."""
        for task in list(self._tasks):
            task.cancel()


def in_words(exc: BaseException) -> str:
    """A student-readable message for a failure (a raw OS error names what went wrong)."""
    from jamdesk.app.context import JoinError  # noqa: PLC0415 - loaded with the context

    if isinstance(exc, OSError) and not isinstance(exc, JoinError):
        return (
            f"Could not open the jam on this network: {exc.strerror or exc}. "
            "Check your network connection."
        )
    return str(exc)
