"""The window's flows beyond the room: history with Ghost Replay (:class:`HistoryFlow`) and the
profile (:class:`ProfileFlow`). Each is a part of :class:`~jamdesk.ui.window.MainWindow`
(a mixin): it opens its screens through the window's navigator, runs its work through the
window's background helper, and says its failures on its own screen."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QStackedWidget

from jamdesk.ui.background import Background
from jamdesk.ui.navigator import Navigator
from jamdesk.ui.start_screen import StartScreen

if TYPE_CHECKING:
    from collections.abc import Coroutine
    from typing import Any

    from jamdesk.app.context import AppContext
    from jamdesk.app.history import GhostRunner, HistoryEntry
    from jamdesk.app.jam import Jam
    from jamdesk.app.progress import Overview
    from jamdesk.ui.history_screen import HistoryScreen
    from jamdesk.ui.preferences import Preferences
    from jamdesk.ui.profile_screen import ProfileScreen
    from jamdesk.ui.replay_screen import ReplayScreen


class _Window:
    """What the window's flows use of it (the window itself provides it)."""

    _app: AppContext | None
    stack: QStackedWidget
    start: StartScreen
    nav: Navigator
    bg: Background
    history: HistoryScreen | None
    replay: ReplayScreen | None
    profile: ProfileScreen | None
    ghosts: list[GhostRunner]
    prefs: Preferences

    async def _context(self) -> AppContext:
        raise NotImplementedError

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        raise NotImplementedError

    def _enter(self, jam: Jam) -> None:
        raise NotImplementedError

    async def _use_name(self, app: AppContext, name: str) -> None:
        raise NotImplementedError


class HistoryFlow(_Window):
    """Past jams: the list, a jam's detail, watching a replay, a jam beside ghosts, export
    and import of replay files."""

    history_shown: SignalInstance
    replay_shown: SignalInstance

    async def _show_history(self) -> None:
        from jamdesk.ui.history_screen import HistoryScreen  # noqa: PLC0415

        self.start.show_progress("Opening your jams...")

        async def read() -> list[HistoryEntry]:
            return await (await self._context()).history.entries()

        entries = await self.bg.attempt(read(), self.start.show_error)
        if entries is None:
            return
        self.start.clear_status()
        screen = HistoryScreen(entries)
        screen.back.connect(self._close_history)
        screen.details_requested.connect(lambda sid: self._spawn(self._history_detail(sid)))
        screen.watch_requested.connect(lambda sid: self._spawn(self._watch(sid)))
        screen.beside_requested.connect(lambda sid: self._spawn(self._beside(sid)))
        screen.export_requested.connect(lambda sid, path: self._spawn(self._export_jam(sid, path)))
        screen.import_requested.connect(lambda path: self._spawn(self._import_jam(path)))
        self.history = screen
        self.nav.open(screen)
        if entries:
            await self._history_detail(entries[0].session_id)
        self.history_shown.emit()

    def _close_history(self) -> None:
        screen, self.history = self.history, None
        self.nav.close(screen, self.start)

    async def _history_detail(self, session_id: int) -> None:
        if self._app is None or self.history is None:
            return
        try:
            summary, lines = await self._app.history.detail(session_id)
        except LookupError:
            self.history.show_message("This jam has no events yet.")
            return
        if self.history is not None:
            self.history.show_detail(summary, lines)

    async def _watch(self, session_id: int) -> None:
        from jamdesk.app.history import ReplayView  # noqa: PLC0415
        from jamdesk.ui.replay_screen import ReplayScreen  # noqa: PLC0415

        if self._app is None or self.history is None:
            return
        chosen = self.history.chosen_people()
        opening = self._app.history.open_replay(session_id, chosen)
        stream = await self.bg.attempt(opening, self.history.show_message)
        if stream is None:
            return
        screen = ReplayScreen(
            stream.script(), ReplayView(stream.events), stream.playhead, everyone=False
        )

        async def read_the_rest() -> None:  # a long jam is read while it already plays
            await stream.fill()
            screen.more_arrived()

        self._spawn(read_the_rest())
        screen.back.connect(self._close_replay)
        self.replay = screen
        self.nav.open(screen)
        self.replay_shown.emit()

    def _close_replay(self) -> None:
        screen, self.replay = self.replay, None
        self.nav.close(screen, self.history or self.start)

    async def _beside(self, session_id: int) -> None:
        if self._app is None or self.history is None:
            return
        self.history.show_message("Starting your jam beside the ghosts...")
        starting = self._app.replay_beside(session_id, self.history.chosen_people())
        started = await self.bg.attempt(starting, self.history.show_message)
        if started is None:
            return
        jam, runner = started
        self.ghosts.append(runner)
        self._close_history()
        self._enter(jam)

    async def _export_jam(self, session_id: int, path: Path) -> None:
        if self._app is None or self.history is None:
            return
        try:
            await self._app.history.export(session_id, path)
        except (LookupError, OSError) as exc:
            self.history.show_message(f"Could not export: {exc}")
            return
        self.history.show_message(f"Saved to {path}. Send it to a friend to replay.")

    async def _import_jam(self, path: Path) -> None:
        app, history = self._app, self.history
        if app is None or history is None:
            return

        async def add() -> list[HistoryEntry]:
            await app.history.import_file(path)
            return await app.history.entries()

        entries = await self.bg.attempt(add(), history.show_message)
        if entries is None:
            return
        history.entries = entries
        history.apply_filters()
        history.show_message(f"Imported {path.name}.")


class ProfileFlow(_Window):
    """The profile: level, EXP, stats and heatmap; name and colour; export and deletion."""

    profile_shown: SignalInstance

    async def _show_profile(self) -> None:
        from jamdesk.ui.profile_screen import ProfileScreen  # noqa: PLC0415

        self.start.show_progress("Checking your history...")

        async def check() -> tuple[AppContext, list[int], Overview]:
            app = await self._context()
            repaired = await app.progress.verify()  # the tamper check: recompute from logs
            return app, repaired, await app.progress.overview()

        checked = await self.bg.attempt(check(), self.start.show_error)
        if checked is None:
            return
        app, repaired, overview = checked
        self.start.clear_status()
        screen = ProfileScreen(
            overview, app.profile.display_name, app.profile.avatar_color, len(repaired)
        )
        screen.back.connect(self._close_profile)
        screen.rename_requested.connect(lambda name: self._spawn(self._rename(name)))
        screen.color_requested.connect(lambda color: self._spawn(self._recolor(color)))
        screen.export_data_requested.connect(lambda path: self._spawn(self._export(path)))
        screen.delete_requested.connect(lambda: self._spawn(self._delete_everything()))
        self.profile = screen
        self.nav.open(screen)
        self.profile_shown.emit()

    def _forget_preferences(self) -> None:
        """Delete everything also forgets this computer's Jamdesk settings."""
        self.prefs.clear()
        self.start.signal_edit.clear()

    def _close_profile(self, message: str | None = None) -> None:
        screen, self.profile = self.profile, None
        self.nav.close(screen)
        if message:
            self.start.show_progress(message)
            self.start.set_busy(False)

    async def _rename(self, name: str) -> None:
        from jamdesk.core.rules import valid_name  # noqa: PLC0415

        clean = valid_name(name)
        if self._app is None or self.profile is None:
            return
        if clean is None:
            self.profile.show_message("Choose a name of 1 to 40 characters.")
            return
        await self._use_name(self._app, clean)
        self.start.name_edit.setText(clean)
        self.profile.set_avatar(clean, self._app.profile.avatar_color)
        self.profile.show_message("Name saved.")

    async def _recolor(self, color: str) -> None:
        if self._app is None or self.profile is None:
            return
        await self._app.use_color(color)
        self.profile.set_avatar(self._app.profile.display_name, color)

    async def _export(self, path: Path) -> None:
        if self._app is None or self.profile is None:
            return
        try:
            await self._app.progress.export(path)
        except OSError as exc:
            self.profile.show_message(f"Could not write {path}: {exc.strerror or exc}.")
            return
        self.profile.show_message(f"Everything Jamdesk keeps about you is in {path}.")

    async def _delete_everything(self) -> None:
        app = self._app
        if app is None:
            return
        self._app = None  # a fresh profile is made the next time one is needed
        try:
            await app.delete_everything()
        except OSError as exc:
            self._close_profile(
                "Your jams, tasks and progress were deleted, but the empty database file could "
                f"not be removed: {exc.strerror or exc}."
            )
            return
        finally:
            self._forget_preferences()  # the signalling URL, the window's place, the theme
        self._close_profile("All your Jamdesk data was deleted from this computer.")
