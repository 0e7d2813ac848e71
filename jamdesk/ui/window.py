"""The main window: the start screen, then a room; runs host/join off the UI's hands.

Heavy modules (aiortc, zeroconf, SQLAlchemy, Alembic) are imported only when the student first
hosts or joins, after the window is on screen (docs/ARCHITECTURE.md, "Stack notes": start-up).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMessageBox, QStackedWidget

from jamdesk.core.kinds import Lifecycle
from jamdesk.ui.background import Background
from jamdesk.ui.desktop_flow import DesktopFlow
from jamdesk.ui.dialogs import ChoiceDialog, confirm
from jamdesk.ui.flows import HistoryFlow, ProfileFlow
from jamdesk.ui.navigator import Navigator
from jamdesk.ui.shortcuts import name_inputs
from jamdesk.ui.start_screen import HostForm, JoinForm, StartScreen
from jamdesk.ui.tray import app_icon

if TYPE_CHECKING:
    from jamdesk.app.audio import Sound
    from jamdesk.app.context import AppContext
    from jamdesk.app.history import GhostRunner
    from jamdesk.app.jam import Jam
    from jamdesk.app.jam_state import JamUpdate
    from jamdesk.app.lobby import Lobby
    from jamdesk.ui.history_screen import HistoryScreen
    from jamdesk.ui.lobby_screen import LobbyScreen
    from jamdesk.ui.profile_screen import ProfileScreen
    from jamdesk.ui.replay_screen import ReplayScreen
    from jamdesk.ui.room_screen import RoomScreen
    from jamdesk.ui.summary_screen import SummaryScreen
    from jamdesk.ui.theme import Theme

log = logging.getLogger(__name__)
MINIMUM_SIZE = (800, 600)
"""The window's least size (px); the default is 900 x 640 (``desktop_flow.DEFAULT_SIZE``)."""


class MainWindow(HistoryFlow, ProfileFlow, DesktopFlow):
    """Jamdesk's window. ``room_entered`` fires when a room screen is shown.

    ``theme`` is the app's look (``None``: made when the student first picks one in
    Settings); ``tray`` says whether to put an icon in the system tray (``None``: when the
    desktop has a tray)."""

    room_entered = Signal()
    profile_shown = Signal()
    history_shown = Signal()
    replay_shown = Signal()
    room_left = Signal()
    summary_shown = Signal()
    lobby_shown = Signal()
    ghost_added = Signal()

    def __init__(
        self,
        args: argparse.Namespace,
        default_name: str,
        *,
        theme: Theme | None = None,
        tray: bool | None = None,
    ) -> None:
        super().__init__()
        self.setWindowTitle("Jamdesk")
        self.setWindowIcon(app_icon())
        self.setMinimumSize(*MINIMUM_SIZE)  # every screen fits it (tests/ui/test_desktop.py)
        self._args = args
        self._app: AppContext | None = None
        self.set_aside_dialog: QMessageBox | None = None  # the offer for a damaged history
        self.jam: Jam | None = None
        self._farewell: str | None = None
        self.room: RoomScreen | None = None
        self.summary: SummaryScreen | None = None
        self.profile: ProfileScreen | None = None
        self.history: HistoryScreen | None = None
        self.replay: ReplayScreen | None = None
        self.lobby_screen: LobbyScreen | None = None
        self.sound: Sound | None = None
        self.lobby: Lobby | None = None
        self.ghosts: list[GhostRunner] = []
        self.ghost_dialog: ChoiceDialog | None = None
        self.stack = QStackedWidget()
        self._setup_desktop(theme, tray)
        # The name kept from last time wins over the login name (a rename in Your progress
        # sticks); a --name given on the command line wins over both.
        self.start = StartScreen(args.name or self.prefs.name or default_name)
        name_inputs(self.start)
        self.nav = Navigator(self.stack, self.start)
        self.bg = Background(self._show_failure)
        self._attempt: asyncio.Future[None] | None = None  # a host or join under way
        self.start.host_requested.connect(lambda form: self._try(self._host(form)))
        self.start.join_requested.connect(lambda form: self._try(self._join(form)))
        self.start.cancel_requested.connect(self._cancel_attempt)
        self.start.profile_requested.connect(lambda: self._spawn(self._show_profile()))
        self.start.history_requested.connect(lambda: self._spawn(self._show_history()))
        self.start.lobby_requested.connect(lambda: self._spawn(self._show_lobby()))
        self.setCentralWidget(self.stack)
        self.start.signal_edit.setText(getattr(args, "signal", "") or self.prefs.signal_url)

    def act_on_arguments(self) -> None:
        """``jamdesk host ...`` / ``jamdesk join CODE`` open the window and go straight in."""
        from jamdesk.app.settings import SettingsError, parse_session_type  # noqa: PLC0415

        args = self._args
        command = getattr(args, "command", None)
        name = args.name or self.start.name_edit.text().strip() or "Student"
        if command == "host":
            try:
                session_type = parse_session_type(args.type)
            except SettingsError as exc:
                self.start.show_error(str(exc))
                return
            self.start.title_edit.setText(args.title)
            self._try(
                self._host(
                    HostForm(
                        name=name,
                        title=args.title,
                        session_type=session_type,
                        timer=args.timer,
                        discipline=getattr(args, "discipline", ""),
                        private=getattr(args, "private", False),
                        show_title=getattr(args, "show_title", False),
                        signal_url=getattr(args, "signal", ""),
                    )
                )
            )
        elif command == "join":
            link = args.code.lower().startswith("jamdesk:")
            self.start.code_edit.setText(args.code if link else args.code.upper())
            form = JoinForm(
                name=name,
                code=args.code,
                address=args.address or "",
                signal_url=getattr(args, "signal", ""),
            )
            self._try(self._join(form))

    # -- background work --------------------------------------------------------------------------

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        self.bg.run(coro)

    def _try(self, coro: Coroutine[Any, Any, None]) -> None:
        """Host or join, cancellable from the start screen until the room opens."""
        self._attempt = self.bg.run(coro)

    def _cancel_attempt(self) -> None:
        attempt, self._attempt = self._attempt, None
        if attempt is not None and not attempt.done():
            attempt.cancel()
            log.info("host or join cancelled by the student")
            self.start.show_progress("Stopped. Nothing was opened.")
            self.start.set_busy(False)

    def _show_failure(self, words: str) -> None:
        """An unexpected failure, said where the student is looking."""
        if self.room is not None and self.nav.current is self.room:
            self.room.show_notice(words)
        else:
            self.start.show_error(words)

    async def _context(self) -> AppContext:
        """Open the app's data and network policy on first use (after the first paint)."""
        if self._app is None:
            from jamdesk.app.context import AppContext  # noqa: PLC0415 - heavy: after paint
            from jamdesk.store.db import DAMAGED, StoreError  # noqa: PLC0415 - as heavy

            try:
                self._app = await AppContext.open(
                    self._args.data_dir,
                    default_name=self.start.name_edit.text().strip() or "Student",
                    clock_skew_ms=self._args.clock_skew_ms,
                )
            except StoreError as exc:
                if exc.kind == DAMAGED:
                    self._offer_set_aside()
                raise
            self._app.db.watch(self._storage_changed)
        return self._app

    def _storage_changed(self, trouble: Exception | None) -> None:
        """Saving stopped (the disk is full) or works again: said once each way, where the
        student is looking; the jam goes on meanwhile."""
        if trouble is not None:
            self._show_failure(str(trouble))
        else:
            self._show_failure("Jamdesk saves again: everything that waited is saved.")

    def _offer_set_aside(self) -> None:
        """The history file is damaged: offer to keep it aside (never deleted) and start
        with an empty one; the step that needed it is then tried again by the student."""
        from jamdesk.app.context import data_folder  # noqa: PLC0415 - loaded with the context
        from jamdesk.store.db import set_aside  # noqa: PLC0415 - as heavy

        def keep_aside() -> None:
            try:
                kept = set_aside(data_folder(self._args.data_dir))
            except OSError as exc:
                self.start.show_error(f"Could not move the damaged file: {exc.strerror or exc}")
                return
            self.start.show_progress(
                f"Kept the damaged file as {kept.name}, untouched. Try again: Jamdesk starts "
                "with an empty history."
            )
            self.start.set_busy(False)

        self.set_aside_dialog = confirm(
            self,
            "Jamdesk's history file is damaged",
            "Jamdesk cannot read its history file.",
            "Keep it aside and start fresh",
            keep_aside,
            detail=(
                "Jamdesk can move it aside under a dated name, untouched (nothing is deleted), "
                "and start with an empty history. Your past jams stay in that file."
            ),
        )

    async def _host(self, form: HostForm) -> None:
        self.start.show_progress("Opening your jam...")

        async def open_jam() -> Jam:
            app = await self._context()
            await self._use_name(app, form.name)
            return await app.host(
                name=form.name,
                title=form.title,
                session_type=form.session_type.value,
                timer=form.timer,
                discipline=form.discipline,
                private=form.private,
                show_title=form.show_title,
                signal_url=form.signal_url,
            )

        jam = await self.bg.attempt(open_jam(), self.start.show_error)
        if jam is not None:
            self._enter(jam)

    async def _join(self, form: JoinForm) -> None:
        self.start.show_progress(f"Looking for jam {form.code.upper()} on your network...")

        async def join_jam() -> Jam:
            app = await self._context()
            await self._use_name(app, form.name)
            return await app.join(
                name=form.name,
                code=form.code,
                address=form.address or None,
                signal_url=form.signal_url,
            )

        jam = await self.bg.attempt(join_jam(), self.start.show_error)
        if jam is not None:
            self._enter(jam)

    # -- Ghost Replay in the room -------------------------------------------------------
    async def _add_ghost(self) -> None:
        """Ask which past jam and whose ghost (a dialog that does not block: a nested loop
        inside this task would break every other task of the jam), then bring it in."""
        jam, app, room = self.jam, self._app, self.room
        if jam is None or app is None or room is None:
            return
        entries = [e for e in await app.history.entries() if e.participants]
        if not entries:
            room.show_notice("No past jams yet to bring a ghost from.")
            return
        labels = [f"{e.title} · {', '.join(e.participants)}" for e in entries]

        def chosen(indices: list[int]) -> None:
            entry = entries[indices[0]]
            people = entry.participants
            if self.jam is jam and 0 <= indices[1] < len(people):
                self._spawn(self._start_ghost(jam, entry.session_id, people[indices[1]]))

        self.ghost_dialog = ChoiceDialog(
            self,
            "Add a ghost",
            [("From which jam?", labels), ("Whose ghost?", entries[0].participants)],
            chosen,
            follow=lambda _i, index: entries[index].participants,
        )
        self.ghost_dialog.open()

    async def _start_ghost(self, jam: Jam, session_id: int, name: str) -> None:
        from jamdesk.app.history import GhostRunner  # noqa: PLC0415

        app, room = self._app, self.room
        if app is None or room is None:
            return
        script = await self.bg.attempt(app.history.script(session_id, [name]), room.show_notice)
        if script is None or self.jam is not jam:
            return
        runner = GhostRunner(jam, script, follow_timer=False)
        await runner.start()
        self.ghosts.append(runner)
        self.ghost_added.emit()

    # -- the lobby ----------------------------------------------------------------------------

    async def _show_lobby(self) -> None:
        from jamdesk.app.lobby import LobbyUpdate  # noqa: PLC0415
        from jamdesk.ui.lobby_screen import LobbyScreen  # noqa: PLC0415

        name = self.start.name_edit.text().strip()
        if not name:
            self.start.show_error("Type your name first, so others in the lobby know who you are.")
            return
        self.start.show_progress("Looking around your network...")

        signal_url = self.start.signal_edit.text().strip()  # its internet lobby, listed too

        async def open_lobby() -> Lobby:
            app = await self._context()
            await self._use_name(app, name)
            return app.lobby(name=name, signal_url=signal_url)

        lobby = await self.bg.attempt(open_lobby(), self.start.show_error)
        if lobby is None:
            return
        screen = LobbyScreen(lobby.reading)
        name_inputs(screen)
        screen.back.connect(lambda: self._spawn(self._close_lobby()))
        screen.join_requested.connect(lambda code: self._spawn(self._join_from_lobby(code)))
        screen.join_internet_requested.connect(
            lambda code, url: self._spawn(self._join_from_lobby(code, url))
        )
        screen.say_requested.connect(lambda text: self._spawn(lobby.say(text)))

        def on_update(update: LobbyUpdate) -> None:
            if self.lobby_screen is not screen:
                return
            if update.rooms is not None:
                screen.show_rooms(update.rooms)
            if update.chat is not None:
                screen.show_chat(update.chat)
            if update.people is not None:
                screen.show_people(update.people)
            if update.notice is not None:
                screen.show_message(update.notice)
            refused = update.jam_update.refused if update.jam_update else None
            if refused is not None:
                screen.show_message(refused.reason)

        lobby.subscribe(on_update)
        self.lobby, self.lobby_screen = lobby, screen
        self.start.clear_status()
        self.nav.open(screen)
        await self.bg.attempt(lobby.start(), screen.show_message)
        self.lobby_shown.emit()

    async def _close_lobby(self) -> None:
        lobby, screen = self.lobby, self.lobby_screen
        self.lobby, self.lobby_screen = None, None
        self.nav.close(screen, self.start)
        if lobby is not None:
            await lobby.close()

    async def _join_from_lobby(self, code: str, signal_url: str = "") -> None:
        self.start.code_edit.setText(code.upper())
        await self._close_lobby()
        name = self.start.name_edit.text().strip() or "Student"
        await self._join(JoinForm(name=name, code=code, address="", signal_url=signal_url))

    # -- screens ----------------------------------------------------------------------------------

    def _enter(self, jam: Jam) -> None:
        from jamdesk.ui.room_screen import RoomScreen  # noqa: PLC0415 - imports the app layer

        self.jam = jam
        self._farewell = None
        self.start.clear_status()
        self.room = RoomScreen(jam, self._app.tasks if self._app is not None else None)
        self.room.leave_requested.connect(lambda: self._spawn(self._leave()))
        self.room.summary_requested.connect(self._show_summary)
        self.room.ghost_requested.connect(lambda: self._spawn(self._add_ghost()))
        name_inputs(self.room)
        self._spawn(self._open_sound(jam, self.room))
        jam.subscribe(self._on_update)
        self.nav.open(self.room)
        self.presence.follow(jam)  # the title, the tray and alerts follow the jam now
        if jam.advert_problem:
            self.room.show_notice(jam.advert_problem)
        if jam.hosting and jam.signal_url:
            from jamdesk.app.context import join_link  # noqa: PLC0415 - loaded with the context

            link = join_link(jam.signal_url, jam.code, jam.relay_id)
            self.room.show_notice(f"Over the internet, friends join with this link: {link}")
        self._remember_signal_url(jam.signal_url)
        log.info("entered room %s as %s", jam.code, jam.role.value)
        self.room_entered.emit()

    async def _open_sound(self, jam: Jam, room: RoomScreen) -> None:
        """Start this computer's sound for the jam (after the room is on screen)."""
        from jamdesk.app.audio import open_sound  # noqa: PLC0415 - pygame: after paint

        folders = [Path(f) for f in getattr(self._args, "music_folder", None) or []]
        sound = await open_sound(jam, folders, on_notice=room.show_notice)
        if self.jam is not jam or self.room is not room:  # left already
            await sound.close()
            return
        self.sound = sound
        room.attach_sound(sound)

    def _remember_signal_url(self, url: str) -> None:
        """Keep the signalling URL for next time (Qt's per-user settings: a UI preference)."""
        if url:
            self.prefs.signal_url = url

    async def _use_name(self, app: AppContext, name: str) -> None:
        """Use ``name`` in the profile and keep it for the next start."""
        await app.use_name(name)
        self.prefs.name = name

    def _on_update(self, update: JamUpdate) -> None:
        if not update.closed:
            return
        jam = self.jam
        if jam is not None and not self._farewell and jam.state.lifecycle is Lifecycle.ENDED:
            self._show_summary()  # the host ended the jam: show what everyone did
            return
        message = self._farewell or update.notice
        if self._farewell and update.notice and update.host_changed:
            message = f"{self._farewell} {update.notice}"
        self._back_to_start(message)

    def _show_summary(self) -> None:
        from jamdesk.core.summary import summarize  # noqa: PLC0415 - only when a jam ends
        from jamdesk.ui.summary_screen import SummaryScreen  # noqa: PLC0415

        jam, room = self.jam, self.room
        if jam is None or room is None:
            return
        self.summary = SummaryScreen(summarize(jam.events, jam.room_now_ms()), jam.me)
        self.summary.closed.connect(lambda: self._spawn(self._close_summary()))
        self.nav.open(self.summary)
        self.summary_shown.emit()

    async def _close_summary(self) -> None:
        jam = self.jam
        if jam is not None and not jam.closed:
            self._farewell = "The jam is saved on this computer."
            await jam.leave()
        summary, self.summary = self.summary, None
        self._back_to_start("The jam is saved on this computer.")
        self.nav.close(summary)

    async def _leave(self) -> None:
        jam = self.jam
        if jam is None:
            return
        # A host with others present hands the room over; alone (or ended), it ends the jam.
        ending = jam.hosting and (
            jam.state.lifecycle is Lifecycle.ENDED or jam.state.present_count <= 1
        )
        self._farewell = (
            "You ended the jam; it is saved on this computer." if ending else "You left the jam."
        )
        await jam.leave()
        self._back_to_start(self._farewell)

    def _back_to_start(self, message: str | None) -> None:
        runners, self.ghosts = self.ghosts, []
        for runner in runners:
            self._spawn(runner.stop())
        sound, self.sound = self.sound, None
        if sound is not None:
            self._spawn(sound.close())
        room, self.room, self.jam = self.room, None, None
        if room is None:
            return
        notice = message or (room.notice.text() if room.notice.isVisible() else "")
        self.start.clear_status()
        room.detach()
        self.nav.close(room)
        self.presence.stop()
        if notice:
            self.start.show_progress(notice)
            self.start.set_busy(False)
        self.room_left.emit()

    async def shutdown(self) -> None:
        """Leave the lobby, close the jam (interrupted, not ended) and the database."""
        self.presence.close()
        if self.lobby is not None:
            await self.lobby.close()
            self.lobby = None
        for runner in self.ghosts:
            await runner.stop()
        if self.sound is not None:
            await self.sound.close()
            self.sound = None
        if self.jam is not None:
            await self.jam.close()
        if self._app is not None:
            await self._app.close()
            self._app = None
