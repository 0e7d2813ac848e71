"""A full disk (issue 16, item 7): saving stops, the student is told once, the jam's events
wait in memory, in order, and are all saved once space returns; logs say it once, not per
write. A real SQLite file on a real 16 MiB tmpfs that the test fills and frees."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jamdesk.app import storage
from jamdesk.app.recorder import SessionRecorder
from jamdesk.app.storage import AsyncDatabase
from jamdesk.core.commands import Chat
from jamdesk.core.kinds import Role
from jamdesk.store.db import FULL, Database, StoreError
from tests.diskfull import fill, small_disk
from tests.factories import room_log, run, store_log

__all__ = ["small_disk"]  # the fixture


@pytest.mark.allow_warnings
async def test_a_full_disk_is_told_once_and_every_event_is_saved_when_space_returns(
    small_disk: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(storage, "RETRY_S", 0.1)
    db = await AsyncDatabase.open(small_disk)
    told: list[StoreError | None] = []
    changed = asyncio.Event()

    def watcher(trouble: StoreError | None) -> None:
        told.append(trouble)
        changed.set()

    db.watch(watcher)
    log = room_log()
    recorder = SessionRecorder(db)
    recorder.start(log.state, list(log.events), me="host", role=Role.HOST, started_at_ms=0)
    await db.call(lambda: None)  # the row is there
    filler = fill(small_disk)
    for i in range(300):  # a busy room: 300 chats of 1,000 characters, while the disk is full
        before = len(log.events)
        run(log, "host", Chat(text=f"{i:03d} " + "x" * 1_000), 1_000 + i)
        recorder.append(log.events[before:])
    await asyncio.wait_for(changed.wait(), 10)
    assert len(told) == 1
    assert isinstance(told[0], StoreError)
    assert told[0].kind == FULL
    assert "the disk is full" in str(told[0])
    assert db.waiting > 0
    changed.clear()
    filler.unlink()  # space returns
    await asyncio.wait_for(changed.wait(), 10)
    assert told[1:] == [None]
    assert recorder.session_id is not None
    stored = await db.call(db.db.events, recorder.session_id)
    assert stored == log.events  # every event, in order, once
    loud = [r for r in caplog.records if r.levelname in ("WARNING", "ERROR")]
    assert len(loud) == 1  # said once, not per write
    assert "Traceback" not in caplog.text
    await db.close()
    assert db.unsaved == 0


def test_starting_on_a_full_disk_says_so_and_works_once_space_returns(small_disk: Path) -> None:
    """Issue 16, item 7: before, a start on a full disk ended in an OperationalError
    traceback, or advised checking that the folder was writable."""
    db = Database(small_disk)
    store_log(db, room_log())
    db.close()
    filler = fill(small_disk)
    for args in (["history"], ["stats"], ["host", "--headless", "--no-advertise"]):
        done = subprocess.run(
            [sys.executable, "-m", "jamdesk", *args, "--data-dir", str(small_disk)],
            capture_output=True, text=True, timeout=60, check=False, stdin=subprocess.DEVNULL,
            env={**os.environ, "JAMDESK_NETWORK": "loopback"},
        )  # fmt: skip
        said = done.stdout + done.stderr
        assert done.returncode == 4, said
        assert "the disk is full" in said
        assert "Free some space; then start Jamdesk again." in said
        assert "writable" not in said
        assert "Traceback" not in said
    filler.unlink()
    listed = subprocess.run(
        [sys.executable, "-m", "jamdesk", "history", "--data-dir", str(small_disk)],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert "Algorithms" in listed.stdout
