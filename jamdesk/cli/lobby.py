"""``jamdesk rooms [--json]`` and ``jamdesk lobby --headless``: the LAN lobby without a window.

``rooms`` listens for ``--wait`` seconds and prints the jams found (a table, or a JSON list).
``lobby --headless`` follows the room contract of the headless mode (README): JSON lines on
stdout (``lobby`` once in the lobby chat, then ``room_event`` for its events, ``rooms`` whenever
the list changes, ``host``, ``error``, ``notice``, ``closed``) and JSON commands on stdin
(``chat`` and ``leave``). Logs go to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from typing import Any

import msgspec

from jamdesk.app.context import AppContext
from jamdesk.app.lobby import DiscoveryError, ListedRoom, Lobby, LobbyUpdate
from jamdesk.cli.common import EXIT_NO_NETWORK, emit, read_lines
from jamdesk.cli.headless import Narrator, emit_update, open_context
from jamdesk.core.commands import Chat, Leave

_lobby_commands: msgspec.json.Decoder[Chat | Leave] = msgspec.json.Decoder(Chat | Leave)


def room_json(lobby: Lobby, ad: ListedRoom) -> dict[str, Any]:
    """One listed room as JSON: what the advert says, with the timer read now on this
    computer's clock (``remaining_ms`` null for a stopwatch, ``phase`` null unless Pomodoro)."""
    reading = lobby.reading(ad)
    return {
        "title": ad.title,
        "discipline": ad.discipline,
        "type": ad.session_type,
        "host": ad.host_name,
        "count": ad.count,
        "lifecycle": ad.lifecycle,
        "private": ad.private,
        "code": ad.code,
        "running": reading.running if reading else None,
        "phase": reading.phase.value if reading and reading.phase else None,
        "remaining_ms": reading.remaining_ms if reading else None,
        "elapsed_ms": reading.elapsed_ms if reading else None,
        "compatible": ad.compatible,
        "internet": ad.internet,
        "signal": ad.signal_url or None,
    }


def _text_line(room: dict[str, Any]) -> str:
    title = room["title"] or "(private room)"
    code = room["code"] or "private"
    where = " · internet" if room["internet"] else ""
    left = room["remaining_ms"]
    clock = "" if left is None else f" {left // 60_000:02d}:{left // 1000 % 60:02d} left"
    phase = f" {room['phase']}" if room["phase"] else ""
    subject = f" · {room['discipline']}" if room["discipline"] else ""
    host = f" · host {room['host']}" if room["host"] else ""
    return (
        f"{code:8} {title}{subject} · {room['type'].lower()}{host} · "
        f"{room['count']} in · {room['lifecycle']}{phase}{clock}{where}"
    )


def run_lobby_command(args: argparse.Namespace) -> int:
    """Run ``rooms`` or ``lobby --headless``; returns the exit code (5: no network for
    discovery)."""
    try:
        return asyncio.run(_main(args))
    except KeyboardInterrupt:
        return 0


async def _main(args: argparse.Namespace) -> int:
    app = await open_context(args)
    if isinstance(app, int):
        return app
    try:
        if args.command == "rooms":
            return await _rooms(app, args)
        return await _lobby(app, args)
    except DiscoveryError as exc:
        emit({"event": "error", "code": "no_network", "reason": str(exc)})
        return EXIT_NO_NETWORK
    finally:
        await app.close()


async def _rooms(app: AppContext, args: argparse.Namespace) -> int:
    lobby = app.lobby(name=app.profile.display_name, chat=False, signal_url=args.signal)

    def on_update(update: LobbyUpdate) -> None:
        if update.notice is not None:
            print(f"jamdesk rooms: {update.notice}", file=sys.stderr)

    lobby.subscribe(on_update)
    await lobby.start()
    try:
        await lobby.wait_for_rooms(lambda _rooms: False, max(0.0, args.wait))
        rooms = [room_json(lobby, ad) for ad in lobby.rooms]
    finally:
        await lobby.close()
    if args.json:
        sys.stdout.write(msgspec.json.encode(rooms).decode() + "\n")
    elif not rooms:
        print("No jams found on this network" + (" or at that server." if args.signal else "."))
    else:
        for room in rooms:
            print(_text_line(room))
    return 0


async def _lobby(app: AppContext, args: argparse.Namespace) -> int:
    lobby = app.lobby(name=app.profile.display_name, bind_host=args.bind, signal_url=args.signal)
    done = asyncio.Event()
    narrator = Narrator()

    def on_update(update: LobbyUpdate) -> None:
        nonlocal narrator
        if update.joined is not None:
            jam = update.joined
            narrator = Narrator()
            emit(
                {
                    "event": "lobby",
                    "code": jam.code,
                    "participant_id": jam.me,
                    "hosting": jam.hosting,
                    "people": jam.state.present_count,
                }
            )
            for event in jam.events:
                emit(narrator.line(event))
        if update.rooms is not None:
            emit({"event": "rooms", "rooms": [room_json(lobby, ad) for ad in update.rooms]})
        if update.notice is not None:
            emit({"event": "notice", "message": update.notice})
        if update.jam_update is not None and lobby.jam is not None:
            emit_update(lobby.jam, update.jam_update, narrator)

    lobby.subscribe(on_update)
    await lobby.start()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, done.set)

    async def on_line(line: bytes) -> None:
        try:
            cmd = _lobby_commands.decode(line)
        except msgspec.DecodeError as exc:
            emit({"event": "error", "code": "bad_command", "reason": f"Could not read: {exc}"})
            return
        if isinstance(cmd, Leave):
            done.set()
        else:
            await lobby.say(cmd.text)

    reader = asyncio.create_task(read_lines(on_line))
    await done.wait()
    reader.cancel()
    await lobby.close()
    emit({"event": "closed"})
    return 0
