"""The database off the caller's thread: every call runs on one worker thread.

The UI never waits on SQLite (docs/ARCHITECTURE.md, "Storage"). Writes of received events are
queued in order and never raise into the room. When the disk is full they wait in memory, in
order, and are tried again every :data:`RETRY_S` seconds; watchers are told once when saving
stops and once when it works again (issue 16, item 7), and the log says it once, not per write.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import ParamSpec, TypeVar

from jamdesk.store.db import FULL, Database, StoreError

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")

RETRY_S = 5.0
"""How often writes waiting for disk space are tried again."""
MAX_WAITING_WRITES = 100_000
"""Writes kept in memory while the disk is full (each a batch of events: hours of a busy
room); past this, new ones are counted as lost and the watchers are told so."""

StorageWatcher = Callable[[StoreError | None], None]
"""Told (on the event loop) a :class:`StoreError` when saving stops working, ``None`` when
it works again."""


class AsyncDatabase:
    """A :class:`~jamdesk.store.db.Database` used from asyncio through a single worker.

    ``unsaved`` counts writes given up (the disk stayed full past :data:`MAX_WAITING_WRITES`
    or until :meth:`close`); ``waiting`` is how many wait for space now."""

    def __init__(self, db: Database, executor: ThreadPoolExecutor) -> None:
        self.db = db
        self._executor = executor
        self._loop = asyncio.get_running_loop()
        self._waiting: deque[Callable[[], object]] = deque()  # the worker's own
        self._trouble: StoreError | None = None  # the worker's own
        self._watchers: list[StorageWatcher] = []
        self._retry: asyncio.TimerHandle | None = None
        self.unsaved = 0

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

    @property
    def waiting(self) -> int:
        """Writes waiting for disk space (read from the loop: a moment's estimate)."""
        return len(self._waiting)

    def watch(self, watcher: StorageWatcher) -> None:
        """Call ``watcher`` on the event loop when saving stops or works again."""
        self._watchers.append(watcher)

    async def call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn(*args, **kwargs)`` on the worker and return its result (raises what it
        raises: :class:`StoreError` for the database's failures)."""
        return await asyncio.wrap_future(self._executor.submit(fn, *args, **kwargs))

    def submit(self, fn: Callable[P, object], *args: P.args, **kwargs: P.kwargs) -> None:
        """Queue the write ``fn(*args, **kwargs)`` on the worker without waiting. It runs
        after every write queued before it; while the disk is full it waits in memory and
        is tried again. Any other failure is logged and that write is dropped. ``fn`` must
        do all or nothing (one transaction), since a failed write is run again whole."""
        job = functools.partial(fn, *args, **kwargs)
        self._executor.submit(self._enqueue, job)

    async def close(self) -> None:
        """Finish queued work (one last try for writes waiting for space; those that still
        fail are counted in :attr:`unsaved` and logged), then close the database."""
        if self._retry is not None:
            self._retry.cancel()
        await asyncio.wrap_future(self._executor.submit(self._drain))
        if self._waiting:
            self.unsaved += len(self._waiting)
            log.error("%d writes could not be saved: the disk is still full", len(self._waiting))
            self._waiting.clear()
        await asyncio.wrap_future(self._executor.submit(self.db.close))
        self._executor.shutdown(wait=True)

    # -- on the worker thread ---------------------------------------------------------------

    def _enqueue(self, job: Callable[[], object]) -> None:
        if len(self._waiting) >= MAX_WAITING_WRITES:
            self.unsaved += 1
            if self.unsaved == 1:
                log.error("the disk is still full: later writes are lost")
                self._tell(StoreError(_LOST_WORDS, FULL))
            return
        self._waiting.append(job)
        if self._trouble is None:
            self._drain()

    def _drain(self) -> None:
        if self._trouble is not None:
            self.db.checkpoint()  # the write-ahead log holds failed writes' frames: give them back
        while self._waiting:
            job = self._waiting[0]
            try:
                job()
            except StoreError as exc:
                if exc.kind == FULL:
                    self._stalled(exc)
                    return
                log.error("saving to the database failed: %s", exc)
            except Exception as exc:  # a bug in the write itself: never retried
                log.error("saving to the database failed: %s", exc, exc_info=exc)
            self._waiting.popleft()
        if self._trouble is not None:
            self._trouble = None
            self.db.checkpoint()
            log.info("saving works again; every waiting write is saved")
            self._tell(None)

    def _stalled(self, exc: StoreError) -> None:
        if self._trouble is None:
            self._trouble = exc
            log.warning("cannot save (%s); writes wait in memory, tried every %.0f s", exc, RETRY_S)
            self._tell(exc)
        self._loop.call_soon_threadsafe(self._schedule_retry)

    def _tell(self, trouble: StoreError | None) -> None:
        self._loop.call_soon_threadsafe(self._told, trouble)

    # -- on the event loop ------------------------------------------------------------------

    def _schedule_retry(self) -> None:
        if self._retry is None or self._retry.cancelled() or self._retry.when() < self._loop.time():
            self._retry = self._loop.call_later(RETRY_S, lambda: self._executor.submit(self._drain))

    def _told(self, trouble: StoreError | None) -> None:
        for watcher in self._watchers:
            watcher(trouble)


_LOST_WORDS = (
    "Jamdesk cannot save: the disk is still full, and what happens in the jam from now on "
    "will not be kept. Free some space."
)
