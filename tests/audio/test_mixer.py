"""The pygame mixer adapter, heard through SDL's disk driver: what was really played.

The disk driver writes the mixed output (16-bit stereo at 44.1 kHz) to a file in real time;
each test reads it back and checks the material by its pitch (zero crossings of a sine).
"""

from __future__ import annotations

import array
import itertools
import time
from pathlib import Path

import pytest

from jamdesk.audio.mixer import RATE, Mixer
from tests.audio.capture import tone_track

BYTES_PER_S = RATE * 2 * 2


def wait_for_output(path: Path, seconds: float, timeout_s: float = 10.0) -> bytes:
    """The first ``seconds`` of real output (after the silence before playback starts); waits
    on the file's size, which the disk driver grows in real time."""
    deadline = time.monotonic() + timeout_s
    while True:
        data = path.read_bytes() if path.exists() else b""
        left = array.array("h", data[: len(data) // 4 * 4])[::2]
        start = next((i for i, v in enumerate(left) if abs(v) > 200), None)
        if start is not None and len(left) - start >= seconds * RATE:
            return left[start : start + int(seconds * RATE)].tobytes()
        if time.monotonic() > deadline:
            raise AssertionError(f"only {len(left) / RATE:.2f} s were played")
        time.sleep(0.02)


def pitch(pcm: bytes) -> float:
    """The frequency of a sine from its zero crossings (Hz)."""
    s = array.array("h", pcm)
    crossings = sum(1 for a, b in itertools.pairwise(s) if (a < 0) != (b < 0))
    return crossings / 2 / (len(s) / RATE)


def test_music_starts_at_the_position_asked(tmp_path: Path, captured: Path) -> None:
    track = tone_track(tmp_path / "steps.wav", [440, 880, 1320])
    mixer = Mixer({})
    try:
        mixer.play(track, start_ms=1_000)  # the second second: 880 Hz
        heard = wait_for_output(captured, 0.4)
        assert pitch(heard) == pytest.approx(880, rel=0.02)
        assert mixer.position_ms() is not None
        assert 1_000 <= mixer.position_ms() <= 3_000  # type: ignore[operator]
    finally:
        mixer.close()


def test_a_layer_loops_at_its_level(tmp_path: Path, captured: Path) -> None:
    hum = tone_track(tmp_path / "hum.wav", [330], seconds_each=0.25)  # a short loop
    mixer = Mixer({"rain": hum})
    try:
        mixer.set_layers({"rain": 50})
        heard = wait_for_output(captured, 0.6)  # longer than the loop: it must go round
        assert pitch(heard) == pytest.approx(330, rel=0.02)
        peak = max(abs(v) for v in array.array("h", heard))
        assert 12_000 * 0.4 < peak < 12_000 * 0.6  # at half its level
    finally:
        mixer.close()


def test_no_sound_device_is_said_in_words(monkeypatch: pytest.MonkeyPatch) -> None:
    from jamdesk.audio.mixer import AudioUnavailableError

    monkeypatch.setenv("SDL_AUDIODRIVER", "no-such-driver")
    with pytest.raises(AudioUnavailableError, match="Sound is off"):
        Mixer({})
