"""A full disk (issue 16, item 7): saving stops, the student is told once, the jam's events
wait in memory, in order, and are all saved once space returns; logs say it once, not per
write. A real SQLite file on a real 16 MiB tmpfs that the test fills and frees."""

from __future__ import annotations

import asyncio
import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from jamdesk.app import storage
from jamdesk.app.recorder import SessionRecorder
from jamdesk.app.storage import AsyncDatabase
from jamdesk.core.commands import Chat
from jamdesk.core.kinds import Role
from jamdesk.store.db import FULL, StoreError
from tests.factories import room_log, run


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 MiB tmpfs mounted for this test (needs root, as CI is)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = shutil.which("mount") and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(disk)],
        capture_output=True,
        check=False,
    )
    if not mounted or mounted.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail("CI must be able to mount a tmpfs (run as root)")
        pytest.skip("mounting a tmpfs needs root")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(disk: Path) -> Path:
    """Fill ``disk`` to the last byte with one file; returns it."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as f:
        written = 1
        while written:
            written = _write(f.fileno())
    return filler


def _write(fd: int) -> int:
    """Write one block; 0 once the disk is full (ENOSPC), any other error raises."""
    try:
        return os.write(fd, b"\0" * 4096)
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
        return 0


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
