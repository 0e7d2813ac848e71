"""Which process owns a ``live`` session row, so a row left ``live`` by a killed process is
told from one another Jamdesk window is still recording (issue 13).

A token is ``"<pid>:<start>"``: the process id and, on Linux, its start time in clock ticks
since boot (``/proc/<pid>/stat``, field 22, proc(5)), so a new process that happens to get a
dead one's pid is not taken for it. Elsewhere the start is empty and the pid alone is used.
"""

from __future__ import annotations

import os
from pathlib import Path


def _start_ticks(pid: int) -> str:
    """The process's start time in clock ticks since boot, or "" when it cannot be read."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text("ascii")
    except OSError:
        return ""
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else ""


def this_process() -> str:
    """This process's token."""
    pid = os.getpid()
    return f"{pid}:{_start_ticks(pid)}"


def alive(token: str) -> bool:
    """Whether the process of ``token`` still runs (``False`` for "" or a malformed token)."""
    pid_text, _, start = token.partition(":")
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists (kill(2))
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    return not start or _start_ticks(pid) == start
