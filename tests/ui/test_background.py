"""Background work from the UI: an unexpected failure is logged and said, never lost; a
student's own trouble (a wrong code, no network) is said in words and goes no further."""

from __future__ import annotations

import asyncio
import logging

import pytest

from jamdesk.net.member_client import JoinError
from jamdesk.ui.background import Background


@pytest.mark.allow_warnings  # the logged error is the point
async def test_an_unexpected_failure_is_logged_and_said(caplog: pytest.LogCaptureFixture) -> None:
    said: list[str] = []
    bg = Background(said.append)

    async def broken() -> None:
        raise RuntimeError("the send failed")

    task = bg.run(broken())
    await asyncio.wait([task])
    assert said == ["Something went wrong: the send failed. Please try again."]
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.exc_info is not None


async def test_a_students_trouble_is_said_in_words_and_gives_nothing() -> None:
    said: list[str] = []
    bg = Background(lambda words: pytest.fail(f"not an unexpected failure: {words}"))

    async def wrong_code() -> str:
        raise JoinError("No jam with code ZZZZZZ on this network.")

    async def fine() -> str:
        return "in"

    assert await bg.attempt(wrong_code(), said.append) is None
    assert await bg.attempt(fine(), said.append) == "in"
    assert said == ["No jam with code ZZZZZZ on this network."]
    with pytest.raises(RuntimeError):  # a bug is not the student's trouble: it raises
        await bg.attempt(_bug(), said.append)


async def _bug() -> None:
    raise RuntimeError("a bug")


async def test_a_bare_value_error_is_a_bug_not_advice() -> None:
    """``USER_ERRORS`` holds our own error classes: a ``ValueError`` from a programming
    mistake goes up (to be logged as a bug), while a bad link typed by the student is said."""
    from jamdesk.app.context import parse_link

    said: list[str] = []
    bg = Background(pytest.fail)

    async def bug() -> None:
        raise ValueError("invalid literal for int() with base 10: 'x'")

    async def bad_link() -> tuple[str, str, str]:
        return parse_link("https://example.org/not-a-jam")

    with pytest.raises(ValueError, match="invalid literal"):
        await bg.attempt(bug(), said.append)
    assert await bg.attempt(bad_link(), said.append) is None
    assert said == ["That is not a Jamdesk join link (jamdesk://join?signal=...&code=...)."]
