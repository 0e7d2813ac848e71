"""The database off the caller's thread: every call runs on one worker thread.

The UI never waits on SQLite (docs/ARCHITECTURE.md, "Storage"); writes of received events are
queued in order and a failure is logged, never raised into the room.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import ParamSpec, TypeVar

from jamdesk.store.db import Database

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")


class AsyncDatabase:
    """A :class:`~jamdesk.store.db.Database` used from asyncio through a single worker."""

    def __init__(self, db: Database, executor: ThreadPoolExecutor) -> None:
        self.db = db
        self._executor = executor

    @classmethod
    async def open(cls, directory: Path) -> AsyncDatabase:
        """Open (and migrate) the database in ``directory`` on the worker thread.

        Raises :class:`~jamdesk.store.db.StoreError` with a message fit for a student.
        """
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jamdesk-db")
        loop = asyncio.get_running_loop()
        try:
            db = await loop.run_in_executor(executor, Database, directory)
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(db, executor)

    async def call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn(*args, **kwargs)`` on the worker and return its result."""
        return await asyncio.wrap_future(self._executor.submit(fn, *args, **kwargs))

    def submit(self, fn: Callable[P, object], *args: P.args, **kwargs: P.kwargs) -> None:
        """Queue ``fn`` on the worker without waiting; a failure is logged."""
        future = self._executor.submit(fn, *args, **kwargs)
        future.add_done_callback(_log_failure)

    async def close(self) -> None:
        """Finish queued work, then close the database."""
        await asyncio.wrap_future(self._executor.submit(self.db.close))
        self._executor.shutdown(wait=True)


def _log_failure(future: Future[object]) -> None:
    exc = future.exception()
    if exc is not None:
        log.error("saving to the database failed: %s", exc, exc_info=exc)
