"""What every command shares: exit codes, the default display name, and JSON lines on
stdout and stdin (docs/ARCHITECTURE.md, "Headless mode").

Exit codes: 0 done, 2 bad usage or settings, 3 could not join, 4 data folder unusable,
5 no network for the lobby.
"""

from __future__ import annotations

import asyncio
import getpass
import logging
import os
import stat
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

log = logging.getLogger(__name__)
_encoder = msgspec.json.Encoder()

EXIT_USAGE = 2
EXIT_JOIN_FAILED = 3
EXIT_STORAGE = 4
EXIT_NO_NETWORK = 5


def default_name() -> str:
    """A first guess at the student's display name: their login name, capitalised."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = ""
    return (name or "Student")[:40].capitalize()


def emit(obj: dict[str, Any]) -> None:
    """Write one JSON line to stdout and flush it."""
    sys.stdout.write(_encoder.encode(obj).decode() + "\n")
    sys.stdout.flush()


async def read_lines(on_line: Callable[[bytes], Awaitable[None]]) -> None:
    """Read stdin line by line (64 KiB at most a line) and await ``on_line`` for each
    non-blank one; an over-long line prints a ``too_large`` error. Returns at end of input.

    Only a pipe, a socket or a terminal is read: asyncio can watch nothing else (a regular
    file or ``/dev/null`` cannot be registered with epoll, and asyncio logs an error for it),
    so with stdin at ``/dev/null`` (systemd, nohup), a file, or closed, the jam runs on
    without commands."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=64 * 1024)
    if not _watchable(sys.stdin):
        log.info("not reading commands: stdin is not a pipe, socket or terminal")
        return
    try:
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    except (ValueError, OSError) as exc:  # e.g. stdin is a closed descriptor
        log.info("not reading commands from stdin: %s", exc)
        return
    while True:
        try:
            line = await reader.readline()
        except ValueError:
            emit({"event": "error", "code": "too_large", "reason": "That line is too long."})
            continue
        if not line:
            return  # EOF: keep running without commands
        if line.strip():
            await on_line(line)


def _watchable(stream: object) -> bool:
    """Whether ``stream`` is a pipe, a socket or a terminal that asyncio can watch."""
    try:
        fd = stream.fileno()  # type: ignore[attr-defined]
        mode = os.fstat(fd).st_mode
    except (AttributeError, ValueError, OSError):  # no descriptor, or a closed one
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or os.isatty(fd)
