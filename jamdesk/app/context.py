"""Everything one run of the app needs, opened once: the network policy, the database (off the
caller's thread), the profile and the personal task list; and the two use-cases that start a
jam. The GUI and the headless mode both go through here, so neither touches ``net`` or
``store`` directly (docs/ARCHITECTURE.md, "Layers").
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from jamdesk.app.clock import LocalClock
from jamdesk.app.history import GhostRunner, HistoryError, HistoryService
from jamdesk.app.jam import Jam
from jamdesk.app.jam_state import HostSettings
from jamdesk.app.lobby import Lobby
from jamdesk.app.opening import host_jam, join_jam
from jamdesk.app.progress import ProgressService
from jamdesk.app.settings import (
    SettingsError,
    parse_discipline,
    parse_session_type,
    parse_timer,
)
from jamdesk.app.storage import AsyncDatabase
from jamdesk.app.tasks import PersonalTasks, TaskError
from jamdesk.core.codes import BadCodeError, normalize
from jamdesk.core.defaults import default_timer
from jamdesk.core.replay import ReplayError
from jamdesk.core.room import fold
from jamdesk.core.timer import reset
from jamdesk.net import addresses, discovery, rtc
from jamdesk.net.member_client import JoinError
from jamdesk.net.rtc import ice_server
from jamdesk.protocol.engine import FANOUT_WINDOW_MS
from jamdesk.protocol.identity import Identity
from jamdesk.store import owner
from jamdesk.store.db import ProfileData, StoreError
from jamdesk.store.identity import KEY_NAME, load_identity
from jamdesk.store.paths import data_dir

USER_ERRORS: tuple[type[Exception], ...] = (
    JoinError,
    StoreError,
    SettingsError,
    BadCodeError,
    TaskError,
    ReplayError,
    HistoryError,
    OSError,
)
"""Errors whose message is written for the student: show it, do not crash. Only our own
error classes (and ``OSError``, the world outside: a network, a disk) are here; a bare
``ValueError`` or ``LookupError`` is a bug, logged with its traceback, never passed off as
advice."""

__all__ = ["USER_ERRORS", "AppContext", "JoinError", "SettingsError", "StoreError"]


def join_link(signal_url: str, code: str, room: str = "") -> str:
    """The link a host shares: ``jamdesk://join?signal=URL&code=CODE``, with ``&room=ID`` for
    a private jam (the server knows it by that id; the code stays in the link and is only
    ever proved, never sent)."""
    fields = {"signal": signal_url, "code": code} | ({"room": room} if room else {})
    return "jamdesk://join?" + urlencode(fields)


def parse_link(link: str) -> tuple[str, str, str]:
    """``jamdesk://join?signal=URL&code=CODE[&room=ID]`` -> (URL, CODE, ID or "").
    Raises :class:`SettingsError` (a ``ValueError``)."""
    parts = urlsplit(link)
    query = parse_qs(parts.query)
    if parts.scheme != "jamdesk" or parts.netloc != "join" or "code" not in query:
        raise SettingsError("That is not a Jamdesk join link (jamdesk://join?signal=...&code=...).")
    return query.get("signal", [""])[0], query["code"][0], query.get("room", [""])[0]


def parse_address(text: str) -> tuple[str, int]:
    """``"host:port"`` or ``"[v6]:port"`` -> (host, port). Raises :class:`SettingsError`."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise SettingsError(f"'{text}' is not an address like 192.168.1.20:41234")
    return host.strip("[]"), int(port)


@dataclass
class AppContext:
    """An open app: its clock, network mode, database, profile and personal tasks."""

    clock: LocalClock
    mode: addresses.NetworkMode
    db: AsyncDatabase
    profile: ProfileData
    identity: Identity
    """This install's key pair: the participant id it proves in every room (issue 16)."""
    tasks: PersonalTasks
    progress: ProgressService
    history: HistoryService

    @classmethod
    async def open(
        cls, data_dir_override: str | None, *, default_name: str, clock_skew_ms: int = 0
    ) -> AppContext:
        """Open the data folder (migrating it) and the profile, and set the network policy.

        Raises one of :data:`USER_ERRORS` with a message fit for a student.
        """
        mode = addresses.mode_from_env()
        addresses.install(mode)
        rtc.quiet_shutdown_races(asyncio.get_running_loop())
        discovery.quiet_socket_errors()
        clock = LocalClock(skew_ms=clock_skew_ms)
        folder = data_dir(data_dir_override)
        db = await AsyncDatabase.open(folder)
        try:
            await db.call(db.db.mark_interrupted, owner.alive)
            identity = await db.call(load_identity, folder)
            profile = await db.call(
                db.db.profile, identity.participant_id, default_name, clock.now_ms()
            )
            if profile.participant_id != identity.participant_id:  # made before keys
                await db.call(db.db.set_participant_id, identity.participant_id)
                profile = replace(profile, participant_id=identity.participant_id)
        except BaseException:
            await db.close()
            raise
        return cls(
            clock=clock,
            mode=mode,
            db=db,
            profile=profile,
            identity=identity,
            tasks=PersonalTasks(db, clock),
            progress=ProgressService(db),
            history=HistoryService(db),
        )

    async def use_color(self, color: str) -> None:
        """Remember ``color`` (``#RRGGBB``) as the avatar colour."""
        await self.db.call(self.db.db.set_avatar_color, color)
        self.profile = ProfileData(self.profile.participant_id, self.profile.display_name, color)

    async def use_name(self, name: str) -> None:
        """Remember ``name`` as the profile's display name."""
        if name and name != self.profile.display_name:
            await self.db.call(self.db.db.set_display_name, name)
            self.profile = ProfileData(self.profile.participant_id, name, self.profile.avatar_color)

    async def host(
        self,
        *,
        name: str,
        title: str,
        session_type: str,
        timer: str | None,
        bind_host: str = "0.0.0.0",
        advertise: bool = True,
        discipline: str = "",
        private: bool = False,
        show_title: bool = False,
        signal_url: str = "",
        ice_servers: Sequence[str] = (),
        fanout_window_ms: int | None = None,
    ) -> Jam:
        """Host a jam. ``timer`` is a spec (``countdown:25m``, ``pomodoro:25/5/15x4``...) or
        ``None`` for the type's default; ``discipline`` the subject shown in the lobby; a
        ``private`` room's code is a password that is never advertised (its title neither,
        unless ``show_title``); ``signal_url`` also registers it at that signalling server
        for joiners over the internet, with ``ice_servers`` (STUN/TURN) when the networks
        need them; ``fanout_window_ms`` is the host's fan-out window (``None``: the
        default, :data:`~jamdesk.protocol.engine.FANOUT_WINDOW_MS`; benchmarks compare).
        Raises one of :data:`USER_ERRORS`."""
        for server in ice_servers:
            ice_server(server)  # refuse a bad one in words before anything opens
        kind = parse_session_type(session_type)
        anchor = parse_timer(timer) if timer else default_timer(kind)
        settings = HostSettings(
            name=name,
            title=title,
            session_type=kind,
            timer=anchor,
            bind_host=bind_host,
            advertise=advertise,
            avatar_color=self.profile.avatar_color,
            discipline=parse_discipline(discipline),
            private=private,
            show_title=show_title,
            signal_url=signal_url,
            ice_servers=tuple(ice_servers),
            fanout_window_ms=FANOUT_WINDOW_MS if fanout_window_ms is None else fanout_window_ms,
        )
        return await host_jam(
            settings,
            clock=self.clock,
            db=self.db,
            mode=self.mode,
            client_id=self.profile.participant_id,
            identity=self.identity,
        )

    async def join(
        self,
        *,
        name: str,
        code: str,
        address: str | None = None,
        signal_url: str = "",
        ice_servers: Sequence[str] = (),
        room: str = "",
    ) -> Jam:
        """Join the jam with ``code`` (looked up on the LAN, or through ``signal_url``, unless
        ``address`` is given). ``code`` may also be a link
        ``jamdesk://join?signal=URL&code=CODE``. Raises one of :data:`USER_ERRORS`."""
        if code.startswith("jamdesk://"):
            signal_url, code, room = parse_link(code)
        for server in ice_servers:
            ice_server(server)
        return await join_jam(
            name,
            signal_url=signal_url,
            ice_servers=tuple(ice_servers),
            relay_id=room,
            code=normalize(code),
            address=parse_address(address) if address else None,
            clock=self.clock,
            db=self.db,
            mode=self.mode,
            client_id=self.profile.participant_id,
            identity=self.identity,
            avatar_color=self.profile.avatar_color,
        )

    def lobby(
        self, *, name: str, chat: bool = True, bind_host: str = "0.0.0.0", signal_url: str = ""
    ) -> Lobby:
        """The LAN lobby as ``name`` (not started: call ``start()``); ``chat=False`` lists
        rooms only; ``signal_url`` adds that server's internet lobby."""
        return Lobby(
            name,
            clock=self.clock,
            mode=self.mode,
            client_id=self.profile.participant_id,
            identity=self.identity,
            avatar_color=self.profile.avatar_color,
            chat=chat,
            bind_host=bind_host,
            signal_url=signal_url,
        )

    async def replay_beside(
        self, session_id: int, names: Sequence[str] = ()
    ) -> tuple[Jam, GhostRunner]:
        """Work beside the ghosts of a past jam: a private room (not advertised, loopback only)
        with the past jam's type and timer, recorded as a new jam that refers to it; its
        ghosts re-enact their actions and the timer follows the past one, at 1x.

        Raises :class:`~jamdesk.core.replay.ReplayError` in plain words.
        """
        script = await self.history.script(session_id, names)
        events = await self.history.events(session_id)
        past = fold(events) if events else None
        kind = parse_session_type(script.session_type)
        anchor = reset(past.timer) if past is not None else default_timer(kind)
        settings = HostSettings(
            name=self.profile.display_name,
            title=f"Beside: {script.title}",
            session_type=kind,
            timer=anchor,
            bind_host="127.0.0.1",
            advertise=False,
            avatar_color=self.profile.avatar_color,
        )
        jam = await host_jam(
            settings,
            clock=self.clock,
            db=self.db,
            mode=self.mode,
            client_id=self.profile.participant_id,
            identity=self.identity,
            replay_of=session_id,
        )
        runner = GhostRunner(jam, script, follow_timer=True)
        await runner.start()
        return jam, runner

    async def close(self) -> None:
        """Finish queued database work and close it."""
        await self.db.close()

    async def delete_everything(self) -> None:
        """Delete every row (:meth:`ProgressService.delete_everything`), close the database
        and remove its files. The context cannot be used afterwards. Raises ``OSError`` when
        the files cannot be removed (the rows are gone already)."""
        await self.progress.delete_everything()
        await self.db.close()
        self.db.db.remove_files()
        (self.db.db.path.parent / KEY_NAME).unlink(missing_ok=True)  # a new person next time


def data_folder(override: str | None) -> Path:
    """The data folder that :meth:`AppContext.open` would use."""
    return data_dir(override)
