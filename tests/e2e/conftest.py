"""Real ``jamdesk`` processes, waited on through their JSON lines (qutebrowser's quteprocess).

Each test gets a fresh network namespace holding only ``lo`` when we are root and ``ip`` exists:
the processes then discover each other with real mDNS and connect with real ICE, and nothing
can leave the machine. Elsewhere they run with ``JAMDESK_NETWORK=loopback`` instead.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

Line = dict[str, Any]


class JamProcess:
    """One headless ``jamdesk`` process."""

    def __init__(self, args: list[str], prefix: list[str], env: dict[str, str]) -> None:
        self.args = args
        self.lines: list[Line] = []
        self._queue: queue.Queue[Line | None] = queue.Queue()
        self.proc = subprocess.Popen(
            [*prefix, sys.executable, "-m", "jamdesk", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
            bufsize=1,
        )
        self.stderr: list[str] = []
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            line = json.loads(raw)  # stdout must carry only JSON lines
            self._queue.put(line)
        self._queue.put(None)

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            self.stderr.append(raw)

    def wait_for(self, predicate: Callable[[Line], bool], timeout_s: float = 20.0) -> Line:
        """The first new line matching ``predicate``; fails on timeout or exit."""
        while True:
            try:
                line = self._queue.get(timeout=timeout_s)
            except queue.Empty:
                raise AssertionError(
                    f"timed out; stderr:\n{''.join(self.stderr)[-3000:]}"
                ) from None
            if line is None:
                raise AssertionError(f"process exited; stderr:\n{''.join(self.stderr)[-3000:]}")
            self.lines.append(line)
            if predicate(line):
                return line

    def event(self, name: str, **fields: Any) -> Line:
        """Wait for a line with ``"event": name`` and the given field values."""
        return self.wait_for(
            lambda line: (
                line.get("event") == name and all(line.get(k) == v for k, v in fields.items())
            )
        )

    def send(self, command: dict[str, Any]) -> None:
        """Write one command line to stdin."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()

    def finish(self, timeout_s: float = 20.0) -> int:
        """Wait for exit; returns the exit code."""
        return self.proc.wait(timeout=timeout_s)

    def kill(self) -> None:
        """Stop the process if it still runs."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


class Network:
    """Where the processes run: a throwaway namespace, or plain loopback."""

    def __init__(self) -> None:
        self.namespace: str | None = None
        self.env = dict(os.environ)
        self.env.pop("JAMDESK_NETWORK", None)
        if os.geteuid() == 0 and shutil.which("ip"):
            name = f"jd-e2e-{uuid.uuid4().hex[:8]}"
            made = subprocess.run(["ip", "netns", "add", name], capture_output=True, check=False)
            if made.returncode == 0:
                subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)
                self.namespace = name
        if self.namespace is None:
            self.env["JAMDESK_NETWORK"] = "loopback"

    @property
    def prefix(self) -> list[str]:
        return ["ip", "netns", "exec", self.namespace] if self.namespace else []

    def close(self) -> None:
        if self.namespace:
            subprocess.run(["ip", "netns", "del", self.namespace], check=False)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item, so fixtures can tell that the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def jamdesk(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[..., JamProcess]]:
    """Start ``jamdesk`` processes: ``jamdesk("host", "--headless", ..., data="a")``.

    When the test fails, every process's stdout lines and stderr log are printed, so a failure
    on CI can be read without running it again."""
    net = Network()
    started: list[JamProcess] = []

    def start(*args: str, data: str) -> JamProcess:
        proc = JamProcess(
            [*args, "--data-dir", str(tmp_path / data), "--log-level", "INFO"], net.prefix, net.env
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.kill()
    net.close()
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        for proc in started:
            print(f"----- jamdesk {' '.join(proc.args)}")
            print("stdout:", *(json.dumps(line) for line in proc.lines[-60:]), sep="\n  ")
            print("stderr:", "".join(proc.stderr)[-6000:], sep="\n")
    for proc in started:
        assert not any("Traceback" in line for line in proc.stderr), "".join(proc.stderr)
