"""The room's shared soundscape as an anchor on the room clock (docs/ARCHITECTURE.md, "Time",
"Audio").

Like the timer, playback is data, never a ticking position: which :class:`Track` plays,
whether it plays, the room-clock instant ``started_at_ms`` at which it was at ``position_ms``,
and the ambient layers' levels. Every member computes where the music should be with
:func:`position` and its own room-clock estimate, seeks its own player there, and corrects
drift past :data:`DRIFT_THRESHOLD_MS` (:func:`correction`). A member who joins late starts at
the right place. Pure: times are integer ms passed in.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

LAYERS: tuple[str, ...] = ("rain", "cafe", "fire", "brown")
"""The ambient layers, in the order of :attr:`AudioAnchor.layers`."""
MAX_LEVEL = 100
"""Layer levels run from 0 (off) to this."""
DRIFT_THRESHOLD_MS = 40
"""A player further than this from where it should be is sought back (well under the 50 ms
at which two people in one room would notice; Syncplay only acts past 1.5 s)."""
TRACK_ID_CHARS = 64
"""A track's id is the SHA-256 of its file, in hex: the same file has the same id everywhere."""


class AudioError(ValueError):
    """An audio change that cannot be made; the message says why in plain words."""


class Track(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A piece of music as the room knows it: members match it by ``track_id`` (the SHA-256
    of the file, lower-case hex), and show ``title``, ``artist`` and ``duration_ms``."""

    track_id: str
    title: str
    duration_ms: int
    artist: str = ""

    def __post_init__(self) -> None:
        if len(self.track_id) != TRACK_ID_CHARS or any(
            c not in "0123456789abcdef" for c in self.track_id
        ):
            raise AudioError("a track is named by the SHA-256 of its file (64 hex digits)")
        if not 0 < self.duration_ms <= 24 * 60 * 60 * 1000:
            raise AudioError("a track lasts from 1 ms to 24 hours")
        if not self.title.strip() or len(self.title) > 200 or len(self.artist) > 200:
            raise AudioError("a track needs a title of at most 200 characters")


class AudioAnchor(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The shared soundscape at rest.

    Attributes:
        track: the music chosen, or ``None`` (ambient layers only).
        playing: whether the music is playing now.
        started_at_ms: room-clock instant at which it was at ``position_ms``, while playing.
        position_ms: where the music was at ``started_at_ms`` (or is, while paused).
        layers: each ambient layer's level, 0 to :data:`MAX_LEVEL`, in :data:`LAYERS` order.
    """

    track: Track | None = None
    playing: bool = False
    started_at_ms: int | None = None
    position_ms: int = 0
    layers: tuple[int, ...] = (0,) * len(LAYERS)

    def __post_init__(self) -> None:
        if self.playing != (self.started_at_ms is not None) or (self.playing and not self.track):
            raise AudioError("playing music needs a track and a start instant")
        if self.position_ms < 0 or (self.track and self.position_ms > self.track.duration_ms):
            raise AudioError("the position must lie within the track")
        if len(self.layers) != len(LAYERS) or any(not 0 <= v <= MAX_LEVEL for v in self.layers):
            raise AudioError(f"each of the {len(LAYERS)} layers has a level from 0 to {MAX_LEVEL}")


def position(anchor: AudioAnchor, now_ms: int) -> int:
    """Where the music is at room-clock ``now_ms`` (ms into the track; 0 with no track). It
    stops at the track's end."""
    if anchor.track is None:
        return 0
    if not anchor.playing or anchor.started_at_ms is None:
        return anchor.position_ms
    return min(anchor.track.duration_ms, anchor.position_ms + max(0, now_ms - anchor.started_at_ms))


def audible(anchor: AudioAnchor, now_ms: int) -> bool:
    """Whether music should be sounding at ``now_ms`` (playing and not past its end)."""
    return (
        anchor.playing
        and anchor.track is not None
        and position(anchor, now_ms) < anchor.track.duration_ms
    )


def play(anchor: AudioAnchor, now_ms: int, track: Track | None = None) -> AudioAnchor:
    """Play ``track`` from its start, or (``None``) resume the current track where it is (from
    the start again once it has ended). Raises :class:`AudioError` with no track to play."""
    if track is not None:
        return msgspec.structs.replace(
            anchor, track=track, playing=True, started_at_ms=now_ms, position_ms=0
        )
    if anchor.track is None:
        raise AudioError("Choose a track to play first.")
    at = position(anchor, now_ms)
    if at >= anchor.track.duration_ms:
        at = 0
    return msgspec.structs.replace(anchor, playing=True, started_at_ms=now_ms, position_ms=at)


def pause(anchor: AudioAnchor, now_ms: int) -> AudioAnchor:
    """Pause the music where it is. Raises :class:`AudioError` when nothing plays."""
    if not anchor.playing:
        raise AudioError("The music is not playing.")
    return msgspec.structs.replace(
        anchor, playing=False, started_at_ms=None, position_ms=position(anchor, now_ms)
    )


def seek(anchor: AudioAnchor, position_ms: int, now_ms: int) -> AudioAnchor:
    """Move the music to ``position_ms`` (playing on if it played). Raises
    :class:`AudioError` with no track or a position outside it."""
    if anchor.track is None:
        raise AudioError("Choose a track first.")
    if not 0 <= position_ms <= anchor.track.duration_ms:
        raise AudioError("That position is outside the track.")
    started = now_ms if anchor.playing else None
    return msgspec.structs.replace(anchor, started_at_ms=started, position_ms=position_ms)


def with_levels(anchor: AudioAnchor, levels: Mapping[str, int]) -> AudioAnchor:
    """Set some layers' levels (the others keep theirs). Raises :class:`AudioError` naming
    the layers and the range on anything else."""
    unknown = sorted(set(levels) - set(LAYERS))
    if unknown:
        raise AudioError(f"There is no '{unknown[0]}' layer; the layers are {', '.join(LAYERS)}.")
    if any(not 0 <= v <= MAX_LEVEL for v in levels.values()):
        raise AudioError(f"A layer's level runs from 0 to {MAX_LEVEL}.")
    layers = tuple(levels.get(name, old) for name, old in zip(LAYERS, anchor.layers, strict=True))
    return msgspec.structs.replace(anchor, layers=layers)


def correction(
    expected_ms: int, actual_ms: int, threshold_ms: int = DRIFT_THRESHOLD_MS
) -> int | None:
    """Where to seek a player that is at ``actual_ms`` when it should be at ``expected_ms``:
    ``expected_ms`` once they differ by more than ``threshold_ms``, else ``None`` (leave it:
    seeking costs a small gap, so small drift is tolerated)."""
    return expected_ms if abs(expected_ms - actual_ms) > threshold_ms else None
