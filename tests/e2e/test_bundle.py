"""The built artefacts, run as a student gets them (issue 18's smoke test): the PyInstaller
bundle (``dist/jamdesk``, or ``$JAMDESK_BUNDLE``) and the Debian package beside it.

``bash packaging/build.sh`` makes them; ``.ci/run`` builds them before the tests, so on CI
(``CI=true``) a missing bundle fails instead of skipping.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import jamdesk
from tests.audio.capture import load
from tests.e2e.conftest import JamProcess
from tests.packaging.manifest import REPO, missing_under

BUDGET_BYTES = 150 * 1024 * 1024
"""The bundle's size budget, unpacked (issue 18)."""


def _built(path: Path, what: str) -> Path:
    if path.exists():
        return path
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing: .ci/run builds it with bash packaging/build.sh first")
    pytest.skip(f"{what} is not built here: bash packaging/build.sh")


@pytest.fixture(scope="module")
def bundle() -> Path:
    """The bundle's folder (holding ``jamdesk`` and ``_internal``)."""
    return _built(Path(os.environ.get("JAMDESK_BUNDLE", REPO / "dist" / "jamdesk")), "the bundle")


@pytest.fixture(scope="module")
def deb() -> Path:
    """The Debian package built beside the bundle."""
    found = sorted((REPO / "dist").glob(f"jamdesk_{jamdesk.__version__}_*.deb"))
    return _built(found[-1] if found else REPO / "dist" / "jamdesk.deb", "the .deb")


def run(
    bundle: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bundle / "jamdesk"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, **(env or {})),
        cwd="/",  # nothing found through the working folder
        check=False,
    )


def test_the_bundle_is_under_its_size_budget_and_carries_every_runtime_file(bundle: Path) -> None:
    size = sum(p.lstat().st_size for p in bundle.rglob("*") if not p.is_symlink())
    assert size < BUDGET_BYTES, f"{size / 2**20:.0f} MiB"
    assert missing_under(bundle / "_internal") == []
    assert not (bundle / "_internal" / "av.libs").exists()  # PyAV's stand-in, no FFmpeg


def test_the_bundle_prints_its_version_and_the_stats_of_an_empty_data_folder(
    bundle: Path, tmp_path: Path
) -> None:
    version = run(bundle, "--version")
    assert (version.returncode, version.stdout.strip()) == (0, f"jamdesk {jamdesk.__version__}")
    stats = run(bundle, "stats", "--json", "--data-dir", str(tmp_path / "empty"))
    assert stats.returncode == 0, stats.stderr  # Alembic found its scripts in the bundle
    assert '"level": 0' in stats.stdout
    assert '"sessions": 0' in stats.stdout


def test_the_bundle_says_how_to_get_the_signalling_server(bundle: Path) -> None:
    done = run(bundle, "signal", "--port", "0")
    assert done.returncode == 2
    assert "pip install 'jamdesk[server]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_jam_hosted_by_the_bundle_is_joined_by_pip_jamdesk_over_a_data_channel(
    bundle: Path, jamdesk: Callable[..., JamProcess], tmp_path: Path
) -> None:
    """Host in the bundle (PyAV's stand-in under aiortc), join from this checkout's Python:
    the WebRTC data channel carries the welcome, a chat line and the timer; the bundle's
    stripped pygame plays a shipped track (captured by SDL's disk driver)."""
    played = tmp_path / "played.raw"
    host = jamdesk(
        "host", "--headless", "--name", "Ana", "--title", "Bundle", data="host",
        program=[str(bundle / "jamdesk")],
        env={"SDL_AUDIODRIVER": "disk", "SDL_DISKAUDIOFILE": str(played)},
    )  # fmt: skip
    code = host.event("hosting")["code"]
    host.event("sound", state="on")
    member = jamdesk("join", code, "--headless", "--name", "Bo", data="member")
    member.event("joined", code=code)
    host.event("room_event", kind="member_joined")
    member.send({"cmd": "chat", "text": "hello from pip"})
    chat = host.event("room_event", kind="chat_posted")
    assert chat["body"]["text"] == "hello from pip"
    host.send({"cmd": "timer.start"})
    member.event("room_event", kind="timer_started")
    host.send({"cmd": "audio.play", "track": "morning-pages"})
    member.event("room_event", kind="audio_changed")
    host.wait_for(
        lambda line: line.get("event") == "tick" and (line["audio"]["heard_ms"] or 0) > 1_500
    )
    host.send({"cmd": "end"})
    member.event("room_event", kind="room_ended")
    assert host.finish() == 0
    assert member.finish() == 0
    assert int(np.abs(load(played)).max()) > 1_000  # music, not silence


def test_the_bundle_window_starts_offscreen_and_quits_on_sigterm(
    bundle: Path, tmp_path: Path
) -> None:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        HOME=str(tmp_path),
    )
    window = subprocess.Popen(
        [str(bundle / "jamdesk"), "--data-dir", str(tmp_path / "d"), "--log-level", "INFO"],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd="/",
    )
    try:
        assert window.stderr is not None
        for line in window.stderr:
            if "first window shown" in line:
                break
            assert "Traceback" not in line, line
        else:
            pytest.fail(f"the window never showed; exit code {window.wait()}")
        sent = time.monotonic()
        window.send_signal(signal.SIGTERM)
        assert window.wait(timeout=5) == 0
        assert time.monotonic() - sent < 5
        assert "quitting on SIGTERM" in window.stderr.read()
    finally:
        if window.poll() is None:
            window.kill()
            window.wait()


def test_the_debian_package_holds_valid_entries_icons_and_metadata(
    deb: Path, tmp_path: Path
) -> None:
    root = tmp_path / "root"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    control = subprocess.run(
        ["dpkg-deb", "-f", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    assert f"Version: {jamdesk.__version__}" in control
    assert re.search(r"^Depends: .*libc6 \(>= [\d.]+\)", control, re.MULTILINE), control
    assert os.readlink(root / "usr/bin/jamdesk") == "/opt/jamdesk/jamdesk"
    assert (root / "opt/jamdesk/_internal/jamdesk/resources/style.qss").is_file()
    for size in (16, 48, 256, 512):
        assert (root / f"usr/share/icons/hicolor/{size}x{size}/apps/jamdesk.png").is_file()
    assert (root / "usr/share/icons/hicolor/scalable/apps/jamdesk.svg").is_file()
    assert (root / "usr/share/doc/jamdesk/copyright").is_file()
    applications = sorted((root / "usr/share/applications").glob("*.desktop"))
    assert [p.name for p in applications] == [
        f"{jamdesk.APP_ID}.Join.desktop",
        f"{jamdesk.APP_ID}.desktop",
    ]
    validate = subprocess.run(
        ["desktop-file-validate", *map(str, applications)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert validate.returncode == 0, validate.stdout
    assert not validate.stdout, validate.stdout
    metainfo = root / f"usr/share/metainfo/{jamdesk.APP_ID}.metainfo.xml"
    appstream = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(metainfo)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert appstream.returncode == 0, appstream.stdout


@pytest.mark.skipif(not Path("/usr/bin/jamdesk").exists(), reason="the .deb is not installed")
def test_the_installed_debian_package_runs_from_the_path(tmp_path: Path) -> None:
    """``.ci/run`` installs the .deb with apt-get (root, a throwaway machine)."""
    assert shutil.which("jamdesk", path="/usr/bin") == "/usr/bin/jamdesk"
    version = subprocess.run(
        ["/usr/bin/jamdesk", "--version"], capture_output=True, text=True, check=False
    )
    assert version.stdout.strip() == f"jamdesk {jamdesk.__version__}"
    stats = subprocess.run(
        ["/usr/bin/jamdesk", "stats", "--json", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert stats.returncode == 0, stats.stderr
    assert sys.executable not in stats.stderr
