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
    """One headless ``jamdesk`` process: ``python -m jamdesk`` from this checkout, or
    ``program`` (the built bundle's executable, say)."""

    def __init__(
        self,
        args: list[str],
        prefix: list[str],
        env: dict[str, str],
        program: list[str] | None = None,
    ) -> None:
        self.args = args
        self.env = env
        self.lines: list[Line] = []
        self._queue: queue.Queue[Line | None] = queue.Queue()
        self.proc = subprocess.Popen(
            [*prefix, *(program or [sys.executable, "-m", "jamdesk"]), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
            bufsize=1,
        )
        self.stderr: list[str] = []
        self._logged = threading.Condition()
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
            with self._logged:
                self.stderr.append(raw)
                self._logged.notify_all()

    def wait_log(self, text: str, timeout_s: float = 20.0) -> str:
        """The first stderr log line containing ``text`` (waits for it; fails on timeout)."""
        with self._logged:
            found = self._logged.wait_for(
                lambda: any(text in line for line in self.stderr), timeout_s
            )
        if not found:
            raise AssertionError(
                f"no log line with {text!r}; stderr:\n{''.join(self.stderr)[-3000:]}"
            )
        return next(line for line in self.stderr if text in line)

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


class Lan:
    """Several computers on one LAN: a network namespace per host, each with a veth link to a
    bridge in a namespace of its own (so nothing touches this machine's own network). Hosts get
    addresses 10.77.0.1, .2, ... that exist only inside these namespaces."""

    def __init__(self, hosts: int) -> None:
        tag = uuid.uuid4().hex[:6]
        self.switch = f"jd-sw-{tag}"
        self.hosts = [f"jd-h{i}-{tag}" for i in range(1, hosts + 1)]
        self._made: list[str] = []
        self.env = dict(os.environ)
        self.env.pop("JAMDESK_NETWORK", None)
        try:
            self._build()
        except subprocess.CalledProcessError:
            self.close()
            raise

    def _ip(self, *args: str) -> None:
        subprocess.run(["ip", *args], check=True, capture_output=True)

    def _build(self) -> None:
        for ns in (self.switch, *self.hosts):
            self._ip("netns", "add", ns)
            self._made.append(ns)
            self._ip("-n", ns, "link", "set", "lo", "up")
        self._ip("-n", self.switch, "link", "add", "br0", "type", "bridge")
        self._ip("-n", self.switch, "link", "set", "br0", "up")
        for i, ns in enumerate(self.hosts, start=1):
            self._ip("-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", f"port{i}")
            self._ip("-n", ns, "link", "set", f"port{i}", "netns", self.switch)
            self._ip("-n", self.switch, "link", "set", f"port{i}", "master", "br0", "up")
            self._ip("-n", ns, "addr", "add", f"10.77.0.{i}/24", "dev", "eth0")
            self._ip("-n", ns, "link", "set", "eth0", "up")
            self._ip("-n", ns, "route", "add", "224.0.0.0/4", "dev", "eth0")

    def prefix(self, host: int) -> list[str]:
        """Run a command on host number ``host`` (from 1)."""
        return ["ip", "netns", "exec", self.hosts[host - 1]]

    def ipv6_only(self, host: int) -> None:
        """Host ``host`` keeps only IPv6: ``fd77::N`` (a unique local address, RFC 4193,
        added without duplicate address detection so it is usable at once)."""
        ns = self.hosts[host - 1]
        self._ip("-n", ns, "-4", "addr", "flush", "dev", "eth0")
        self._ip("-n", ns, "addr", "add", f"fd77::{host}/64", "dev", "eth0", "nodad")

    def add_ipv6(self, host: int) -> None:
        """Give host ``host`` the IPv6 address ``fd77::N`` as well."""
        ns = self.hosts[host - 1]
        self._ip("-n", ns, "addr", "add", f"fd77::{host}/64", "dev", "eth0", "nodad")

    def renumber(self, host: int, new_address: str) -> None:
        """Give host ``host`` a new address (a Wi-Fi network left and joined again)."""
        ns = self.hosts[host - 1]
        self._ip("-n", ns, "addr", "flush", "dev", "eth0")
        self._ip("-n", ns, "addr", "add", f"{new_address}/24", "dev", "eth0")
        subprocess.run(
            ["ip", "-n", ns, "route", "replace", "224.0.0.0/4", "dev", "eth0"],
            check=True,
            capture_output=True,
        )

    def close(self) -> None:
        for ns in reversed(self._made):
            subprocess.run(["ip", "netns", "del", ns], check=False, capture_output=True)


class LanHosts:
    """Starts ``jamdesk`` on the hosts of a :class:`Lan`: ``lan(1, "lobby", ..., data="a")``."""

    def __init__(self, net: Lan, tmp_path: Path) -> None:
        self.net = net
        self.started: list[JamProcess] = []
        self._tmp = tmp_path

    def __call__(self, host: int, *args: str, data: str) -> JamProcess:
        proc = JamProcess(
            [*args, "--data-dir", str(self._tmp / data), "--log-level", "INFO"],
            self.net.prefix(host),
            self.net.env,
        )
        self.started.append(proc)
        return proc


@pytest.fixture
def lan(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[LanHosts]:
    """Three LAN hosts to start ``jamdesk`` on. Skipped, saying why, where namespaces cannot
    be made (not root, or no ``ip``)."""
    if os.geteuid() != 0 or not shutil.which("ip"):
        pytest.skip("LAN tests make network namespaces: run them as root with iproute2")
    try:
        net = Lan(3)
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"could not make network namespaces here: {exc.stderr!r}")
    hosts = LanHosts(net, tmp_path)
    yield hosts
    for proc in hosts.started:
        proc.kill()
    net.close()
    _report(request, hosts.started)


def _report(request: pytest.FixtureRequest, started: list[JamProcess]) -> None:
    """When the test failed, print each process's last lines and log."""
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        for proc in started:
            print(f"----- jamdesk {' '.join(proc.args)}")
            print("stdout:", *(json.dumps(line) for line in proc.lines[-60:]), sep="\n  ")
            print("stderr:", "".join(proc.stderr)[-6000:], sep="\n")
    for proc in started:
        assert not any("Traceback" in line for line in proc.stderr), "".join(proc.stderr)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item, so fixtures can tell that the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def network() -> Iterator[Network]:
    """The test's own network namespace (or plain loopback), where its processes run."""
    net = Network()
    yield net
    net.close()


@pytest.fixture
def jamdesk(
    tmp_path: Path, request: pytest.FixtureRequest, network: Network
) -> Iterator[Callable[..., JamProcess]]:
    """Start ``jamdesk`` processes: ``jamdesk("host", "--headless", ..., data="a")``.

    When the test fails, every process's stdout lines and stderr log are printed, so a failure
    on CI can be read without running it again."""
    net = network
    started: list[JamProcess] = []

    def start(
        *args: str, data: str, env: dict[str, str] | None = None, program: list[str] | None = None
    ) -> JamProcess:
        proc = JamProcess(
            [*args, "--data-dir", str(tmp_path / data), "--log-level", "INFO"],
            net.prefix,
            {**net.env, **(env or {})},
            program,
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.kill()
    _report(request, started)
