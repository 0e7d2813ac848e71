"""Personal tasks: this user's own list, kept on this computer and visible from any room.

All database work runs on the :class:`AsyncDatabase` worker; titles are checked here with the
same rule as room tasks, and every change notifies listeners with the whole new list.
"""

from __future__ import annotations

from collections.abc import Callable

from jamdesk.app.clock import LocalClock
from jamdesk.app.storage import AsyncDatabase
from jamdesk.core.rules import MAX_TASK_CHARS, clean_text
from jamdesk.store.db import PersonalTask

__all__ = ["PersonalTask", "PersonalTasks", "TaskError"]

TasksListener = Callable[[list[PersonalTask]], None]


class TaskError(ValueError):
    """A task change that cannot be made; the message says why."""


class PersonalTasks:
    """The personal task list behind the GUI's "My tasks" and headless ``mytask.*``."""

    def __init__(self, db: AsyncDatabase, clock: LocalClock) -> None:
        self._db = db
        self._clock = clock
        self._listeners: list[TasksListener] = []

    def subscribe(self, listener: TasksListener) -> Callable[[], None]:
        """Call ``listener`` with the whole list after every change."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    async def all(self) -> list[PersonalTask]:
        """The list as stored."""
        return await self._db.call(self._db.db.personal_tasks)

    async def add(self, title: str) -> PersonalTask:
        """Add a task. Raises :class:`TaskError` for an empty or too long title."""
        task = await self._db.call(
            self._db.db.add_personal_task, _title(title), self._clock.now_ms()
        )
        await self._changed()
        return task

    async def rename(self, task_id: int, title: str) -> None:
        """Rename a task. Raises :class:`TaskError`."""
        await self._update(task_id, title=_title(title))

    async def set_done(self, task_id: int, done: bool) -> None:
        """Mark a task done or not done. Raises :class:`TaskError`."""
        await self._update(task_id, done=done)

    async def delete(self, task_id: int) -> None:
        """Delete a task. Raises :class:`TaskError`."""
        try:
            await self._db.call(self._db.db.delete_personal_task, task_id)
        except LookupError:
            raise TaskError("That task does not exist (any more).") from None
        await self._changed()

    async def _update(
        self, task_id: int, *, title: str | None = None, done: bool | None = None
    ) -> None:
        try:
            await self._db.call(
                self._db.db.update_personal_task,
                task_id,
                title=title,
                done=done,
                now_ms=self._clock.now_ms(),
            )
        except LookupError:
            raise TaskError("That task does not exist (any more).") from None
        await self._changed()

    async def _changed(self) -> None:
        tasks = await self.all()
        for listener in list(self._listeners):
            listener(tasks)


def _title(title: str) -> str:
    clean = clean_text(title, MAX_TASK_CHARS)
    if clean is None:
        raise TaskError(f"A task has 1 to {MAX_TASK_CHARS} characters.")
    return clean
