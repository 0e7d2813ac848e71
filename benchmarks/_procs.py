"""Headless ``jamdesk`` processes for benchmarks: start, read JSON lines, wait for one."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

Line = dict[str, Any]


class Proc:
    """One headless process whose stdout JSON lines are queued with their arrival time."""

    def __init__(
        self, *args: str, data: str, env: dict[str, str] | None = None, log: str | None = None
    ) -> None:
        env = dict(os.environ, JAMDESK_NETWORK="loopback", **(env or {}))
        self.log = log
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jamdesk", *args, "--data-dir", data]
            + (["--log-level", "INFO"] if log else []),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=open(log, "w") if log else subprocess.DEVNULL,  # noqa: SIM115 - the child's
            text=True,
            bufsize=1,
            env=env,
        )
        self.lines: queue.Queue[tuple[float, Line]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self.lines.put((time.monotonic(), json.loads(raw)))

    def wait(self, predicate: Callable[[Line], bool], timeout_s: float = 30) -> tuple[float, Line]:
        """The arrival time and first line matching ``predicate``."""
        deadline = time.monotonic() + timeout_s
        while True:
            at, line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            if predicate(line):
                return at, line

    def send(self, command: Line) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
