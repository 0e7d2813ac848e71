"""Headless mode: a jam driven by JSON lines (docs/ARCHITECTURE.md, "Headless mode"; the
README's contract).

stdout carries only JSON objects, one per line: ``hosting`` or ``joined`` first, then
``room_event`` for every event of the log, a ``tick`` every second, ``host`` when the host role
moves, ``error`` for a refused or unreadable command, ``notice`` and ``link`` for what a student
would see, ``path`` when a member's link moves between the relay and a direct or TURN path
(``joined`` and ``link`` carry it too), ``mytasks`` for the personal task list, and
``closed`` last. stdin takes commands
such as ``{"cmd": "timer.start"}``; logs go to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import time
from pathlib import Path
from typing import Any

import msgspec

from jamdesk.app.audio import Sound, open_sound
from jamdesk.app.context import (
    USER_ERRORS,
    AppContext,
    JoinError,
    SettingsError,
    StoreError,
    join_link,
)
from jamdesk.app.jam import Jam
from jamdesk.app.jam_state import JamUpdate
from jamdesk.app.tasks import PersonalTask, TaskError
from jamdesk.cli.common import (
    EXIT_JOIN_FAILED,
    EXIT_STORAGE,
    EXIT_USAGE,
    default_name,
    emit,
    read_lines,
)
from jamdesk.core import audio
from jamdesk.core.codes import BadCodeError
from jamdesk.core.commands import PEER_COMMANDS, AudioPlay, Command, EndRoom, Leave
from jamdesk.core.events import Event
from jamdesk.core.room import LogError, RoomState, apply
from jamdesk.core.timeline import describe

log = logging.getLogger(__name__)
TICK_INTERVAL_S = 1.0
_encoder = msgspec.json.Encoder()


class _MyTask(msgspec.Struct, frozen=True, tag_field="cmd", forbid_unknown_fields=True):
    """Base of the personal-task commands (this computer only, never sent to the room)."""


class MyTaskAdd(_MyTask, frozen=True, tag="mytask.add"):
    """Add a personal task."""

    title: str


class MyTaskRename(_MyTask, frozen=True, tag="mytask.rename"):
    """Rename a personal task."""

    task_id: int
    title: str


class MyTaskToggle(_MyTask, frozen=True, tag="mytask.toggle"):
    """Mark a personal task done (or not)."""

    task_id: int
    done: bool = True


class MyTaskDelete(_MyTask, frozen=True, tag="mytask.delete"):
    """Delete a personal task."""

    task_id: int


class MyTaskList(_MyTask, frozen=True, tag="mytask.list"):
    """Print the personal task list."""


LocalCommand = MyTaskAdd | MyTaskRename | MyTaskToggle | MyTaskDelete | MyTaskList
_decoder: msgspec.json.Decoder[Command | LocalCommand] = msgspec.json.Decoder(
    Command | LocalCommand
)


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


def emit_update(jam: Jam, update: JamUpdate, narrator: Narrator) -> None:
    """The JSON lines of one update of ``jam``: its events (``room_event``), ``host`` when
    the host role moved, ``error`` for a refusal, ``link`` and ``notice``."""
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
        emit({"event": "link", "state": update.link.value, "path": _path(jam)})
    if update.path is not None:
        emit({"event": "path", "path": update.path.value})
    if update.notice is not None:
        emit({"event": "notice", "message": update.notice})


def _path(jam: Jam) -> str | None:
    """What carries our link to the host: ``direct``, ``turn`` or ``relayed`` (a member)."""
    path = jam.path
    return path.value if path is not None else None


def run_headless(args: argparse.Namespace) -> int:
    """Run a headless host or join until the jam closes; returns the exit code."""
    try:
        return asyncio.run(_main(args))
    except KeyboardInterrupt:
        return 0


async def open_context(args: argparse.Namespace) -> AppContext | int:
    """Open the app for a headless command and take ``--name``; on failure print the
    ``error`` line and return the exit code (4: data folder unusable, 2: bad setting)."""
    try:
        app = await AppContext.open(
            args.data_dir,
            default_name=args.name or default_name(),
            clock_skew_ms=args.clock_skew_ms,
        )
    except (StoreError, OSError) as exc:
        emit({"event": "error", "code": "storage", "reason": str(exc)})
        return EXIT_STORAGE
    except ValueError as exc:
        emit({"event": "error", "code": "bad_setting", "reason": str(exc)})
        return EXIT_USAGE
    await app.use_name(args.name or "")
    app.db.watch(_say_storage)
    return app


def _say_storage(trouble: StoreError | None) -> None:
    """One ``storage`` line when saving stops (the disk is full) and one when it works
    again; the jam goes on meanwhile."""
    if trouble is None:
        emit({"event": "storage", "ok": True, "reason": _SAVING_AGAIN})
    else:
        emit({"event": "storage", "ok": False, "code": trouble.kind, "reason": str(trouble)})


_SAVING_AGAIN = "Jamdesk saves again: everything that waited in memory is saved."


async def _main(args: argparse.Namespace) -> int:
    app = await open_context(args)
    if isinstance(app, int):
        return app
    try:
        name = app.profile.display_name
        try:
            if args.command == "host":
                jam = await app.host(
                    name=name,
                    title=args.title,
                    session_type=args.type,
                    timer=args.timer,
                    bind_host=args.bind,
                    advertise=not args.no_advertise,
                    discipline=args.discipline,
                    private=args.private,
                    show_title=args.show_title,
                    signal_url=args.signal,
                    ice_servers=args.ice_server,
                    fanout_window_ms=args.fanout_window_ms,
                )
                emit(
                    {
                        "event": "hosting",
                        "code": jam.code,
                        "port": jam.port,
                        "participant_id": jam.me,
                        "title": jam.state.title,
                        "type": jam.state.session_type.value,
                        "discipline": jam.state.discipline,
                        "private": jam.state.private,
                        "link": join_link(args.signal, jam.code, jam.relay_id)
                        if args.signal
                        else None,
                    }
                )
                if jam.advert_problem:
                    emit({"event": "notice", "message": jam.advert_problem})
            else:
                jam = await app.join(
                    name=name,
                    code=args.code,
                    address=args.address,
                    signal_url=args.signal,
                    ice_servers=args.ice_server,
                    room=args.room,
                )
                emit(
                    {
                        "event": "joined",
                        "code": jam.code,
                        "participant_id": jam.me,
                        "seq": jam.state.head_seq,
                        "offset_ms": jam.clock_offset_ms,
                        "rtt_ms": jam.rtt_ms,
                        "path": _path(jam),
                    }
                )
        except JoinError as exc:
            emit({"event": "error", "code": "join_failed", "reason": str(exc)})
            return EXIT_JOIN_FAILED
        except (SettingsError, BadCodeError, ValueError) as exc:
            emit({"event": "error", "code": "bad_setting", "reason": str(exc)})
            return EXIT_USAGE
        return await _serve(app, jam, args)
    finally:
        await app.close()


async def _start_sound(jam: Jam, args: argparse.Namespace) -> Sound:
    """Open this computer's sound for the jam and say how it went: a ``sound`` line (``on``
    with the room-clock instant its output started, or ``off`` with the reason) and a
    ``notice`` per music file that could not be read."""
    folders = [Path(f) for f in args.music_folder]
    sound = await open_sound(
        jam,
        folders,
        enabled=not args.no_sound,
        on_notice=lambda message: emit({"event": "notice", "message": message}),
    )
    if sound.player is None:
        emit({"event": "sound", "state": "off", "reason": sound.off_reason})
    else:
        assert sound.player.mixer is not None
        began = round((time.monotonic() - sound.player.mixer.opened_at) * 1000)
        emit({"event": "sound", "state": "on", "room_now_ms": jam.room_now_ms() - began})
    for problem in sound.problems:
        emit({"event": "notice", "message": problem})
    return sound


async def _serve(app: AppContext, jam: Jam, args: argparse.Namespace) -> int:
    done = asyncio.Event()
    narrator = Narrator()
    for event in jam.events:
        emit(narrator.line(event))

    def on_update(update: JamUpdate) -> None:
        emit_update(jam, update, narrator)
        if update.closed:
            done.set()

    jam.subscribe(on_update)  # before any await: no event may slip between backlog and live
    app.tasks.subscribe(_emit_tasks)
    sound = await _start_sound(jam, args)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, done.set)
    tasks = [
        asyncio.create_task(_ticks(jam, sound)),
        asyncio.create_task(_stdin(app, jam, sound)),
    ]
    await done.wait()
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await sound.close()
    await jam.close()
    emit({"event": "closed"})
    return 0


def _emit_tasks(tasks: list[PersonalTask]) -> None:
    emit({"event": "mytasks", "tasks": [msgspec.to_builtins(t) for t in tasks]})


def audio_line(jam: Jam, sound: Sound | None = None) -> dict[str, Any]:
    """The soundscape as a ``tick`` carries it: the track, where it should be now on the room
    clock (ms), whether it plays, each ambient layer's level, and where this computer's own
    player is (``heard_ms``; null when it plays no music)."""
    anchor = jam.state.audio
    player = sound.player if sound is not None else None
    return {
        "heard_ms": player.heard_ms() if player is not None else None,
        "track_id": anchor.track.track_id if anchor.track else None,
        "title": anchor.track.title if anchor.track else None,
        "position_ms": audio.position(anchor, jam.room_now_ms()),
        "playing": audio.audible(anchor, jam.room_now_ms()),
        "layers": dict(zip(audio.LAYERS, anchor.layers, strict=True)),
    }


async def _ticks(jam: Jam, sound: Sound) -> None:
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
                "cycles_completed": reading.cycles_completed,
                "host_id": jam.state.host_id,
                "audio": audio_line(jam, sound),
            }
        )
        await asyncio.sleep(TICK_INTERVAL_S)


async def _stdin(app: AppContext, jam: Jam, sound: Sound) -> None:
    await read_lines(lambda line: _command(app, jam, line, sound))


def _track_by_name(line: bytes, sound: Sound | None) -> AudioPlay | str | None:
    """``{"cmd": "audio.play", "track": "Morning Pages"}`` (a title, file name or id of this
    computer's library) as the room command, or why not; ``None`` for any other line."""
    try:
        raw = msgspec.json.decode(line)
    except msgspec.DecodeError:
        return None
    if not (isinstance(raw, dict) and raw.get("cmd") == "audio.play"):
        return None
    name = raw.get("track")
    if not isinstance(name, str):
        return None
    found = sound.library.by_name(name) if sound is not None else None
    if found is None:
        return f"No track called '{name}' on this computer."
    return AudioPlay(track=found.track)


async def _command(app: AppContext, jam: Jam, line: bytes, sound: Sound | None = None) -> None:
    named = _track_by_name(line, sound)
    if isinstance(named, str):
        emit({"event": "error", "code": "bad_audio", "reason": named})
        return
    if named is not None:
        await jam.send(named)
        return
    try:
        cmd = _decoder.decode(line)
    except msgspec.DecodeError as exc:
        emit(
            {
                "event": "error",
                "code": "bad_command",
                "reason": f"Could not read that command: {exc}",
            }
        )
        return
    if isinstance(cmd, _MyTask):
        await _my_task(app, cmd)
    elif not isinstance(cmd, PEER_COMMANDS):
        emit({"event": "error", "code": "bad_command", "reason": "That command is not accepted."})
    elif isinstance(cmd, Leave):
        await jam.leave()
    elif isinstance(cmd, EndRoom) and jam.hosting:
        await jam.end()
    else:
        await jam.send(cmd)


async def _my_task(app: AppContext, cmd: _MyTask) -> None:
    try:
        match cmd:
            case MyTaskAdd(title=title):
                await app.tasks.add(title)
            case MyTaskRename(task_id=tid, title=title):
                await app.tasks.rename(tid, title)
            case MyTaskToggle(task_id=tid, done=done):
                await app.tasks.set_done(tid, done)
            case MyTaskDelete(task_id=tid):
                await app.tasks.delete(tid)
            case _:
                _emit_tasks(await app.tasks.all())
    except USER_ERRORS as exc:
        code = "bad_task" if isinstance(exc, TaskError) else "storage"
        emit({"event": "error", "code": code, "reason": str(exc)})
