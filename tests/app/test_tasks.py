"""Personal tasks through the app layer, on a real SQLite file, off the caller's thread."""

from __future__ import annotations

from pathlib import Path

import pytest

from jamdesk.app.clock import LocalClock
from jamdesk.app.storage import AsyncDatabase
from jamdesk.app.tasks import PersonalTask, PersonalTasks, TaskError


async def test_changes_notify_with_the_whole_list(tmp_path: Path) -> None:
    db = await AsyncDatabase.open(tmp_path)
    tasks = PersonalTasks(db, LocalClock())
    seen: list[list[PersonalTask]] = []
    tasks.subscribe(seen.append)
    first = await tasks.add("  Flashcards  ")
    await tasks.set_done(first.id, True)
    assert [(t.title, t.done) for t in seen[-1]] == [("Flashcards", True)]
    with pytest.raises(TaskError, match="1 to 200 characters"):
        await tasks.add("   ")
    with pytest.raises(TaskError, match="does not exist"):
        await tasks.delete(12345)
    assert len(seen) == 2  # refused changes notify nobody
    await db.close()
