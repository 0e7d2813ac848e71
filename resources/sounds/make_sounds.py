"""Make the sounds Jamdesk ships: four ambient loops, three calm music tracks and the
phase-change chime, as OGG.

Everything is synthesised here from fixed seeds, so the files are ours to license and the
output is reproducible: ``python resources/sounds/make_sounds.py`` (needs numpy and soundfile:
``pip install -e '.[sounds]'``) makes the same samples every time (the OGG container's stream
serial number is random, so the files' bytes, and so their SHA-256 track ids, differ: the
committed files are the ones every copy of Jamdesk ships and matches by).

Ambient loops are made periodic by construction: noise is shaped in the frequency domain
(``rfft``/``irfft`` of the whole loop, which is circular), and every droplet, crackle or clink
wraps around the loop's end, so the loop point is seamless.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import soundfile as sf

RATE = 32_000
"""Samples per second (mono): plenty for rain and soft music, and small files."""
LOOP_S = 20
HERE = Path(__file__).resolve().parent
Array = np.ndarray


def shaped_noise(rng: np.random.Generator, seconds: float, curve: object) -> Array:
    """White noise shaped by ``curve(freq_hz) -> gain`` over the whole (periodic) signal."""
    n = int(seconds * RATE)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / RATE)
    spectrum *= curve(freqs)  # type: ignore[operator]
    out = np.fft.irfft(spectrum, n)
    return out / np.max(np.abs(out))


def wrap_add(into: Array, sound: Array, at: int) -> None:
    """Add ``sound`` into the loop ``into`` from sample ``at``, wrapping past its end."""
    idx = (np.arange(len(sound)) + at) % len(into)
    np.add.at(into, idx, sound)


def band(low: float, high: float) -> object:
    def curve(f: Array) -> Array:
        return ((f > low) & (f < high)).astype(float) / np.sqrt(np.maximum(f, 20) / 1000)

    return curve


def brown(rng: np.random.Generator) -> Array:
    """Brown noise: power falling 6 dB per octave (1/f^2), above a 20 Hz floor."""
    return 0.6 * shaped_noise(rng, LOOP_S, lambda f: 1 / np.maximum(f, 20))


def rain(rng: np.random.Generator) -> Array:
    """A steady hiss of rain with droplets landing on leaves."""
    out = 0.35 * shaped_noise(rng, LOOP_S, band(400, 9_000))
    n = len(out)
    for _ in range(int(LOOP_S * 40)):
        length = int(RATE * rng.uniform(0.004, 0.02))
        t = np.arange(length) / RATE
        tone = rng.uniform(1_500, 5_000)
        drop = np.sin(2 * np.pi * tone * t * (1 + 0.5 * t)) * np.exp(-t * rng.uniform(200, 500))
        wrap_add(out, drop * rng.uniform(0.05, 0.3), int(rng.integers(0, n)))
    return 0.8 * out / np.max(np.abs(out))


def cafe(rng: np.random.Generator) -> Array:
    """Murmur of voices (speech-band noise at syllable rate) and the odd cup on a saucer."""
    n = LOOP_S * RATE
    t = np.arange(n) / RATE
    out = np.zeros(n)
    for _ in range(7):  # voices: each a band of noise swelling at 3-6 syllables a second
        voice = shaped_noise(rng, LOOP_S, band(rng.uniform(180, 300), rng.uniform(1_800, 3_000)))
        rate = rng.integers(2, 6) / LOOP_S * LOOP_S  # whole cycles per loop keep it periodic
        syllables = 0.5 + 0.5 * np.sin(2 * np.pi * (rate + rng.uniform(0, 1)) * t) ** 2
        phrases = 0.5 + 0.5 * np.sin(
            2 * np.pi * rng.integers(1, 4) / LOOP_S * t + rng.uniform(0, 6)
        )
        out += voice * syllables * phrases
    out = 0.5 * out / np.max(np.abs(out))
    for _ in range(6):  # clinks: a few inharmonic partials, quickly fading
        length = int(RATE * 0.6)
        tt = np.arange(length) / RATE
        base = rng.uniform(2_000, 3_200)
        clink = sum(
            np.sin(2 * np.pi * base * k * tt) * np.exp(-tt * (12 + 6 * k)) / k
            for k in (1.0, 2.76, 5.4)
        )
        wrap_add(out, 0.12 * clink, int(rng.integers(0, n)))
    return 0.8 * out / np.max(np.abs(out))


def fire(rng: np.random.Generator) -> Array:
    """A low roar with crackles and the occasional pop."""
    out = 0.5 * shaped_noise(rng, LOOP_S, lambda f: (f < 600) / np.maximum(f, 30))
    n = len(out)
    for _ in range(int(LOOP_S * 25)):
        length = int(RATE * rng.uniform(0.002, 0.012))
        crackle = rng.standard_normal(length) * np.exp(-np.arange(length) / (length / 4))
        wrap_add(out, crackle * rng.uniform(0.05, 0.5) ** 2 * 2, int(rng.integers(0, n)))
    return 0.8 * out / np.max(np.abs(out))


# -- music -------------------------------------------------------------------------------------

NOTE = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def hz(name: str) -> float:
    """``"A4"`` -> 440.0 (equal temperament); sharps as ``"F#3"``."""
    pitch = NOTE[name[0]] + (1 if "#" in name else 0) - (1 if name[1] == "b" else 0)
    octave = int(name[-1])
    return 440.0 * 2 ** ((pitch - 9) / 12 + (octave - 4))


def keys(freq: float, seconds: float, velocity: float) -> Array:
    """A soft electric-piano tone: a few harmonics with a gentle attack and long decay."""
    t = np.arange(int(seconds * RATE)) / RATE
    tone = sum(np.sin(2 * np.pi * freq * k * t) * a for k, a in ((1, 1.0), (2, 0.35), (3, 0.12)))
    tremolo = 1 + 0.08 * np.sin(2 * np.pi * 4.5 * t)
    envelope = (1 - np.exp(-t * 60)) * np.exp(-t * 1.3)
    return velocity * tone * tremolo * envelope


def bass(freq: float, seconds: float) -> Array:
    t = np.arange(int(seconds * RATE)) / RATE
    return 0.5 * np.sin(2 * np.pi * freq * t) * (1 - np.exp(-t * 40)) * np.exp(-t * 1.8)


def hat(rng: np.random.Generator) -> Array:
    length = int(RATE * 0.05)
    noise = np.diff(rng.standard_normal(length + 1))  # differenced: brighter
    return noise * np.exp(-np.arange(length) / (length / 6)) * 0.05


def song(rng: np.random.Generator, bpm: float, chords: list[list[str]], bars: int) -> Array:
    """Four beats a bar, one chord a bar, cycling; a soft melody of chord tones on top."""
    beat = 60 / bpm
    total = int((bars * 4 * beat + 3) * RATE)
    out = np.zeros(total)

    def put(sound: Array, at_s: float) -> None:
        start = int(at_s * RATE)
        end = min(total, start + len(sound))
        out[start:end] += sound[: end - start]

    for bar in range(bars):
        chord = chords[bar % len(chords)]
        t0 = bar * 4 * beat
        for i, note in enumerate(chord[1:]):
            put(keys(hz(note), 4 * beat + 1.5, 0.16), t0 + i * 0.03)  # a soft strum
        put(bass(hz(chord[0]), 4 * beat), t0)
        put(bass(hz(chord[0]), 2 * beat), t0 + 2.5 * beat)
        for step in range(8):
            if bar > 0:
                put(hat(rng) * (1.0 if step % 2 else 0.6), t0 + step * beat / 2 + 0.01)
        for step in range(4):
            if rng.random() < 0.55:
                note = chord[1 + int(rng.integers(0, len(chord) - 1))]
                octave_up = note[:-1] + str(int(note[-1]) + 1)
                put(keys(hz(octave_up), 1.5 * beat, 0.1), t0 + step * beat + beat * 0.5)
    fade = int(2.5 * RATE)
    out[-fade:] *= np.linspace(1, 0, fade)
    return 0.85 * out / np.max(np.abs(out))


TRACKS = [
    {
        "file": "morning-pages.ogg",
        "title": "Morning Pages",
        "bpm": 72,
        "bars": 24,
        "chords": [
            ["C2", "E3", "G3", "B3", "D4"],
            ["A1", "C3", "E3", "G3", "B3"],
            ["F1", "A2", "C3", "E3", "G3"],
            ["G1", "B2", "D3", "F3", "A3"],
        ],
    },
    {
        "file": "library-window.ogg",
        "title": "Library Window",
        "bpm": 66,
        "bars": 20,
        "chords": [
            ["D2", "F3", "A3", "C4", "E4"],
            ["G1", "B2", "D3", "F3", "A3"],
            ["C2", "E3", "G3", "B3", "D4"],
            ["A1", "C3", "E3", "G3", "B3"],
        ],
    },
    {
        "file": "late-chapter.ogg",
        "title": "Late Chapter",
        "bpm": 60,
        "bars": 18,
        "chords": [
            ["E2", "G3", "B3", "D4", "F#4"],
            ["C2", "E3", "G3", "B3", "D4"],
            ["G1", "B2", "D3", "F#3", "A3"],
            ["D2", "F#3", "A3", "C4", "E4"],
        ],
    },
]
AMBIENT = {"rain": rain, "cafe": cafe, "fire": fire, "brown": brown}
ARTIST = "Jamdesk"


def write(path: Path, samples: Array, title: str) -> None:
    with sf.SoundFile(
        path, "w", samplerate=RATE, channels=1, format="OGG", subtype="VORBIS"
    ) as out:
        out.title = title
        out.artist = ARTIST
        data = (samples * 0.9).astype(np.float32)
        for start in range(0, len(data), 8192):  # libsndfile's Vorbis encoder crashes on
            out.write(data[start : start + 8192])  # very large single writes


def chime() -> Array:
    """The phase-change chime: two soft bell strikes a fifth apart (A5 then E6), each a few
    inharmonic partials decaying over about a second, 1.6 s in all. Deterministic (no noise)."""
    t = np.arange(int(1.6 * RATE)) / RATE
    out = np.zeros_like(t)
    for start_s, base in ((0.0, 880.0), (0.28, 1318.5)):
        local = np.clip(t - start_s, 0, None)
        on = t >= start_s
        attack = np.minimum(1.0, local / 0.004)  # 4 ms: no click
        for ratio, gain, decay in ((1.0, 1.0, 1.1), (2.76, 0.35, 0.5), (5.4, 0.12, 0.25)):
            out += (
                on
                * attack
                * gain
                * np.exp(-local / decay * 3)
                * np.sin(2 * np.pi * base * ratio * local)
            )
    fade = np.minimum(1.0, (len(t) - np.arange(len(t))) / (0.05 * RATE))  # last 50 ms
    out *= fade
    return 0.5 * out / np.max(np.abs(out))


def main(argv: list[str] | None = None) -> None:
    """Make every sound, or only those named (``make_sounds.py chime``): regenerating the
    others changes their bytes, and so their track ids."""
    import sys  # noqa: PLC0415

    wanted = set(sys.argv[1:] if argv is None else argv)
    if wanted == {"chime"}:
        write(HERE / "chime.ogg", chime(), "Chime")
        print(json.dumps({"chime": "chime.ogg"}))
        return
    write(HERE / "chime.ogg", chime(), "Chime")
    catalogue: dict[str, list[dict[str, object]]] = {"ambient": [], "music": []}
    for seed, (name, make) in enumerate(AMBIENT.items(), start=1):
        samples = make(np.random.default_rng(seed))
        write(HERE / f"{name}.ogg", samples, name.title())
        catalogue["ambient"].append({"layer": name, "file": f"{name}.ogg", "loop_s": LOOP_S})
    for seed, track in enumerate(TRACKS, start=11):
        rng = np.random.default_rng(seed)
        samples = song(rng, float(track["bpm"]), track["chords"], int(track["bars"]))  # type: ignore[arg-type]
        write(HERE / str(track["file"]), samples, str(track["title"]))
        catalogue["music"].append(
            {"file": track["file"], "title": track["title"], "artist": ARTIST}
        )
    (HERE / "catalogue.json").write_text(json.dumps(catalogue, indent=2) + "\n")
    print(json.dumps(catalogue))


if __name__ == "__main__":
    main()
