"""Reading what SDL's disk driver captured, and measuring how far two captures are apart.

The disk driver writes the mixed output (16-bit stereo at 44.1 kHz) in real time (within
0.06 % of the wall clock, measured), but when its first bytes were written is not known to a
few hundred ms. So each capture is placed on this machine's wall clock by the music's first
sample: the mixer logs ``music from X ms into F at wall W`` when it starts the music, and the
first loud sample of the capture is that moment. All processes of a test share this wall
clock (their own clocks may be skewed on purpose; the wall clock is the ground truth).
"""

from __future__ import annotations

import re
import wave
from pathlib import Path

import numpy as np

RATE = 44_100


def write_wav(path: Path, samples: np.ndarray) -> Path:
    """A mono 16-bit WAV at :data:`RATE` of ``samples`` (already in 16-bit range)."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(samples.clip(-32_000, 32_000).astype("<i2").tobytes())
    return path


def tone_track(path: Path, freqs: list[int], seconds_each: float = 1.0, peak: int = 12_000) -> Path:
    """A mono WAV of pure sines, ``seconds_each`` per frequency, in order."""
    t = np.arange(int(RATE * seconds_each)) / RATE
    return write_wav(path, np.concatenate([peak * np.sin(2 * np.pi * f * t) for f in freqs]))


def noise_track(path: Path, seconds: float, seed: int = 7) -> Path:
    """Seeded white noise (any 100 ms of it matches only itself), as WAV or, for a ``.ogg``
    path, OGG Vorbis (which starts at any millisecond; a WAV only on whole seconds)."""
    rng = np.random.default_rng(seed)
    samples = rng.standard_normal(int(seconds * RATE)) * 6_000
    if path.suffix == ".ogg":
        import soundfile  # only the tests that need OGG

        data = (samples / 32_768).clip(-1, 1)
        with soundfile.SoundFile(
            path, "w", samplerate=RATE, channels=1, format="OGG", subtype="VORBIS"
        ) as out:
            for start in range(0, len(data), 8192):  # libsndfile's Vorbis encoder crashes
                out.write(data[start : start + 8192])  # on very large single writes
        return path
    return write_wav(path, samples)


def load(path: Path) -> np.ndarray:
    """The left channel of a capture, as floats."""
    data = np.frombuffer(path.read_bytes()[: path.stat().st_size // 4 * 4], dtype="<i2")
    return data[::2].astype(np.float64)


_MUSIC = re.compile(r"music from (\d+) ms into .* at wall (\d+)")


def wall_start(capture: np.ndarray, log_lines: list[str]) -> int:
    """The wall-clock instant (ms) of the capture's first sample, from the first music start
    in ``log_lines`` and the capture's first loud sample."""
    match = next(m for line in log_lines if (m := _MUSIC.search(line)))
    first_loud = int(np.flatnonzero(np.abs(capture) > 300)[0])
    return int(match.group(2)) - round(first_loud * 1000 / RATE)


def offset_ms(
    a: np.ndarray,
    a_start_ms: int,
    b: np.ndarray,
    b_start_ms: int,
    *,
    at_ms: int,
    window_ms: int = 100,
    search_ms: int = 250,
) -> tuple[float, float]:
    """How much later ``b`` played the material that ``a`` played at room instant ``at_ms``
    (ms; negative: earlier), and the match's normalised correlation (1.0: identical)."""
    n = int(window_ms * RATE / 1000)
    ia = int((at_ms - a_start_ms) * RATE / 1000)
    ib = int((at_ms - b_start_ms) * RATE / 1000)
    reach = int(search_ms * RATE / 1000)
    piece = a[ia : ia + n]
    lo = max(0, ib - reach)
    region = b[lo : ib + reach + n]
    if len(piece) < n or len(region) < n:
        raise ValueError("the captures do not cover that instant")
    corr = np.correlate(region, piece, mode="valid")
    best = int(np.argmax(corr))
    match = region[best : best + n]
    score = float(corr[best] / (np.linalg.norm(piece) * np.linalg.norm(match) + 1e-9))
    return (lo + best - ib) * 1000 / RATE, score
