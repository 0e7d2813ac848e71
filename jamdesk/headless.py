"""Headless mode: a jam driven by JSON lines (design page, "Headless mode"; README contract).

stdout carries only JSON objects, one per line: ``hosting`` or ``joined`` first, then
``room_event`` for every event of the log, a ``tick`` every second, ``error`` for a refused or
unreadable command, ``notice`` and ``link`` for what a student would see, and ``closed`` last.
stdin takes commands such as ``{"cmd": "timer.start"}``; logs go to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import secrets
import signal
import sys
from typing import Any

import msgspec

from jamdesk.app.clock import LocalClock
from jamdesk.app.jam import HostSettings, Jam, JamUpdate, host_jam, join_jam
from jamdesk.app.settings import SettingsError, parse_session_type, parse_timer
from jamdesk.app.storage import AsyncDatabase
from jamdesk.cli import EXIT_JOIN_FAILED, EXIT_STORAGE, EXIT_USAGE, default_name, parse_address
from jamdesk.core.codes import BadCodeError, normalize
from jamdesk.core.commands import PEER_COMMANDS, Command, EndRoom, Leave
from jamdesk.core.defaults import default_timer
from jamdesk.core.room import Event, LogError, RoomState, apply
from jamdesk.core.timeline import describe
from jamdesk.net import addresses
from jamdesk.net.member_client import JoinError
from jamdesk.store.db import StoreError
from jamdesk.store.paths import data_dir

log = logging.getLogger(__name__)
TICK_INTERVAL_S = 1.0
_encoder = msgspec.json.Encoder()
_command_decoder: msgspec.json.Decoder[Command] = msgspec.json.Decoder(Command)


def emit(obj: dict[str, Any]) -> None:
    """Write one JSON line to stdout and flush it."""
    sys.stdout.write(_encoder.encode(obj).decode() + "\n")
    sys.stdout.flush()


class Narrator:
    """Turns events into ``room_event`` lines with the timeline sentence (``text``), folding
    its own copy of the state for names."""

    def __init__(self) -> None:
        self._state: RoomState | None = None

    def line(self, event: Event) -> dict[str, Any]:
        """The ``room_event`` line: seq, at_ms, actor, kind, text and the body's fields."""
        body = msgspec.to_builtins(event.body)
        assert isinstance(body, dict)
        body.pop("kind", None)
        try:
            text = describe(self._state, event)
            self._state = apply(self._state, event)
        except (LogError, AssertionError):  # a new host replaced the tail of our log
            text, self._state = event.kind, None
        return {
            "event": "room_event",
            "seq": event.seq,
            "at_ms": event.at_ms,
            "actor": event.actor,
            "kind": event.kind,
            "text": text,
            "body": body,
        }


def run_headless(args: argparse.Namespace) -> int:
    """Run a headless host or join until the jam closes; returns the exit code."""
    try:
        return asyncio.run(_main(args))
    except KeyboardInterrupt:
        return 0


async def _main(args: argparse.Namespace) -> int:
    try:
        mode = addresses.mode_from_env()
    except ValueError as exc:
        emit({"event": "error", "code": "bad_setting", "reason": str(exc)})
        return EXIT_USAGE
    addresses.install(mode)
    try:
        db = await AsyncDatabase.open(data_dir(args.data_dir))
    except (StoreError, OSError) as exc:
        emit({"event": "error", "code": "storage", "reason": str(exc)})
        return EXIT_STORAGE
    try:
        await db.call(db.db.mark_interrupted)
        clock = LocalClock(skew_ms=args.clock_skew_ms)
        profile = await db.call(
            db.db.profile, secrets.token_hex(8), args.name or default_name(), clock.now_ms()
        )
        name = args.name or profile.display_name
        if args.name and args.name != profile.display_name:
            await db.call(db.db.set_display_name, args.name)
        jam: Jam
        if args.command == "host":
            try:
                session_type = parse_session_type(args.type)
                settings = HostSettings(
                    name=name,
                    title=args.title,
                    session_type=session_type,
                    timer=parse_timer(args.timer) if args.timer else default_timer(session_type),
                    bind_host=args.bind,
                    advertise=not args.no_advertise,
                )
            except SettingsError as exc:
                emit({"event": "error", "code": "bad_setting", "reason": str(exc)})
                return EXIT_USAGE
            hosted = await host_jam(
                settings, clock=clock, db=db, mode=mode, client_id=profile.participant_id
            )
            emit(
                {
                    "event": "hosting",
                    "code": hosted.code,
                    "port": hosted.port,
                    "participant_id": hosted.me,
                    "title": hosted.state.title,
                    "type": hosted.state.session_type.value,
                }
            )
            jam = hosted
        else:
            try:
                code = normalize(args.code)
                address = parse_address(args.address) if args.address else None
                joined = await join_jam(
                    name,
                    code=code,
                    address=address,
                    clock=clock,
                    db=db,
                    mode=mode,
                    client_id=profile.participant_id,
                )
            except (BadCodeError, ValueError) as exc:
                emit({"event": "error", "code": "bad_setting", "reason": str(exc)})
                return EXIT_USAGE
            except JoinError as exc:
                emit({"event": "error", "code": "join_failed", "reason": str(exc)})
                return EXIT_JOIN_FAILED
            emit(
                {
                    "event": "joined",
                    "code": joined.code,
                    "participant_id": joined.me,
                    "seq": joined.state.head_seq,
                    "offset_ms": joined.clock_offset_ms,
                    "rtt_ms": joined.rtt_ms,
                }
            )
            jam = joined
        return await _serve(jam)
    finally:
        await db.close()


async def _serve(jam: Jam) -> int:
    done = asyncio.Event()
    narrator = Narrator()
    for event in jam.events:
        emit(narrator.line(event))

    def on_update(update: JamUpdate) -> None:
        for event in update.events:
            emit(narrator.line(event))
        if update.host_changed:
            emit(
                {
                    "event": "host",
                    "host_id": jam.state.host_id,
                    "name": jam.state.name_of(jam.state.host_id),
                    "me": jam.hosting,
                }
            )
        if update.refused is not None:
            emit({"event": "error", "code": update.refused.code, "reason": update.refused.reason})
        if update.link is not None:
            emit({"event": "link", "state": update.link.value})
        if update.notice is not None:
            emit({"event": "notice", "message": update.notice})
        if update.closed:
            done.set()

    jam.subscribe(on_update)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, done.set)
    tasks = [asyncio.create_task(_ticks(jam)), asyncio.create_task(_stdin(jam))]
    await done.wait()
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await jam.close()
    emit({"event": "closed"})
    return 0


async def _ticks(jam: Jam) -> None:
    while True:
        reading = jam.reading()
        emit(
            {
                "event": "tick",
                "room_now_ms": jam.room_now_ms(),
                "remaining_ms": reading.remaining_ms,
                "elapsed_ms": reading.elapsed_ms,
                "running": reading.running,
                "lifecycle": jam.state.lifecycle.value,
                "phase": reading.phase.value if reading.phase else None,
                "focus_blocks": reading.focus_blocks_completed,
                "host_id": jam.state.host_id,
            }
        )
        await asyncio.sleep(TICK_INTERVAL_S)


async def _stdin(jam: Jam) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=64 * 1024)
    try:
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    except (ValueError, OSError) as exc:  # e.g. stdin is a closed descriptor
        log.info("not reading commands from stdin: %s", exc)
        return
    while True:
        try:
            line = await reader.readline()
        except ValueError:
            emit({"event": "error", "code": "too_large", "reason": "That line is too long."})
            continue
        if not line:
            return  # EOF: keep running without commands
        if line.strip():
            await _command(jam, line)


async def _command(jam: Jam, line: bytes) -> None:
    try:
        cmd = _command_decoder.decode(line)
    except msgspec.DecodeError as exc:
        emit(
            {
                "event": "error",
                "code": "bad_command",
                "reason": f"Could not read that command: {exc}",
            }
        )
        return
    if not isinstance(cmd, PEER_COMMANDS):
        emit({"event": "error", "code": "bad_command", "reason": "That command is not accepted."})
        return
    if isinstance(cmd, Leave):
        await jam.leave()
    elif isinstance(cmd, EndRoom) and jam.hosting:
        await jam.end()
    else:
        await jam.send(cmd)
