"""A real full disk for tests (issue 16, item 7): a 16 MiB tmpfs mounted for the test (it
needs root, as CI has), and a way to fill it to the last byte."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def mounted(disk: Path) -> Iterator[Path]:
    """A 16 MiB tmpfs mounted at ``disk`` (made if missing) while the block runs; skips the
    test when it cannot mount (not root), fails it on CI, which must."""
    disk.mkdir(parents=True, exist_ok=True)
    mounted = shutil.which("mount") and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(disk)],
        capture_output=True,
        check=False,
    )
    if not mounted or mounted.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail("CI must be able to mount a tmpfs (run as root)")
        pytest.skip("mounting a tmpfs needs root")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 MiB tmpfs mounted for this test (needs root, as CI is)."""
    with mounted(tmp_path / "disk") as disk:
        yield disk


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
