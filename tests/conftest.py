"""Shared fixtures. Every test keeps its traffic on loopback.

Like qutebrowser's test suite, a test fails when Jamdesk logs a warning or an error it did not
announce: mark the test ``@pytest.mark.allow_warnings`` when bad input is the point of it.
"""

from __future__ import annotations

import ctypes
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# Hypothesis keeps no example database: nothing is written into the work tree (.hypothesis/).
settings.register_profile("jamdesk", database=None)
settings.load_profile("jamdesk")


def _network_of_our_own() -> None:
    """As root, run the whole suite in a network namespace of its own that holds only
    ``lo`` (``unshare(CLONE_NEWNET)``, before pytest or Qt start any thread, so every
    thread and child process is in it). Jamdesk windows or jams running on this computer
    then cannot show up in the tests' LAN lobby, and no test packet can leave. The
    end-to-end tests still make their own namespaces. ``JAMDESK_TEST_NETNS=0`` turns it
    off; without root the tests filter what they browse by what they hosted."""
    if os.geteuid() != 0 or os.environ.get("JAMDESK_TEST_NETNS") == "0":
        return
    if shutil.which("ip") is None:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(0x40000000) != 0:  # CLONE_NEWNET; refused in some containers: go on
        return
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)


_network_of_our_own()
# Qt keeps settings (the signalling URL) in $XDG_CONFIG_HOME: never the student's own, and
# inherited by every process the tests start.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="jamdesk-test-config-")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ["JAMDESK_NETWORK"] = "loopback"
# Desktop notifications go to a bus a test starts (tests/ui/test_desktop.py), never to the
# developer's own desktop.
os.environ["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=/nonexistent/jamdesk-tests-no-bus"


@pytest.fixture
def captured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Everything this process plays from now on, written by SDL's disk driver to the file
    returned (16-bit stereo at the mixer's rate, in real time)."""
    out = tmp_path / "played.raw"
    monkeypatch.setenv("SDL_AUDIODRIVER", "disk")
    monkeypatch.setenv("SDL_DISKAUDIOFILE", str(out))
    return out


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where tests save screenshots to look at: ``$JAMDESK_SHOTS`` when set (a developer
    who wants to open them), else a folder of pytest's temporary tree, never the work tree."""
    chosen = os.environ.get("JAMDESK_SHOTS")
    if chosen:
        folder = Path(chosen)
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path_factory.mktemp("shots")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "allow_warnings: the test expects Jamdesk to log warnings")


@pytest.fixture(autouse=True)
def no_unexpected_warnings(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> Iterator[None]:
    """Fail the test if anything logged a warning the test did not expect: Jamdesk's own
    loggers and every library's (aiortc, aioice, zeroconf, aiohttp, asyncio...)."""
    caplog.set_level(logging.INFO, logger="jamdesk")
    yield
    if request.node.get_closest_marker("allow_warnings"):
        return
    loud = [r for r in caplog.get_records("call") if r.levelno >= logging.WARNING]
    if loud:
        pytest.fail("unexpected log: " + "; ".join(f"{r.name}: {r.getMessage()}" for r in loud))
