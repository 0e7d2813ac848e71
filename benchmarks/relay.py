"""Relay fallback: joins and events over each path between two homes, and the signalling
server's cost of relaying.

1. Paths (as root, with iptables and coturn: the NAT lab of ``tests/e2e/natlab.py``): a
   host at home 1 and a member at home 2, behind two masquerading routers, ``jamdesk
   signal`` (and coturn) on the internet side. For each case: the join time (the member's
   ``join_jam``, and the same after the signalling WebSocket opened), the time until a
   TURN path replaces the relay, and the event latency (a member's command until its event
   comes back from the host, p50/p99 of 200) on the path the link ends on.
   Cases: no ICE servers anywhere (relayed); host and member in the same home, through the
   URL (the relay, then a direct path); server-handed TURN credentials (TURN); UDP blocked
   at home 2 with TURN offered (relayed).
2. Load: 100 rooms of 5 members each (600 WebSockets: hosts and members as raw clients of
   the relay protocol), every member acting every 2 s: a 200-byte sealed frame to its host,
   which sends a 300-byte frame to each of its 5 members. The server process's CPU (share
   of one core, from ``/proc``) and resident memory over 20 s, on one instance, and on two
   ``--redis`` instances with the hosts on one and the members on the other (every frame
   crosses Redis pub/sub), when ``redis-server`` is installed.

Prints JSON. ``python benchmarks/relay.py [--skip-lab]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

ROOMS, MEMBERS, ACT_EVERY_S, LOAD_S = 100, 5, 2.0, 20.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


# -- 1. the NAT lab ---------------------------------------------------------------------------


async def host_role(url: str) -> None:
    """Host a jam through ``url``; print its code; serve until stdin closes."""
    from jamdesk.app.clock import LocalClock
    from jamdesk.app.jam_state import HostSettings
    from jamdesk.app.opening import host_jam
    from jamdesk.core import timer
    from jamdesk.core.kinds import SessionType
    from jamdesk.net.addresses import NetworkMode

    settings = HostSettings(
        name="Ana", title="Bench", session_type=SessionType.FOCUS,
        timer=timer.countdown(25 * 60_000), advertise=False, signal_url=url,
    )  # fmt: skip
    jam = await host_jam(settings, clock=LocalClock(), db=None, mode=NetworkMode.AUTO)
    print(json.dumps({"code": jam.code}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await jam.close()


async def member_role(url: str, code: str, upgrade: bool) -> None:
    """Join, time it, wait for the path to settle, then measure 200 command round trips."""
    from jamdesk.app.clock import LocalClock
    from jamdesk.app.jam_state import JamUpdate
    from jamdesk.app.opening import join_jam
    from jamdesk.core.commands import SetProgress
    from jamdesk.net import signal_client
    from jamdesk.net.addresses import NetworkMode
    from jamdesk.protocol.paths import Path as LinkPath

    opened_at: list[float] = []
    real_open = signal_client.JoinerSignal.open

    async def timed_open(self: signal_client.JoinerSignal) -> Any:
        servers = await real_open(self)
        opened_at.append(time.perf_counter())  # the WebSocket is open (and ICE servers known)
        return servers

    signal_client.JoinerSignal.open = timed_open  # type: ignore[method-assign]
    start = time.perf_counter()
    jam = await join_jam(
        "Bo", code=code, clock=LocalClock(), db=None, mode=NetworkMode.AUTO, signal_url=url
    )
    joined = time.perf_counter()
    result: dict[str, Any] = {
        "join_ms": round((joined - start) * 1000, 1),
        "join_after_signalling_open_ms": round((joined - opened_at[0]) * 1000, 1),
        "first_path": jam.path.value if jam.path else None,
    }
    moved = asyncio.Event()
    jam.subscribe(lambda u: moved.set() if u.path is not None else None)
    if upgrade and jam.path is LinkPath.RELAYED:
        await asyncio.wait_for(moved.wait(), 30)
        result["relay_replaced_after_ms"] = round((time.perf_counter() - joined) * 1000, 1)
    result["path"] = jam.path.value if jam.path else None
    samples: list[float] = []
    for i in range(200):
        seen = asyncio.Event()
        want = i % 100 + 1

        def check(update: JamUpdate, want: int = want, seen: asyncio.Event = seen) -> None:
            if any(getattr(e.body, "percent", None) == want for e in update.events):
                seen.set()

        unsubscribe = jam.subscribe(check)
        sent = time.perf_counter()
        await jam.send(SetProgress(percent=want))
        await asyncio.wait_for(seen.wait(), 10)
        samples.append((time.perf_counter() - sent) * 1000)
        unsubscribe()
        await asyncio.sleep(0.02)
    result["event_round_trip_ms"] = {
        "n": len(samples),
        "p50": round(statistics.median(samples), 2),
        "p99": round(percentile(samples, 0.99), 2),
    }
    print(json.dumps(result), flush=True)
    await jam.close()


def lab_case(name: str, *, turn: bool, block_udp: bool, member_home: int = 2) -> dict[str, Any]:
    from tests.e2e.natlab import INTERNET, NatLab

    lab = NatLab()
    procs: list[subprocess.Popen[str]] = []
    env = dict(os.environ)
    env.pop("JAMDESK_NETWORK", None)
    tmp = tempfile.mkdtemp(prefix="jd-bench-")
    try:
        if block_udp:
            lab.udp_blocked(2)
        ice: list[str] = []
        if turn:
            procs.append(subprocess.Popen(
                [*lab.prefix(lab.internet), "turnserver", "-n", "--listening-ip", INTERNET,
                 "--relay-ip", INTERNET, "--listening-port", "3478", "--use-auth-secret",
                 "--static-auth-secret", "bench", "--realm", "jamdesk.test", "--no-tls",
                 "--no-dtls", "--no-cli", "--log-file", "stdout", "--no-multicast-peers"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True,
            ))  # fmt: skip
            ice = ["--ice-server", f"turn:{INTERNET}:3478", "--turn-secret", "bench"]
        signal = subprocess.Popen(
            [*lab.prefix(lab.internet), sys.executable, "-m", "jamdesk", "signal",
             "--host", INTERNET, "--port", "8787", "--data-dir", tmp, *ice],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
        )  # fmt: skip
        procs.append(signal)
        assert signal.stdout is not None
        assert json.loads(signal.stdout.readline())["event"] == "listening"
        url = f"http://{INTERNET}:8787"
        me = [sys.executable, str(Path(__file__).resolve())]
        host = subprocess.Popen(
            [*lab.home(1), *me, "--role", "host", "--signal", url],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, env=env,
        )  # fmt: skip
        procs.append(host)
        assert host.stdout is not None
        code = json.loads(host.stdout.readline())["code"]
        upgrade = (turn and not block_udp) or member_home == 1
        member = subprocess.run(
            [*lab.home(member_home), *me, "--role", "member", "--signal", url, "--code", code,
             *(["--upgrade"] if upgrade else [])],
            capture_output=True, text=True, env=env, timeout=120, check=False,
        )  # fmt: skip
        if member.returncode != 0:
            raise SystemExit(f"the member failed in case {name!r}:\n{member.stderr[-3000:]}")
        return {"case": name, **json.loads(member.stdout.splitlines()[-1])}
    finally:
        for proc in procs:
            proc.kill()
            proc.wait(timeout=10)
        lab.close()
        shutil.rmtree(tmp, ignore_errors=True)


# -- 2. the server's cost ---------------------------------------------------------------------


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


async def relayed_rooms(host_url: str, member_url: str, pids: list[int]) -> dict[str, Any]:
    """The load of the module text; returns the servers' CPU and memory."""
    from jamdesk.protocol.signal import (
        Answer,
        Join,
        Offer,
        Register,
        decode_signal,
        encode_signal,
        relay_frame,
    )  # fmt: skip

    sdp = "v=0\r\n" + "a=x\r\n" * 200
    key = "ab" * 32
    connector = aiohttp.TCPConnector(limit=0)
    received = 0
    async with aiohttp.ClientSession(connector=connector) as session:
        rooms: list[tuple[aiohttp.ClientWebSocketResponse, list[tuple[Any, str]]]] = []
        for r in range(ROOMS):
            host = await session.ws_connect(f"{host_url}/v1/ws", max_msg_size=0)
            await host.send_str(encode_signal(Register(code=f"RELAY{r:03d}")))
            await host.receive_str()
            members: list[tuple[Any, str]] = []
            for _ in range(MEMBERS):
                ws = await session.ws_connect(f"{member_url}/v1/ws", max_msg_size=0)
                await ws.send_str(encode_signal(Join(code=f"RELAY{r:03d}", sdp=sdp, tunnel=key)))
                offer = decode_signal(await host.receive_str(timeout=10))
                assert isinstance(offer, Offer)
                answer = Answer(join_id=offer.join_id, sdp=sdp, tunnel=key)
                await host.send_str(encode_signal(answer))
                assert isinstance(decode_signal(await ws.receive_str(timeout=10)), Answer)
                members.append((ws, offer.join_id))
            rooms.append((host, members))

        async def drain(ws: aiohttp.ClientWebSocketResponse) -> None:
            nonlocal received
            async for frame in ws:
                if frame.type == aiohttp.WSMsgType.BINARY:
                    received += 1

        async def host_loop(host: Any, members: list[tuple[Any, str]]) -> None:
            async for frame in host:  # each member's action: an event to every member
                if frame.type != aiohttp.WSMsgType.BINARY:
                    continue
                for _ws, join_id in members:
                    await host.send_bytes(relay_frame(join_id, b"e" * 300))

        async def member_loop(ws: Any, join_id: str, offset: float) -> None:
            await asyncio.sleep(offset)
            while True:
                await ws.send_bytes(relay_frame(join_id, b"c" * 200))
                await asyncio.sleep(ACT_EVERY_S)

        tasks = []
        for i, (host, members) in enumerate(rooms):
            tasks.append(asyncio.ensure_future(host_loop(host, members)))
            for k, (ws, join_id) in enumerate(members):
                tasks.append(asyncio.ensure_future(drain(ws)))
                offset = ((i * MEMBERS + k) / (ROOMS * MEMBERS)) * ACT_EVERY_S
                tasks.append(asyncio.ensure_future(member_loop(ws, join_id, offset)))
        await asyncio.sleep(ACT_EVERY_S)  # every member has started
        before = [cpu_s(pid) for pid in pids]
        counted = received
        await asyncio.sleep(LOAD_S)
        used = [cpu_s(pid) - b for pid, b in zip(pids, before, strict=True)]
        delivered = received - counted
        for task in tasks:
            task.cancel()
        memory = [rss_mib(pid) for pid in pids]
    actions = ROOMS * MEMBERS / ACT_EVERY_S
    return {
        "rooms": ROOMS,
        "members_per_room": MEMBERS,
        "actions_per_s": actions,
        "frames_sent_per_s": {"to_hosts": actions, "to_members": actions * MEMBERS},
        "frames_received_by_members_per_s": round(delivered / LOAD_S, 1),
        "cpu_share_of_one_core": [round(u / LOAD_S, 3) for u in used],
        "rss_mib": memory,
    }


def load_cases() -> dict[str, Any]:
    from signal_server import start_redis, start_server

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as data:
        server, url = start_server(data)
        try:
            out["one_instance"] = asyncio.run(relayed_rooms(url, url, [server.pid]))
        finally:
            server.terminate()
            server.wait(timeout=10)
        redis = start_redis(data)
        if redis is None:
            out["two_instances"] = "skipped: redis-server is not installed"
            return out
        servers = [start_server(data, "--redis", redis[1]) for _ in range(2)]
        (one, one_url), (two, two_url) = servers
        try:
            result = asyncio.run(relayed_rooms(one_url, two_url, [one.pid, two.pid, redis[0].pid]))
            out["two_instances"] = {"processes": ["hosts' instance", "members' instance", "redis"]}
            out["two_instances"] |= result
        finally:
            for proc, _ in servers:
                proc.terminate()
                proc.wait(timeout=10)
            redis[0].terminate()
            redis[0].wait(timeout=10)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--role", choices=("host", "member"))
    parser.add_argument("--signal", default="")
    parser.add_argument("--code", default="")
    parser.add_argument("--upgrade", action="store_true")
    parser.add_argument("--skip-lab", action="store_true")
    args = parser.parse_args()
    if args.role == "host":
        asyncio.run(host_role(args.signal))
        return
    if args.role == "member":
        asyncio.run(member_role(args.signal, args.code, args.upgrade))
        return
    result: dict[str, Any] = {"benchmark": "relay"}
    lab_ready = os.geteuid() == 0 and all(shutil.which(t) for t in ("ip", "iptables"))
    if args.skip_lab or not lab_ready:
        result["nat_lab"] = "skipped: needs root, iproute2 and iptables (and coturn for TURN)"
    else:
        cases = [
            lab_case("two homes, no ICE servers", turn=False, block_udp=False),
            lab_case("one home, through the URL", turn=False, block_udp=False, member_home=1),
        ]
        if shutil.which("turnserver"):
            cases.append(lab_case("server-handed TURN", turn=True, block_udp=False))
            cases.append(lab_case("UDP blocked at home 2", turn=True, block_udp=True))
        result["nat_lab"] = cases
    result["server_load"] = load_cases()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
