"""The shared soundscape as an anchor: exact positions at exact instants, and the room's rules."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jamdesk.core import audio
from jamdesk.core.audio import AudioAnchor, AudioError, Track
from jamdesk.core.commands import AudioLayers, AudioPause, AudioPlay, AudioSeek
from jamdesk.core.events import AudioChanged
from jamdesk.core.rules import Rejected, decide
from jamdesk.core.timeline import describe
from tests.factories import room_log

DAWN = Track(track_id="d" * 64, title="Dawn", duration_ms=120_000, artist="Jamdesk")
RAIN = Track(track_id="e" * 64, title="Rain song", duration_ms=90_000)


def test_play_pause_seek_and_resume_at_exact_instants() -> None:
    a = audio.play(AudioAnchor(), 1_000, DAWN)
    assert audio.position(a, 1_000) == 0
    assert audio.position(a, 31_000) == 30_000
    a = audio.pause(a, 31_000)
    assert audio.position(a, 99_000) == 30_000  # paused: the position holds
    a = audio.seek(a, 60_000, 99_000)
    assert (a.playing, audio.position(a, 200_000)) == (False, 60_000)
    a = audio.play(a, 100_000)  # resume where it is
    assert audio.position(a, 110_000) == 70_000
    a = audio.seek(a, 5_000, 110_000)  # a seek while playing plays on from there
    assert audio.position(a, 111_000) == 6_000


def test_the_music_stops_at_its_end_and_plays_again_from_the_start() -> None:
    a = audio.play(AudioAnchor(), 0, DAWN)
    assert audio.position(a, 500_000) == DAWN.duration_ms
    assert not audio.audible(a, 500_000)
    again = audio.play(a, 500_000)
    assert audio.position(again, 501_000) == 1_000


@given(
    start=st.integers(0, 10**12),
    offset=st.integers(0, 120_000),
    later=st.integers(0, 10**7),
)
def test_everyone_computes_the_same_position_from_the_same_anchor(
    start: int, offset: int, later: int
) -> None:
    a = audio.seek(audio.play(AudioAnchor(), start, DAWN), offset, start)
    pos = audio.position(a, start + later)
    assert pos == min(DAWN.duration_ms, offset + later)
    wire = msgspec.json.decode(msgspec.json.encode(a), type=AudioAnchor)
    assert audio.position(wire, start + later) == pos


@pytest.mark.parametrize(
    ("expected", "actual", "seek"),
    [(10_000, 10_000, None), (10_000, 10_040, None), (10_000, 10_041, 10_000), (5_000, 0, 5_000)],
)
def test_drift_past_the_threshold_is_corrected(
    expected: int, actual: int, seek: int | None
) -> None:
    assert audio.correction(expected, actual) == seek


def test_layers_keep_the_levels_not_named() -> None:
    a = audio.with_levels(AudioAnchor(), {"rain": 60, "fire": 25})
    assert a.layers == (60, 0, 25, 0)
    assert audio.with_levels(a, {"rain": 0}).layers == (0, 0, 25, 0)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda a: audio.pause(a, 0), "not playing"),
        (lambda a: audio.play(a, 0), "Choose a track"),
        (lambda a: audio.seek(audio.play(a, 0, DAWN), 120_001, 0), "outside the track"),
        (lambda a: audio.with_levels(a, {"thunder": 10}), "no 'thunder' layer"),
        (lambda a: audio.with_levels(a, {"rain": 101}), "from 0 to 100"),
    ],
)
def test_impossible_changes_are_refused_in_words(change: object, words: str) -> None:
    with pytest.raises(AudioError, match=words):
        change(AudioAnchor())  # type: ignore[operator]


@pytest.mark.parametrize("track_id", ["x" * 64, "a" * 63, "A" * 64])
def test_a_track_is_named_by_a_sha256(track_id: str) -> None:
    with pytest.raises(AudioError, match="SHA-256"):
        Track(track_id=track_id, title="t", duration_ms=1)


def test_the_room_carries_the_soundscape_and_the_timeline_says_what_changed() -> None:
    log = room_log()
    host = log.state.host_id
    for at, cmd in enumerate(
        [
            AudioPlay(track=DAWN),
            AudioLayers(levels={"rain": 40}),
            AudioPause(),
            AudioSeek(position_ms=61_000),
            AudioPlay(),
            AudioPlay(track=RAIN),
        ],
        start=1,
    ):
        bodies = decide(log.state, host, cmd, at * 1_000)
        assert not isinstance(bodies, Rejected), bodies
        assert [type(b) for b in bodies] == [AudioChanged]
        log.append(host, bodies, at * 1_000)
    texts = [describe(before, e) for before, e in _pairs(log)]
    assert texts[-6:] == [
        "Ana played “Dawn”",
        "Ana set the ambience: rain 40%",
        "Ana paused “Dawn”",
        "Ana moved “Dawn” to 1:01",
        "Ana resumed “Dawn”",
        "Ana played “Rain song”",
    ]
    assert log.state.audio.track == RAIN
    assert audio.position(log.state.audio, 7_500) == 1_500


def test_a_refused_audio_change_leaves_the_room_as_it_was() -> None:
    log = room_log()
    before = log.state
    result = decide(before, before.host_id, AudioPause(), 0)
    assert isinstance(result, Rejected)
    assert (result.code, result.reason) == ("bad_audio", "The music is not playing.")
    assert log.state == before


def _pairs(log):  # type: ignore[no-untyped-def]
    from jamdesk.core.room import apply

    state = None
    for event in log.events:
        yield state, event
        state = apply(state, event)
