"""Three computers on one LAN (network namespaces on a bridge): the lobby lists rooms live,
and the lobby chat reaches everyone and outlives the instance that hosted it."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from tests.e2e.conftest import JamProcess, LanHosts, Line


def listed(line: Line, title: str) -> dict[str, Any] | None:
    """The room titled ``title`` in a ``rooms`` line, if listed."""
    if line.get("event") != "rooms":
        return None
    return next((r for r in line["rooms"] if r["title"] == title), None)


def test_rooms_appear_count_and_disappear_across_the_lan(
    lan: LanHosts,
) -> None:
    watcher = lan(1, "lobby", "--headless", "--name", "Wen", data="wen")
    watcher.event("lobby")
    ana = lan(
        2,
        "host",
        "--headless",
        "--name",
        "Ana",
        "--title",
        "Calculus",
        "--discipline",
        "mathematics",
        "--type",
        "POMODORO",
        data="ana",
    )
    code = ana.event("hosting")["code"]
    first = watcher.wait_for(lambda line: listed(line, "Calculus") is not None)
    room = listed(first, "Calculus")
    assert room is not None
    assert (room["code"], room["discipline"], room["host"], room["count"]) == (
        code,
        "Mathematics",
        "Ana",
        1,
    )
    assert (room["phase"], room["remaining_ms"]) == ("focus", 25 * 60_000)

    secret = lan(3, "host", "--headless", "--name", "Cy", "--private", "--title", "Hush", data="cy")
    secret_code = secret.event("hosting")["code"]
    line = watcher.wait_for(lambda line: any(r["private"] for r in line.get("rooms", [])))
    (hidden,) = [r for r in line["rooms"] if r["private"]]
    assert (hidden["title"], hidden["code"], hidden["host"]) == ("", None, "")
    assert secret_code not in json.dumps(line)

    bo = lan(3, "join", code, "--headless", "--name", "Bo", data="bo")
    bo.event("joined")
    watcher.wait_for(lambda line: (listed(line, "Calculus") or {}).get("count") == 2)
    ana.send({"cmd": "timer.start"})
    running = watcher.wait_for(lambda line: (listed(line, "Calculus") or {}).get("running"))
    assert (listed(running, "Calculus") or {})["remaining_ms"] <= 25 * 60_000

    data_dir = watcher.args[watcher.args.index("--data-dir") + 1]
    rooms_cmd = ["rooms", "--json", "--wait", "1.5", "--data-dir", data_dir]
    found = subprocess.run(
        [*_prefix(watcher), sys.executable, "-m", "jamdesk", *rooms_cmd],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
        env=watcher.env,
    )
    titles = sorted(r["title"] for r in json.loads(found.stdout))
    assert titles == ["", "Calculus"]

    ana.send({"cmd": "end"})
    bo.event("room_event", kind="room_ended")
    watcher.wait_for(lambda line: line.get("event") == "rooms" and listed(line, "Calculus") is None)
    assert ana.finish() == 0
    secret.send({"cmd": "end"})
    watcher.wait_for(lambda line: line.get("event") == "rooms" and line["rooms"] == [])
    watcher.send({"cmd": "leave"})
    assert watcher.finish() == 0


def _prefix(proc: JamProcess) -> list[str]:
    """The ``ip netns exec NS`` prefix ``proc`` runs under (the same host)."""
    args = proc.proc.args
    assert isinstance(args, list)
    return [str(a) for a in args[: args.index(sys.executable)]]


def chat(proc: JamProcess, text: str) -> Line:
    return proc.wait_for(
        lambda line: line.get("kind") == "chat_posted" and line["body"]["text"] == text
    )


def test_lobby_chat_reaches_everyone_and_survives_its_host_quitting(
    lan: LanHosts,
) -> None:
    ana = lan(1, "lobby", "--headless", "--name", "Ana", data="ana")
    assert ana.event("lobby")["hosting"] is True  # the first on the network opens the lobby
    bo = lan(2, "lobby", "--headless", "--name", "Bo", data="bo")
    assert bo.event("lobby")["hosting"] is False
    cy = lan(3, "lobby", "--headless", "--name", "Cy", data="cy")
    assert cy.event("lobby")["hosting"] is False
    ana.wait_for(lambda line: line.get("kind") == "member_joined" and "Cy" in line["text"])

    bo.send({"cmd": "chat", "text": "anyone on linear algebra?"})
    for proc in (ana, bo, cy):
        assert chat(proc, "anyone on linear algebra?")["text"].startswith("Bo")

    ana.send({"cmd": "leave"})  # the instance hosting the lobby quits
    assert ana.finish() == 0
    assert bo.event("host", me=True)["name"] == "Bo"  # joined earliest: takes the lobby
    cy.wait_for(lambda line: line.get("event") == "host" and line["name"] == "Bo")
    cy.event("link", state="connected")
    cy.send({"cmd": "chat", "text": "still here"})
    for proc in (bo, cy):
        chat(proc, "still here")
    for proc in (bo, cy):
        proc.send({"cmd": "leave"})
        assert proc.finish() == 0


def test_a_host_whose_address_changes_is_still_found(lan: LanHosts) -> None:
    """Wi-Fi left and joined again with a new address: the advert follows (zeroconf does not
    notice by itself), so a newcomer joins by code at the new address."""
    ana = lan(2, "host", "--headless", "--name", "Ana", "--title", "Moving", data="ana")
    code = ana.event("hosting")["code"]
    lan.net.renumber(2, "10.77.0.22")
    ana.wait_log("network addresses changed")
    bo = lan(1, "join", code, "--headless", "--name", "Bo", data="bo")
    bo.event("joined")
    ana.wait_for(lambda line: line.get("kind") == "member_joined")
    ana.send({"cmd": "end"})
    assert ana.finish() == 0


HOLD_5353 = (
    "import socket, sys\n"
    "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
    "s.bind(('0.0.0.0', 5353))\n"  # no SO_REUSEADDR: nobody can share the port
    "print('held', flush=True)\n"
    "sys.stdin.readline()\n"
)


def test_with_port_5353_held_by_another_program_rooms_are_still_listed(lan: LanHosts) -> None:
    """A system responder holding port 5353 exclusively: browsing falls back to unicast
    queries, and hosting still works by address, saying in words why it is not announced."""
    holder = subprocess.Popen(
        [*lan.net.prefix(1), sys.executable, "-c", HOLD_5353],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        ana = lan(2, "host", "--headless", "--name", "Ana", "--title", "Open room", data="ana")
        ana.event("hosting")
        listing = lan(1, "rooms", "--json", "--wait", "2", data="wen")
        rooms: Any = listing.wait_for(lambda _line: True)  # one JSON list
        assert [r["title"] for r in rooms] == ["Open room"]
        assert listing.finish() == 0
        listing.wait_log("browsing in unicast mode")

        cy = lan(1, "host", "--headless", "--name", "Cy", "--title", "Quiet", data="cy")
        cy.event("hosting")
        notice = cy.event("notice")["message"]
        assert "Another program holds the network port for finding rooms (5353)" in notice
        cy.send({"cmd": "end"})
        assert cy.finish() == 0
        ana.send({"cmd": "end"})
        assert ana.finish() == 0
    finally:
        holder.kill()
        holder.wait()


def test_an_ipv6_only_host_is_listed_and_joined(lan: LanHosts) -> None:
    """A host with IPv6 only (no IPv4 at all): announced over IPv6 mDNS, listed, and joined by
    code over IPv6 (LAN signalling and ICE)."""
    lan.net.ipv6_only(2)
    lan.net.add_ipv6(1)
    ana = lan(2, "host", "--headless", "--name", "Ana", "--title", "Six", data="ana")
    code = ana.event("hosting")["code"]
    bo = lan(1, "join", code, "--headless", "--name", "Bo", data="bo")
    bo.event("joined")
    ana.wait_for(lambda line: line.get("kind") == "member_joined")
    assert "fd77::2" in bo.wait_log("-> State.SUCCEEDED")  # the pair that connected
    ana.send({"cmd": "end"})
    bo.event("room_event", kind="room_ended")
    assert ana.finish() == 0
