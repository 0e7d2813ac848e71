"""Shared fixtures. Every test keeps its traffic on loopback.

Like qutebrowser's test suite, a test fails when Jamdesk logs a warning or an error it did not
announce: mark the test ``@pytest.mark.allow_warnings`` when bad input is the point of it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ["JAMDESK_NETWORK"] = "loopback"


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
