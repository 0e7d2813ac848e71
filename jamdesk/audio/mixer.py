"""pygame's mixer behind a small interface (docs/ARCHITECTURE.md, "Audio").

:class:`Mixer` plays the ambient layers, each looping on its own channel with its own volume,
and one music track that can be started at any position, paused, resumed and sought. It knows
nothing of rooms: the synced player (app layer) tells it where the music should be.

pygame facts this relies on (measured, docs/ARCHITECTURE.md "Stack notes"): ``mixer.init()``
fails on a computer with no sound device unless ``SDL_AUDIODRIVER`` is ``dummy`` or ``disk``
(both play in real time); ``music.play(start=s)`` seeks correctly in WAV, OGG and FLAC;
``music.get_pos()`` counts from ``play()``, ignores ``start``, and (measured here) runs about
0.3 % fast against the samples really played, enough to trigger a needless correction every
~13 s. So the
position is kept here as the start position plus the monotonic time since ``play()``: the
output keeps real time (the disk driver's capture kept within 0.06 % of the wall clock).
pygame is imported on first use (it costs about 0.27 s), with its greeting on stdout switched
off: headless stdout carries JSON only.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType

log = logging.getLogger(__name__)

RATE = 44_100
"""Output samples per second (stereo, 16-bit)."""
BUFFER = 1_024
"""Mixer buffer in samples: about 23 ms of latency at :data:`RATE`."""


class AudioUnavailableError(RuntimeError):
    """Sound cannot be played on this computer; the message says so in plain words."""


def _pygame() -> ModuleType:
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame  # noqa: PLC0415 - heavy and optional at start-up

    return pygame


class Mixer:
    """The sound output of this computer.

    Args:
        layers: the ambient layers' sound files by layer name (each loops seamlessly).

    Raises :class:`AudioUnavailableError` when there is no sound device. Opening decodes the
    layers' loops into memory (about 0.3 s for the shipped four): do it off the event loop.
    ``opened_at`` is the monotonic instant (s) the output began.
    """

    def __init__(self, layers: Mapping[str, Path]) -> None:
        pygame = _pygame()
        try:
            pygame.mixer.pre_init(RATE, -16, 2, BUFFER)
            pygame.mixer.init()
            self.opened_at = time.monotonic()  # the output starts playing (silence) now
            pygame.mixer.set_num_channels(max(8, len(layers) + 2))
        except pygame.error as exc:
            raise AudioUnavailableError(
                f"Sound is off: this computer has no sound device Jamdesk can use ({exc})."
            ) from exc
        self._pg = pygame
        self._layers: dict[str, object] = {}
        self._channels: dict[str, object] = {}
        for index, (name, path) in enumerate(layers.items()):
            self._layers[name] = pygame.mixer.Sound(str(path))
            self._channels[name] = pygame.mixer.Channel(index)
        self._music: Path | None = None
        self._music_start_ms = 0
        self._music_started = time.monotonic()
        self._music_paused_at: int | None = None
        self._volume = 1.0
        self._music_level = 1.0
        self._levels: dict[str, int] = {}
        self._chime_channel = pygame.mixer.Channel(len(layers))  # reserved: never a layer
        self._chimes: dict[Path, object] = {}

    # -- ambient layers ----------------------------------------------------------------------------

    def set_layers(self, levels: Mapping[str, int]) -> None:
        """Set each named layer's level, 0 to 100 (0 stops it; others loop from where they
        are). Unknown names are ignored."""
        for name, level in levels.items():
            sound, channel = self._layers.get(name), self._channels.get(name)
            if sound is None or channel is None:
                continue
            volume = max(0, min(100, level)) / 100 * self._volume
            if volume <= 0:
                channel.stop()  # type: ignore[attr-defined]
                continue
            if not channel.get_busy():  # type: ignore[attr-defined]
                channel.play(sound, loops=-1)  # type: ignore[attr-defined]
            channel.set_volume(volume)  # type: ignore[attr-defined]
        self._levels = dict(levels)

    # -- music -------------------------------------------------------------------------------------

    def play(self, path: Path, start_ms: int) -> None:
        """Play ``path`` from ``start_ms`` into it. Raises :class:`AudioUnavailableError` when the
        file cannot be played (in plain words)."""
        try:
            if path != self._music:
                self._pg.mixer.music.load(str(path))
                self._music = path
            self._pg.mixer.music.play(start=start_ms / 1000)
        except self._pg.error as exc:
            self._music = None
            raise AudioUnavailableError(f"Cannot play {path.name}: {exc}.") from exc
        self._pg.mixer.music.set_volume(self._music_level * self._volume)
        self._music_start_ms = start_ms
        self._music_started = time.monotonic()
        log.info(  # tests and benchmarks line captures up with this: keep its form
            "music from %d ms into %s at wall %d",
            start_ms,
            path.name,
            time.time_ns() // 1_000_000,
        )
        self._music_paused_at = None

    @staticmethod
    def seek_step_ms(path: Path) -> int:
        """The finest position ``play`` can start ``path`` at: SDL_mixer seeks a WAV file only
        to whole seconds (measured here: asked for 1.414 s it starts at 1.000 s; OGG, FLAC
        and MP3 land on the millisecond)."""
        return 1_000 if path.suffix.lower() == ".wav" else 1

    def pause(self) -> None:
        """Pause the music where it is."""
        if self._music is not None and self._music_paused_at is None:
            self._music_paused_at = self.position_ms()
            self._pg.mixer.music.pause()

    def stop(self) -> None:
        """Stop the music (the layers go on)."""
        self._pg.mixer.music.stop()
        self._music = None
        self._music_paused_at = None

    @property
    def playing(self) -> Path | None:
        """The file playing now (``None`` when stopped or paused)."""
        if self._music is None or self._music_paused_at is not None:
            return None
        return self._music if self._pg.mixer.music.get_busy() else None

    def position_ms(self) -> int | None:
        """Where the music is now (ms into the file), ``None`` with none loaded."""
        if self._music is None:
            return None
        if self._music_paused_at is not None:
            return self._music_paused_at
        played = round((time.monotonic() - self._music_started) * 1000)
        return self._music_start_ms + max(0, played)

    # -- alerts ------------------------------------------------------------------------------------

    def chime(self, path: Path, volume: float) -> None:
        """Play ``path`` once at ``volume`` (0.0 to 1.0) on a channel of its own, over the
        layers and the music (a chime still playing starts again). The file is decoded on
        first use and kept. Raises :class:`AudioUnavailableError` when it cannot be read."""
        sound = self._chimes.get(path)
        if sound is None:
            try:
                sound = self._pg.mixer.Sound(str(path))
            except (self._pg.error, FileNotFoundError) as exc:
                raise AudioUnavailableError(f"Cannot play the chime {path.name}: {exc}.") from exc
            self._chimes[path] = sound
        self._chime_channel.set_volume(max(0.0, min(1.0, volume)))
        self._chime_channel.play(sound)
        log.info("chime %s at volume %.2f", path.name, volume)

    # -- personal volume ---------------------------------------------------------------------------

    def set_volume(self, volume: float, music: float = 1.0) -> None:
        """This computer's own volume, 0.0 to 1.0 (never shared), and the music's share of it."""
        self._volume = max(0.0, min(1.0, volume))
        self._music_level = max(0.0, min(1.0, music))
        self._pg.mixer.music.set_volume(self._music_level * self._volume)
        self.set_layers(self._levels)

    def close(self) -> None:
        """Stop everything and release the sound device."""
        self._pg.mixer.quit()


def layer_files(sounds_dir: Path, names: Sequence[str]) -> dict[str, Path]:
    """The shipped loop of each named layer (``rain.ogg`` ...), those that exist."""
    return {n: sounds_dir / f"{n}.ogg" for n in names if (sounds_dir / f"{n}.ogg").is_file()}
