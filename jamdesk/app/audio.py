"""Sound for a jam: the music library of this computer, and the player that keeps this
computer's sound in step with the room (docs/ARCHITECTURE.md, "Time": audio is an anchor).

:class:`MusicLibrary` knows the tracks this computer can play: the bundled ones and any folder
the student picks (OGG, MP3, FLAC, WAV), each named by the SHA-256 of its file so the same
file matches on every computer, with its title, artist and length from its tags (mutagen).

:class:`SyncedPlayer` follows a :class:`~jamdesk.app.jam.Jam`: on every change of the room's
audio anchor, and every :data:`CHECK_S`, it computes where the music should be on the room
clock, starts the right track there, and seeks back when this computer has drifted past
:data:`~jamdesk.core.audio.DRIFT_THRESHOLD_MS`. A track this computer lacks is said once, in
words, and the ambient layers play on. The personal volume and mute are never sent anywhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from jamdesk.app.jam import Jam
from jamdesk.app.jam_state import JamUpdate
from jamdesk.audio.mixer import AudioUnavailableError, Mixer, layer_files
from jamdesk.core import audio
from jamdesk.core.audio import LAYERS, AudioError, Track

log = logging.getLogger(__name__)

CHECK_S = 0.25
"""How often the player compares where it is with where the room says it should be."""
AUDIO_SUFFIXES = (".ogg", ".mp3", ".flac", ".wav")
BUNDLED_MUSIC = ("morning-pages.ogg", "library-window.ogg", "late-chapter.ogg")
"""The shipped music tracks in ``resources/sounds``, in the library's order."""
CHIME_FILE = "chime.ogg"
"""The phase-change chime in ``resources/sounds``."""


def sounds_dir() -> Path:
    """The folder of the shipped sounds (``resources/sounds``, installed with the package)."""
    return Path(str(resources.files("jamdesk.resources").joinpath("sounds")))


def shipped_sound_files() -> list[str]:
    """Every file this module loads from :func:`sounds_dir` (names in it): the ambient
    layers' loops, the music and the chime. The packaging tests check each is in the wheel
    and the bundle."""
    return [f"{layer}.ogg" for layer in LAYERS] + list(BUNDLED_MUSIC) + [CHIME_FILE]


@dataclass(frozen=True)
class LibraryTrack:
    """A track this computer can play: what the room knows of it, and its file here."""

    track: Track
    path: Path
    bundled: bool


def read_track(path: Path) -> Track:
    """The :class:`Track` of an audio file: SHA-256 of its bytes, title and artist from its
    tags (the file name when untagged), length from the stream. Raises ``ValueError`` in
    words for a file that is not audio Jamdesk can read, ``OSError`` when it cannot be read."""
    import mutagen  # noqa: PLC0415 - only when tracks are read

    digest = hashlib.sha256()
    with path.open("rb") as source:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
    try:
        tagged = mutagen.File(str(path), easy=True)
    except mutagen.MutagenError as exc:
        raise ValueError(f"{path.name} is not an audio file Jamdesk can read.") from exc
    if tagged is None or not getattr(tagged.info, "length", 0):
        raise ValueError(f"{path.name} is not an audio file Jamdesk can read.")
    tags = tagged.tags or {}
    title = (tags.get("title") or [path.stem])[0][:200] or path.stem
    artist = (tags.get("artist") or [""])[0][:200]
    try:
        return Track(
            track_id=digest.hexdigest(),
            title=title,
            artist=artist,
            duration_ms=round(float(tagged.info.length) * 1000),
        )
    except AudioError as exc:
        raise ValueError(f"{path.name}: {exc}") from exc


class MusicLibrary:
    """The tracks this computer can play, by id. Reading files happens off the event loop
    (:meth:`load`, :meth:`add_folder`)."""

    def __init__(self) -> None:
        self._tracks: dict[str, LibraryTrack] = {}

    @property
    def tracks(self) -> list[LibraryTrack]:
        """Every track, bundled first, in the order added."""
        return list(self._tracks.values())

    def find(self, track_id: str) -> LibraryTrack | None:
        """The track with this id (SHA-256), if this computer has it."""
        return self._tracks.get(track_id)

    def by_name(self, text: str) -> LibraryTrack | None:
        """A track by id, title or file name (any case)."""
        wanted = text.strip().casefold()
        for item in self._tracks.values():
            names = (item.track.track_id, item.track.title.casefold(), item.path.name.casefold())
            if wanted in names or wanted == item.path.stem.casefold():
                return item
        return None

    async def load(self, folders: Iterable[Path] = ()) -> list[str]:
        """Read the bundled tracks and ``folders``; returns a problem per unreadable file."""

        def bundled() -> list[Path]:
            paths = [sounds_dir() / name for name in BUNDLED_MUSIC]
            return [p for p in paths if p.is_file()]

        problems = await self._add(bundled, bundled=True)
        for folder in folders:
            problems += await self.add_folder(folder)
        return problems

    async def add_folder(self, folder: Path) -> list[str]:
        """Add every audio file in ``folder`` (not its subfolders); returns a problem in words
        per file that could not be read (the others are added)."""

        def listing() -> list[Path]:
            return sorted(p for p in folder.iterdir() if p.suffix.lower() in AUDIO_SUFFIXES)

        return await self._add(listing, bundled=False)

    async def _add(self, listing: Callable[[], list[Path]], *, bundled: bool) -> list[str]:
        def read_all() -> tuple[list[LibraryTrack], list[str]]:
            found: list[LibraryTrack] = []
            problems: list[str] = []
            try:
                files = listing()
            except OSError as exc:
                return [], [f"Cannot open that folder: {exc.strerror or exc}."]
            for path in files:
                try:
                    found.append(LibraryTrack(read_track(path), path, bundled))
                except (ValueError, OSError) as exc:
                    problems.append(str(exc))
            return found, problems

        found, problems = await asyncio.get_running_loop().run_in_executor(None, read_all)
        for item in found:
            self._tracks.setdefault(item.track.track_id, item)
        return problems


def open_mixer() -> tuple[Mixer | None, str | None]:
    """The sound output with the shipped ambient layers, or ``None`` and why sound is off."""
    try:
        return Mixer(layer_files(sounds_dir(), LAYERS)), None
    except AudioUnavailableError as exc:
        log.warning("%s", exc)
        return None, str(exc)


class SyncedPlayer:
    """Plays the room's soundscape on this computer, in step with everyone.

    Args:
        jam: the jam to follow (its ``state.audio`` and room clock).
        library: the tracks this computer has.
        mixer: the sound output (``None``: sound is off; the player only keeps its state).
        on_notice: called with a sentence for the student (a missing track, a file that
            would not play).
    """

    def __init__(
        self,
        jam: Jam,
        library: MusicLibrary,
        mixer: Mixer | None,
        on_notice: Callable[[str], None] = lambda _m: None,
    ) -> None:
        self.jam = jam
        self.library = library
        self.mixer = mixer
        self._on_notice = on_notice
        self._said_missing: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._volume = 1.0
        self._muted = False
        self.seeks = 0  # drift corrections made (for tests and benchmarks)
        self._pending: asyncio.TimerHandle | None = None  # a start held for a whole second
        self._layers: tuple[int, ...] | None = None  # the levels the mixer was last given
        self._changed = asyncio.Event()  # set by each update: wakes an idle loop

    def start(self) -> None:
        """Follow the room from now on."""
        self._unsubscribe = self.jam.subscribe(self._on_update)
        self._task = asyncio.create_task(self._loop(), name="jamdesk-audio")
        self.follow()

    async def stop(self) -> None:
        """Stop following and silence this computer."""
        self._cancel_pending()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.mixer is not None:
            self.mixer.stop()
            self.mixer.set_layers(dict.fromkeys(LAYERS, 0))
            self._layers = None

    def set_volume(self, volume: float) -> None:
        """This computer's volume, 0.0 to 1.0 (never shared)."""
        self._volume = max(0.0, min(1.0, volume))
        self._apply_volume()

    def set_muted(self, muted: bool) -> None:
        """Mute this computer only."""
        self._muted = muted
        self._apply_volume()

    @property
    def volume(self) -> float:
        """This computer's volume, 0.0 to 1.0."""
        return self._volume

    @property
    def muted(self) -> bool:
        """Whether this computer is muted."""
        return self._muted

    def heard_ms(self) -> int | None:
        """Where this computer's music is now (``None`` when none plays)."""
        if self.mixer is None or self.mixer.playing is None:
            return None
        return self.mixer.position_ms()

    def follow(self) -> None:
        """Bring this computer's sound to where the room says it should be now."""
        anchor = self.jam.state.audio
        if self.mixer is None:
            return
        if anchor.layers != self._layers:  # follow() runs 4 times a second: only on change
            self._layers = anchor.layers
            self.mixer.set_layers(dict(zip(LAYERS, anchor.layers, strict=True)))
        now = self.jam.room_now_ms()
        item = self.library.find(anchor.track.track_id) if anchor.track else None
        if (
            anchor.track is not None
            and item is None
            and self._said_missing != anchor.track.track_id
        ):
            self._said_missing = anchor.track.track_id
            self._on_notice(
                f"You don't have “{anchor.track.title}” on this computer, so you hear the "
                "ambient sounds only."
            )
        if item is None or not audio.audible(anchor, now):
            if self.mixer.playing is not None:
                self.mixer.pause()
            return
        if self._pending is not None:
            return  # a start is already timed for the next whole second
        expected = audio.position(anchor, now)
        if self.mixer.playing != item.path:
            self._play(item, expected)
            return
        actual = self.mixer.position_ms()
        target = audio.correction(expected, actual if actual is not None else -1)
        if target is not None:
            self.seeks += 1
            log.info("music drifted %s ms; seeking", (actual or 0) - expected)
            self._play(item, target)

    def _play(self, item: LibraryTrack, at_ms: int) -> None:
        """Start ``item`` at ``at_ms``; a file that can start only on whole seconds (WAV) waits
        in silence for the next one, so that it starts in step rather than early."""
        assert self.mixer is not None
        step = self.mixer.seek_step_ms(item.path)
        if at_ms % step:
            target = -(-at_ms // step) * step
            self.mixer.pause()
            self._pending = asyncio.get_running_loop().call_later(
                (target - at_ms) / 1000, self._play_held, item
            )
            return
        self._start(item, at_ms)

    def _play_held(self, item: LibraryTrack) -> None:
        self._pending = None
        anchor = self.jam.state.audio
        if self.mixer is None or anchor.track is None or anchor.track != item.track:
            return
        at = audio.position(anchor, self.jam.room_now_ms())
        step = self.mixer.seek_step_ms(item.path)
        self._start(item, round(at / step) * step)  # on the second, give or take

    def _start(self, item: LibraryTrack, at_ms: int) -> None:
        """Start the mixer now; a file that will not play is said in words."""
        assert self.mixer is not None
        try:
            self.mixer.play(item.path, at_ms)
        except AudioUnavailableError as exc:
            self._on_notice(str(exc))

    def _cancel_pending(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None

    def _apply_volume(self) -> None:
        if self.mixer is not None:
            self.mixer.set_volume(0.0 if self._muted else self._volume)

    def _on_update(self, update: JamUpdate) -> None:
        if update.events or update.host_changed:
            self._changed.set()  # the loop looks again (music may have started)
        if any(e.kind in ("audio_changed", "room_ended") for e in update.events):
            self._cancel_pending()
            self.follow()
        if update.closed:
            self._silence()

    def _silence(self) -> None:
        """The jam closed: stop following and stop the music (no await: from a listener)."""
        self._cancel_pending()
        if self._task is not None:
            self._task.cancel()
        if self.mixer is not None:
            self.mixer.stop()

    async def _loop(self) -> None:
        """Keep the music in step while it plays; with no music the loop sleeps until the
        room's sound changes (an idle room costs no wake-ups: benchmarks/idle_cpu.py)."""
        while True:
            if not self.jam.state.audio.playing:
                self._changed.clear()
                await self._changed.wait()
            await asyncio.sleep(CHECK_S)
            try:
                self.follow()
            except Exception:
                log.exception("keeping the sound in step failed")


@dataclass
class Sound:
    """This computer's sound for one jam: its library, its player (``None`` when sound is
    off) and, then, why (in words)."""

    library: MusicLibrary
    player: SyncedPlayer | None
    off_reason: str | None
    problems: list[str]

    def chime(self, volume: float) -> bool:
        """Play the phase-change chime (``resources/sounds/chime.ogg``) at ``volume``, 0.0
        to 1.0, unless sound is off or this computer is muted. Returns whether it played;
        a chime that cannot play is logged, never raised (an alert must not break a jam)."""
        if self.player is None or self.player.mixer is None or self.player.muted:
            return False
        try:
            self.player.mixer.chime(sounds_dir() / CHIME_FILE, volume)
        except AudioUnavailableError as exc:
            log.warning("%s", exc)
            return False
        return True

    async def close(self) -> None:
        """Stop the player and release the sound device."""
        if self.player is not None:
            await self.player.stop()
            if self.player.mixer is not None:
                self.player.mixer.close()


async def open_sound(
    jam: Jam,
    folders: Iterable[Path] = (),
    *,
    enabled: bool = True,
    on_notice: Callable[[str], None] = lambda _m: None,
) -> Sound:
    """Read the library (bundled tracks and ``folders``), open the sound output (both off the
    event loop: the UI and the network never wait on them) and start following ``jam``. Sound
    that cannot play is reported in ``off_reason``, never raised: the jam goes on without it."""
    library = MusicLibrary()
    problems = await library.load(folders)
    if not enabled:
        return Sound(library, None, "Sound is off (--no-sound).", problems)
    mixer, reason = await asyncio.get_running_loop().run_in_executor(None, open_mixer)
    if mixer is None:
        return Sound(library, None, reason, problems)
    player = SyncedPlayer(jam, library, mixer, on_notice)
    player.start()
    return Sound(library, player, None, problems)
