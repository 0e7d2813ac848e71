"""Two real processes play the room's music in step: each captures what it really played
with SDL's disk driver, and the two captures hold the same material at the same room-clock
moment (to within the 50 ms at which two people in a room would notice)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from tests.audio.capture import load, noise_track, offset_ms
from tests.e2e.conftest import JamProcess


def disk(path: Path) -> dict[str, str]:
    return {"SDL_AUDIODRIVER": "disk", "SDL_DISKAUDIOFILE": str(path)}


def test_two_members_play_the_same_material_at_the_same_moment(
    jamdesk: Callable[..., JamProcess], tmp_path: Path
) -> None:
    music = tmp_path / "music"
    music.mkdir()
    noise_track(music / "static.wav", seconds=8)
    ana = jamdesk(
        "host", "--headless", "--name", "Ana", "--music-folder", str(music),
        data="ana", env=disk(tmp_path / "ana.raw"),
    )  # fmt: skip
    code = ana.event("hosting")["code"]
    ana_start = ana.event("sound", state="on")["room_now_ms"]
    bo = jamdesk(
        "join", code, "--headless", "--name", "Bo", "--music-folder", str(music),
        "--clock-skew-ms", "-41000",  # Bo's clock is 41 s slow: only the room clock counts
        data="bo", env=disk(tmp_path / "bo.raw"),
    )  # fmt: skip
    bo.event("joined")
    bo_start = bo.event("sound", state="on")["room_now_ms"]

    ana.send({"cmd": "audio.play", "track": "static"})
    played = bo.event("room_event", kind="audio_changed")
    started = played["body"]["audio"]["started_at_ms"]
    assert played["text"] == "Ana played “static”"
    for proc in (ana, bo):  # both have played 3 s of it
        proc.wait_for(
            lambda line: line.get("event") == "tick" and (line["audio"]["heard_ms"] or 0) > 3_500
        )
    ana.send({"cmd": "end"})
    bo.event("room_event", kind="room_ended")
    assert ana.finish() == 0
    assert bo.finish() == 0

    a, b = load(tmp_path / "ana.raw"), load(tmp_path / "bo.raw")
    instants = [started + 500 + 250 * k for k in range(12)]
    found = [offset_ms(a, ana_start, b, bo_start, at_ms=t) for t in instants]
    offsets = [o for o, _ in found]
    assert min(score for _, score in found) > 0.9  # the same material, not just any sound
    assert float(np.median(np.abs(offsets))) < 50, offsets
    assert max(abs(o) for o in offsets) < 80, offsets
