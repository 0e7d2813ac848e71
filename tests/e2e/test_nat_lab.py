"""Internet jams between two homes behind NAT (the lab of :mod:`tests.e2e.natlab`): real
``jamdesk signal``, coturn and jamdesk processes, each in its own network namespace.

- no STUN or TURN anywhere: the member joins over the signalling server's relay;
- the server hands out TURN credentials (``--turn-secret``): the link moves to coturn;
- UDP blocked at one home: the jam runs on the relay;
- the server restarts mid-jam: a link on TURN carries on, a relayed member reconnects.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import JamProcess
from tests.e2e.natlab import INTERNET, NatLab

SECRET = "lab-secret"
SIGNAL_PORT = 8787


class Lab:
    """The lab, and the processes started in it (stopped before it is torn down)."""

    def __init__(self, net: NatLab, tmp: Path) -> None:
        self.net = net
        self.tmp = tmp
        self.started: list[JamProcess] = []
        self.turn: subprocess.Popen[bytes] | None = None
        self.env = dict(os.environ)
        self.env.pop("JAMDESK_NETWORK", None)
        self.url = f"http://{INTERNET}:{SIGNAL_PORT}"

    def jamdesk(self, prefix: list[str], *args: str, data: str) -> JamProcess:
        proc = JamProcess(
            [*args, "--data-dir", str(self.tmp / data), "--log-level", "INFO"], prefix, self.env
        )
        self.started.append(proc)
        return proc

    def signal(self, *args: str) -> JamProcess:
        """``jamdesk signal`` on the internet side; returns once it listens."""
        server = self.jamdesk(
            self.net.prefix(self.net.internet),
            "signal", "--host", INTERNET, "--port", str(SIGNAL_PORT), *args,
            data="signal",
        )  # fmt: skip
        server.event("listening")
        return server

    def coturn(self) -> list[str]:
        """coturn on the internet side with a shared secret (TURN REST API credentials), as
        the README's "Running your own signalling server" sets it up; returns the
        ``jamdesk signal`` options that hand it out."""
        log = open(self.tmp / "turn.log", "wb")  # noqa: SIM115 - kept for the report
        self.turn = subprocess.Popen(
            [*self.net.prefix(self.net.internet), "turnserver", "-n",
             "--listening-ip", INTERNET, "--relay-ip", INTERNET, "--listening-port", "3478",
             "--use-auth-secret", "--static-auth-secret", SECRET, "--realm", "jamdesk.test",
             "--no-tls", "--no-dtls", "--no-cli", "--log-file", "stdout", "--simple-log",
             "--fingerprint", "--no-multicast-peers"],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        return ["--ice-server", f"turn:{INTERNET}:3478", "--turn-secret", SECRET]

    def host(self, *args: str) -> tuple[JamProcess, str]:
        """Ana hosts from home 1 through the signalling URL; returns her and the code."""
        ana = self.jamdesk(
            self.net.home(1), "host", "--headless", "--name", "Ana", "--signal", self.url,
            "--no-advertise", *args, data="ana",
        )  # fmt: skip
        return ana, ana.event("hosting")["code"]

    def join(self, code: str, name: str = "Bo", home: int = 2) -> JamProcess:
        return self.jamdesk(
            self.net.home(home), "join", code, "--headless", "--name", name,
            "--signal", self.url, data=name.lower(),
        )  # fmt: skip


@pytest.fixture
def lab(request: pytest.FixtureRequest) -> Iterator[Lab]:
    """Two homes behind NAT and an internet between them. Skipped, saying why, where
    namespaces or iptables are missing (not root)."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("the NAT lab makes network namespaces: run it as root with iproute2")
    missing = NatLab.available()
    if missing:
        pytest.skip(missing)
    net = NatLab(homes=3)
    tmp = Path(tempfile.mkdtemp(prefix="jd-natlab-"))
    here = Lab(net, tmp)
    yield here
    for proc in here.started:
        proc.kill()
    if here.turn is not None:
        here.turn.kill()
        here.turn.wait(timeout=10)
    net.close()
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        for proc in here.started:
            print(f"----- jamdesk {' '.join(proc.args)}")
            print("".join(proc.stderr)[-5000:])
    shutil.rmtree(tmp, ignore_errors=True)


def until(proc: JamProcess, check: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    return proc.wait_for(check, timeout_s=30)


def path_is(path: str) -> Callable[[dict[str, Any]], bool]:
    return lambda line: line.get("event") == "path" and line.get("path") == path


def chat_arrives(proc: JamProcess, sender: JamProcess, text: str) -> None:
    """``sender`` chats ``text``; ``proc`` sees it in the room."""
    sender.send({"cmd": "chat", "text": text})
    until(proc, lambda line: line.get("kind") == "chat_posted" and text in str(line.get("body")))


def test_two_homes_meet_over_the_relay_with_no_ice_servers(lab: Lab) -> None:
    lab.signal()
    ana, code = lab.host()
    bo = lab.join(code)
    joined = bo.event("joined")
    assert joined["path"] == "relayed"
    ana.send({"cmd": "timer.start"})
    bo.event("room_event", kind="timer_started")
    chat_arrives(ana, bo, "hello from home two")
    ana.send({"cmd": "end"})
    bo.event("room_event", kind="room_ended")
    assert ana.finish() == 0
    assert bo.finish() == 0


def test_server_provided_turn_credentials_move_the_link_to_coturn(lab: Lab) -> None:
    lab.signal(*lab.coturn())
    ana, code = lab.host()
    bo = lab.join(code)
    joined = bo.event("joined")
    assert joined["path"] in ("relayed", "turn")
    if joined["path"] == "relayed":
        until(bo, path_is("turn"))
    chat_arrives(ana, bo, "through coturn")
    chat_arrives(bo, ana, "and back")
    ana.send({"cmd": "end"})
    bo.event("room_event", kind="room_ended")
    assert ana.finish() == 0


def test_a_home_that_blocks_udp_jams_over_the_relay(lab: Lab) -> None:
    lab.net.udp_blocked(2)
    lab.signal(*lab.coturn())
    ana, code = lab.host()
    bo = lab.join(code)
    assert bo.event("joined")["path"] == "relayed"
    chat_arrives(ana, bo, "no UDP here")
    bo.send({"cmd": "status", "value": "paused"})
    until(ana, lambda line: line.get("kind") == "status_changed")
    assert not any(line.get("event") == "path" for line in bo.lines)
    ana.send({"cmd": "end"})
    bo.event("room_event", kind="room_ended")
    assert ana.finish() == 0


def test_a_restarted_server_leaves_turn_links_up_and_relayed_members_come_back(
    lab: Lab,
) -> None:
    lab.net.udp_blocked(2)  # Bo can only be relayed; Cy, at home 3, reaches coturn
    turn = lab.coturn()
    server = lab.signal(*turn)
    ana, code = lab.host()
    bo = lab.join(code)
    assert bo.event("joined")["path"] == "relayed"
    cy = lab.join(code, "Cy", home=3)
    if cy.event("joined")["path"] != "turn":
        until(cy, path_is("turn"))

    server.proc.terminate()
    assert server.finish() == 0
    bo.event("link", state="reconnecting")
    chat_arrives(cy, ana, "the server is down and we still talk")
    assert not any(line.get("event") == "link" for line in cy.lines)

    lab.signal(*turn)  # the same URL again
    bo.event("link", state="connected")
    chat_arrives(bo, ana, "back after the restart")
    ana.send({"cmd": "end"})
    bo.event("room_event", kind="room_ended")
    cy.event("room_event", kind="room_ended")
    assert ana.finish() == 0


def test_a_window_at_another_home_joins_with_only_the_signalling_link(lab: Lab) -> None:
    lab.signal()
    ana, code = lab.host()
    link = f"jamdesk://join?signal=http%3A%2F%2F{INTERNET}%3A{SIGNAL_PORT}&code={code}"
    # its own Qt settings: the link's signalling URL is kept there for next time
    env = dict(lab.env, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(lab.tmp / "config"))
    window = subprocess.Popen(
        [*lab.net.home(2), sys.executable, "-m", "jamdesk", "join", link, "--name", "Bo",
         "--data-dir", str(lab.tmp / "window"), "--log-level", "INFO"],
        stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert window.stderr is not None
        entered = next((line for line in window.stderr if "entered room" in line), "")
        assert f"entered room {code} as participant" in entered
        until(ana, lambda line: line.get("kind") == "member_joined")
    finally:
        window.terminate()
        assert window.wait(timeout=20) == 0
