"""LAN discovery: how fast the lobby lists rooms, and what it costs while idle.

Two hosts in network namespaces on a bridge (as the LAN tests make them; needs root and
iproute2). On one, a browser (the lobby's ``RoomBrowser``); on the other, rooms are
advertised as a host does (``Advertiser``, with RFC 6762 probing).

- ``running_browser_ms``: from a room's announcement (its registration returned) to it being
  listed by a browser already running on the other host, over 10 rooms.
- ``register_ms``: how long registration itself takes (probing: three probes 250 ms apart).
- ``new_browser_ms``: from a browser starting to it listing a room that already exists
  (started 1.5 s after any other question: see the RFC 6762 note in ``main``).
- ``fifty_rooms``: a browser started after 50 rooms exist: time until all 50 are listed, and
  the CPU it uses over the next 10 s of idling with them listed (% of one core).

Processes talk through stdout JSON lines stamped with ``time.time()`` (one machine, one
clock). Prints JSON.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

IDLE_S = 10.0

if TYPE_CHECKING:
    from tests.e2e.conftest import Lan


def out(obj: dict[str, object]) -> None:
    print(json.dumps(obj), flush=True)


def ad(i: int) -> object:
    from jamdesk.net.discovery import RoomAd

    return RoomAd(
        title=f"Room {i}",
        session_type="STUDY",
        host_name="Ana",
        count=1,
        lifecycle="ready",
        code=f"R{i:05d}",
        port=40_000 + i,
        host_id=f"h{i}",
    )


async def advertise(count: int, gap_s: float) -> None:
    """Open ``count`` rooms, one every ``gap_s``, printing when each is announced."""
    from jamdesk.net.addresses import NetworkMode
    from jamdesk.net.discovery import Advertiser

    ads = []
    for i in range(count):
        adv = Advertiser(NetworkMode.AUTO)
        started = time.time()
        await adv.start(ad(i))  # type: ignore[arg-type]
        out({"announced": f"Room {i}", "t": time.time(), "register_s": time.time() - started})
        ads.append(adv)
        await asyncio.sleep(gap_s)
    out({"all_announced": count})
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    for adv in ads:
        await adv.close()


async def browse(expect: int) -> None:
    """Browse, printing each room as it is listed; once ``expect`` are, idle and report CPU."""
    from jamdesk.net.addresses import NetworkMode
    from jamdesk.net.discovery import RoomBrowser

    seen: set[str] = set()
    started = time.time()

    def on_change(rooms: tuple[object, ...]) -> None:
        for room in rooms:
            title = room.title  # type: ignore[attr-defined]
            if title not in seen:
                seen.add(title)
                out({"listed": title, "t": time.time()})

    browser = RoomBrowser(NetworkMode.AUTO, on_change)
    out({"browsing": True, "t": started})
    await browser.start()
    await browser.wait_for(lambda rooms: len(rooms) >= expect, 60)
    out({"all_listed": len(browser.rooms), "s": time.time() - started})
    cpu0, wall0 = time.process_time(), time.monotonic()
    await asyncio.sleep(IDLE_S)
    idle = (time.process_time() - cpu0) / (time.monotonic() - wall0) * 100
    out({"idle_cpu_percent": round(idle, 3), "still_listed": len(browser.rooms)})
    await browser.close()


class Child:
    def __init__(self, prefix: list[str], *args: str) -> None:
        env = dict(os.environ)
        env.pop("JAMDESK_NETWORK", None)
        self.proc = subprocess.Popen(
            [*prefix, sys.executable, __file__, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )

    def until(self, key: str) -> dict[str, object]:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            line: dict[str, object] = json.loads(raw)
            if key in line:
                return line
        raise RuntimeError(f"child ended before {key}")

    def lines(self, key: str, count: int) -> list[dict[str, object]]:
        return [self.until(key) for _ in range(count)]

    def stop(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.write("\n")
            self.proc.stdin.flush()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (``/proc/PID/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def whole_lobby_idle(lan: Lan) -> dict[str, object]:
    """``jamdesk lobby --headless`` (room list and the lobby chat, which it hosts) with the 50
    rooms listed: its CPU over ``IDLE_S`` seconds of idling."""
    env = dict(os.environ)
    env.pop("JAMDESK_NETWORK", None)
    with tempfile.TemporaryDirectory() as data:
        command = ["lobby", "--headless", "--name", "Idle", "--data-dir", data]
        proc = subprocess.Popen(
            [*lan.prefix(1), sys.executable, "-m", "jamdesk", *command],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        assert proc.stdout is not None
        assert proc.stdin is not None
        for raw in proc.stdout:
            line = json.loads(raw)
            if line.get("event") == "rooms" and len(line["rooms"]) == 50:
                break
        cpu0, wall0 = cpu_seconds(proc.pid), time.monotonic()
        time.sleep(IDLE_S)
        percent = (cpu_seconds(proc.pid) - cpu0) / (time.monotonic() - wall0) * 100
        proc.stdin.write('{"cmd": "leave"}\n')
        proc.stdin.flush()
        proc.wait(timeout=30)
    return {"idle_cpu_percent_of_one_core": round(percent, 3), "idle_seconds": IDLE_S}


def main() -> None:
    from tests.e2e.conftest import Lan

    if os.geteuid() != 0:
        out({"benchmark": "lobby_discovery", "skipped": "needs root for network namespaces"})
        return
    lan = Lan(2)
    try:
        # A browser already running; 10 rooms opened one after another on the other host.
        browser = Child(lan.prefix(1), "--browse", "10")
        browser.until("browsing")
        host = Child(lan.prefix(2), "--advertise", "10", "0.3")
        announced = host.lines("announced", 10)
        listed = browser.lines("listed", 10)
        when = {str(x["listed"]): float(x["t"]) for x in listed}  # type: ignore[arg-type]
        running = [(when[str(a["announced"])] - float(a["t"])) * 1000 for a in announced]  # type: ignore[arg-type]
        register = [float(a["register_s"]) * 1000 for a in announced]  # type: ignore[arg-type]
        browser.until("idle_cpu_percent")
        browser.stop()

        # Browsers started after the rooms exist (the same 10 rooms).
        # RFC 6762 section 6: a responder multicasts a record at most once a second, so a
        # browser asking within a second of another's question waits for its own second
        # question (~1.1 s). Each fresh browser starts 1.5 s after the last question.
        fresh = []
        for _ in range(5):
            time.sleep(1.5)
            late = Child(lan.prefix(1), "--browse", "1")
            start = float(late.until("browsing")["t"])  # type: ignore[arg-type]
            fresh.append((float(late.until("listed")["t"]) - start) * 1000)  # type: ignore[arg-type]
            late.proc.kill()
        host.stop()

        # 50 rooms, then a browser.
        many = Child(lan.prefix(2), "--advertise", "50", "0")
        many.until("all_announced")
        time.sleep(1.5)
        late = Child(lan.prefix(1), "--browse", "50")
        listed_all = late.until("all_listed")
        idle = late.until("idle_cpu_percent")
        late.stop()
        lobby_cpu = whole_lobby_idle(lan)
        many.stop()
    finally:
        lan.close()

    def stats(values: list[float]) -> dict[str, float]:
        ordered = sorted(values)
        return {
            "n": len(values),
            "median": round(statistics.median(values), 1),
            "max": round(ordered[-1], 1),
        }

    out(
        {
            "benchmark": "lobby_discovery",
            "unit": "ms",
            "goal": "running browser < 300 ms, new browser < 1000 ms",
            "running_browser_ms": stats(running),
            "register_ms": stats(register),
            "new_browser_ms": stats(fresh),
            "fifty_rooms": {
                "all_listed_ms": round(float(listed_all["s"]) * 1000, 1),  # type: ignore[arg-type]
                "idle_cpu_percent_of_one_core": idle["idle_cpu_percent"],
                "idle_seconds": IDLE_S,
                "still_listed": idle["still_listed"],
                "whole_lobby_process": lobby_cpu,
            },
        }
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--advertise":
        asyncio.run(advertise(int(sys.argv[2]), float(sys.argv[3])))
    elif len(sys.argv) > 1 and sys.argv[1] == "--browse":
        asyncio.run(browse(int(sys.argv[2])))
    else:
        main()
