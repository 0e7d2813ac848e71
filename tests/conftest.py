"""Shared fixtures. Every test keeps its traffic on loopback.

Like qutebrowser's test suite, a test fails when Jamdesk logs a warning or an error it did not
announce: mark the test ``@pytest.mark.allow_warnings`` when bad input is the point of it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# Hypothesis keeps no example database: nothing is written into the work tree (.hypothesis/).
settings.register_profile("jamdesk", database=None)
settings.load_profile("jamdesk")

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ["JAMDESK_NETWORK"] = "loopback"


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
    """Fail the test if a ``jamdesk`` logger warned and the test did not expect it."""
    caplog.set_level(logging.INFO, logger="jamdesk")
    yield
    if request.node.get_closest_marker("allow_warnings"):
        return
    loud = [
        r
        for r in caplog.get_records("call")
        if r.name.startswith("jamdesk") and r.levelno >= logging.WARNING
    ]
    if loud:
        pytest.fail("unexpected log: " + "; ".join(f"{r.name}: {r.getMessage()}" for r in loud))
