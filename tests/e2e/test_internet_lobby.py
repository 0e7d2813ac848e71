"""The internet lobby (issue 13): a public room hosted with ``--signal`` is listed by the real
``jamdesk signal``, live, with what its LAN advert says; a private one never is; watchers
chat; ``jamdesk rooms --signal`` and the app's lobby show internet rooms, marked."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import aiohttp
import pytest

from jamdesk.protocol.signal import (
    LobbyLine,
    LobbyRooms,
    LobbySay,
    WatchLobby,
    encode_signal,
)
from tests.e2e.conftest import JamProcess
from tests.e2e.signalling import SignalProcess, receive


@pytest.fixture
def local(tmp_path: Path) -> Iterator[Callable[..., JamProcess]]:
    """``jamdesk`` processes in this test's own network (loopback), where this process can
    open WebSockets to the server they use."""
    started: list[JamProcess] = []
    env = dict(os.environ, JAMDESK_NETWORK="loopback")

    def start(*args: str, data: str) -> JamProcess:
        proc = JamProcess(
            [*args, "--data-dir", str(tmp_path / data), "--log-level", "INFO"], [], env
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.kill()
    for proc in started:
        assert not any("Traceback" in line for line in proc.stderr), "".join(proc.stderr)


async def rooms_until(
    ws: aiohttp.ClientWebSocketResponse, seen: dict[str, object], predicate: Callable[[], bool]
) -> None:
    """Apply the lobby's frames on ``ws`` to ``seen`` (code -> listing) until ``predicate``."""
    while not predicate():
        message = await receive(ws)
        if isinstance(message, LobbyRooms):
            if message.full:
                seen.clear()
            for code in message.gone:
                seen.pop(code, None)
            seen.update({room.code: room.listing for room in message.rooms})


def test_a_public_room_is_listed_live_and_a_private_one_never(
    local: Callable[..., JamProcess],
) -> None:
    server = SignalProcess()
    url = server.url
    ana = local(
        "host", "--headless", "--name", "Ana", "--title", "Linear algebra",
        "--type", "STUDY", "--signal", url, data="ana",
    )  # fmt: skip
    code = ana.event("hosting")["code"]
    secret = local(
        "host", "--headless", "--private", "--title", "Secret", "--signal", url, data="dee"
    )
    secret.event("hosting")

    async def watch() -> None:
        async with aiohttp.ClientSession() as session:
            ws = await session.ws_connect(url.replace("http", "ws") + "/v1/ws")
            other = await session.ws_connect(url.replace("http", "ws") + "/v1/ws")
            await ws.send_str(encode_signal(WatchLobby()))
            await other.send_str(encode_signal(WatchLobby(session_type="STUDY", text="linear")))
            seen: dict[str, object] = {}
            await asyncio.wait_for(rooms_until(ws, seen, lambda: code in seen), 20)
            listing = seen[code]
            assert (listing.title, listing.session_type, listing.host_name) == (  # type: ignore[attr-defined]
                "Linear algebra", "STUDY", "Ana",
            )  # fmt: skip
            assert listing.lifecycle == "ready"  # type: ignore[attr-defined]
            assert list(seen) == [code]  # the private room is not listed
            ana.send({"cmd": "timer.start"})
            await asyncio.wait_for(
                rooms_until(ws, seen, lambda: seen[code].lifecycle == "active"),  # type: ignore[attr-defined]
                20,
            )
            assert seen[code].timer.running  # type: ignore[attr-defined]
            await other.send_str(encode_signal(LobbySay(name="Bo", text="anyone on ch. 4?")))
            while not isinstance(line := await receive(ws), LobbyLine):
                pass
            assert (line.name, line.text) == ("Bo", "anyone on ch. 4?")
            ana.send({"cmd": "end"})
            await asyncio.wait_for(rooms_until(ws, seen, lambda: code not in seen), 20)
            await ws.close()
            await other.close()

    asyncio.run(watch())
    assert ana.finish() == 0
    secret.send({"cmd": "end"})
    assert secret.finish() == 0
    server.stop()


def test_jamdesk_rooms_with_a_signalling_url_lists_its_internet_rooms_marked(
    tmp_path: Path,
) -> None:
    import json
    import subprocess
    import sys

    from jamdesk.protocol.signal import Listing, ListRoom, Register

    server = SignalProcess()

    async def scenario() -> dict[str, object]:
        async with aiohttp.ClientSession() as session:
            host = await session.ws_connect(server.url.replace("http", "ws") + "/v1/ws")
            await host.send_str(encode_signal(Register(code="CHEM42")))
            await receive(host)
            listing = Listing(
                title="Organic chemistry", session_type="STUDY", host_name="Kai", count=2,
                lifecycle="ready", discipline="Chemistry",
            )  # fmt: skip
            await host.send_str(encode_signal(ListRoom(code="CHEM42", listing=listing)))
            done = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "jamdesk", "rooms", "--json", "--wait", "1",
                "--signal", server.url, "--data-dir", str(tmp_path / "bo"),
                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                env=dict(os.environ, JAMDESK_NETWORK="loopback"),
            )  # fmt: skip
            out, err = await done.communicate()
            assert done.returncode == 0, err.decode()
            await host.close()
            (room,) = [r for r in json.loads(out) if r["code"] == "CHEM42"]
            return room

    room = asyncio.run(scenario())
    assert (room["title"], room["internet"], room["signal"]) == (
        "Organic chemistry",
        True,
        server.url,
    )
    assert (room["type"], room["discipline"], room["host"]) == ("STUDY", "Chemistry", "Kai")
    server.stop()
