"""Two real GUI processes (offscreen) on one computer: one hosts, the other joins by code."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from jamdesk.store.db import Database


def read_until(proc: subprocess.Popen[str], needle: str) -> str:
    """Lines of stderr until one contains ``needle``; fails if the process exits first."""
    assert proc.stderr is not None
    for line in proc.stderr:
        if needle in line:
            return line
    raise AssertionError(f"{needle!r} never logged; exit code {proc.wait()}")


@pytest.fixture
def gui(tmp_path: Path) -> Iterator[list[subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=20)


def start(args: list[str], data: Path) -> subprocess.Popen[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", JAMDESK_NETWORK="loopback")
    env["XDG_CONFIG_HOME"] = str(data / "config")  # Qt settings of this window only
    return subprocess.Popen(
        [sys.executable, "-m", "jamdesk", *args, "--data-dir", str(data), "--log-level", "INFO"],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_two_windows_host_and_join(gui: list[subprocess.Popen[str]], tmp_path: Path) -> None:
    host = start(["host", "--name", "Ana", "--title", "Physics"], tmp_path / "a")
    gui.append(host)
    entered = read_until(host, "entered room")
    code = entered.split("entered room ")[1].split()[0]
    member = start(["join", code, "--name", "Bo"], tmp_path / "b")
    gui.append(member)
    assert f"entered room {code} as participant" in read_until(member, "entered room")
    member.terminate()  # closing the window: the session is kept as interrupted
    assert member.wait(timeout=20) == 0
    (session,) = Database(tmp_path / "b").sessions()
    assert (session.room_code, session.title, session.outcome) == (code, "Physics", "interrupted")
    assert session.event_count >= 2


def test_an_idle_window_quits_on_sigterm(tmp_path: Path) -> None:
    """Logout sends SIGTERM: the window closes even when nothing else runs Python code."""
    window = start([], tmp_path / "a")
    try:
        read_until(window, "first window shown")
        window.terminate()
        assert window.wait(timeout=20) == 0
    finally:
        window.kill()
