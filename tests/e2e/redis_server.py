"""A real ``redis-server`` for the signalling cluster's tests, started on loopback (in the
test's network namespace when there is one), with nothing saved to disk.

``.ci/run`` installs Debian's ``redis-server``; elsewhere a missing one skips the test with a
message saying how to install it (and fails it under ``CI=true``, where it must be there).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest

READY = "Ready to accept connections"


def redis_server_path() -> str:
    """Where ``redis-server`` is; skips (fails on CI) when it is not installed."""
    path = shutil.which("redis-server")
    if path is None:
        message = "redis-server is not installed: apt-get install redis-server (.ci/run does)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def free_port() -> int:
    """A TCP port free on 127.0.0.1 just now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """``redis-server`` on 127.0.0.1:``port``, run under ``prefix`` (``ip netns exec NS``),
    its files in ``workdir``. :attr:`url` once :meth:`start` returns."""

    def __init__(self, workdir: Path, port: int, prefix: list[str] | None = None) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.log: list[str] = []
        self._ready = threading.Event()
        workdir.mkdir(parents=True, exist_ok=True)
        options = ["--bind", "127.0.0.1", "--port", str(port), "--save", ""]
        options += ["--appendonly", "no", "--dir", str(workdir)]
        self.proc = subprocess.Popen(
            [*(prefix or []), redis_server_path(), *options],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.log.append(line)
            if READY in line:
                self._ready.set()
        self._ready.set()  # exited: start() reports it

    def start(self, timeout_s: float = 10.0) -> str:
        """Wait until Redis accepts connections; returns its URL. Raises AssertionError with
        its log when it does not come up."""
        if not self._ready.wait(timeout_s) or self.proc.poll() is not None:
            raise AssertionError("redis-server did not start:\n" + "".join(self.log[-20:]))
        return self.url

    def stop(self) -> None:
        """Stop Redis (SIGTERM, then SIGKILL)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
