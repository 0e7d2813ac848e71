"""Two real GUI processes (offscreen) on one computer: one hosts, the other joins by code."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
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


def start(args: list[str], data: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", JAMDESK_NETWORK="loopback") | (env or {})
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


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_window_idle_for_seconds_quits_on_a_signal_at_once(
    tmp_path: Path, sig: signal.Signals
) -> None:
    """Logout sends SIGTERM, a terminal Ctrl+C: a window idle for 5 s (nothing runs Python
    code; an empty home folder) quits within 3 s, cleanly."""
    home = tmp_path / "home"
    home.mkdir()
    window = start([], tmp_path / "a", env={"HOME": str(home)})
    try:
        read_until(window, "first window shown")
        with pytest.raises(subprocess.TimeoutExpired):
            window.wait(timeout=5)  # it stays up while idle
        sent = time.monotonic()
        window.send_signal(sig)
        assert window.wait(timeout=3) == 0
        assert time.monotonic() - sent < 3
        assert window.stderr is not None
        assert f"quitting on {sig.name}" in window.stderr.read()
    finally:
        window.kill()


def test_a_window_in_a_jam_quits_on_sigterm_at_once_and_keeps_the_jam(tmp_path: Path) -> None:
    """Closing the window in a jam would keep it running in the tray, or ask; a logout's
    SIGTERM must not: the jam is closed, saved, and the process ends within 3 s."""
    home = tmp_path / "home"
    home.mkdir()
    window = start(
        ["host", "--name", "Ana", "--title", "Late"], tmp_path / "a", {"HOME": str(home)}
    )
    try:
        read_until(window, "entered room")
        sent = time.monotonic()
        window.send_signal(signal.SIGTERM)
        assert window.wait(timeout=3) == 0
        assert time.monotonic() - sent < 3
    finally:
        if window.poll() is None:
            window.kill()
            window.wait()
    (session,) = Database(tmp_path / "a").sessions()
    assert (session.title, session.outcome) == ("Late", "interrupted")  # kept, not lost
