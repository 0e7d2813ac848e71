"""Two real processes play the room's music in step: each captures what it really played
with SDL's disk driver, and the two captures hold the same material at the same room-clock
moment (to within the 50 ms at which two people in a room would notice)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from tests.audio.capture import load, noise_track, offset_ms, wall_start
from tests.e2e.conftest import JamProcess


def first_sound_ms(capture: np.ndarray) -> int:
    return round(int(np.flatnonzero(np.abs(capture) > 300)[0]) * 1000 / 44_100)


def disk(path: Path) -> dict[str, str]:
    return {"SDL_AUDIODRIVER": "disk", "SDL_DISKAUDIOFILE": str(path)}


def test_two_members_play_the_same_material_at_the_same_moment(
    jamdesk: Callable[..., JamProcess], tmp_path: Path
) -> None:
    music = tmp_path / "music"
    music.mkdir()
    noise_track(music / "static.ogg", seconds=12)
    ana = jamdesk(
        "host", "--headless", "--name", "Ana", "--music-folder", str(music),
        data="ana", env=disk(tmp_path / "ana.raw"),
    )  # fmt: skip
    code = ana.event("hosting")["code"]
    ana.event("sound", state="on")
    bo = jamdesk(
        "join", code, "--headless", "--name", "Bo", "--music-folder", str(music),
        "--clock-skew-ms", "-41000",  # Bo's clock is 41 s slow: only the room clock counts
        data="bo", env=disk(tmp_path / "bo.raw"),
    )  # fmt: skip
    bo.event("joined")
    bo.event("sound", state="on")

    ana.send({"cmd": "audio.play", "track": "static"})
    played = bo.event("room_event", kind="audio_changed")
    assert played["text"] == "Ana played “static”"
    cy = jamdesk(  # joins 1 s into the music: starts at the right place
        "join", code, "--headless", "--name", "Cy", "--music-folder", str(music),
        data="cy", env=disk(tmp_path / "cy.raw"),
    )  # fmt: skip
    cy.event("joined")
    cy.event("sound", state="on")
    dee = jamdesk(  # no sound device: told so, and the jam works all the same
        "join", code, "--headless", "--name", "Dee", data="dee",
        env={"SDL_AUDIODRIVER": "no-such-device"},
    )  # fmt: skip
    dee.event("joined")
    assert "Sound is off" in dee.event("sound", state="off")["reason"]
    for proc in (ana, bo, cy):  # all have played well into it
        proc.wait_for(
            lambda line: line.get("event") == "tick" and (line["audio"]["heard_ms"] or 0) > 8_000
        )
    ana.send({"cmd": "end"})
    for proc in (bo, cy, dee):
        proc.event("room_event", kind="room_ended")
    for proc in (ana, bo, cy, dee):
        assert proc.finish() == 0

    # On this machine's wall clock (the ground truth), not the room clocks the players use.
    (a, a0), (b, b0), (c, c0) = (
        (capture, wall_start(capture, proc.stderr))
        for proc, capture in (
            (ana, load(tmp_path / "ana.raw")),
            (bo, load(tmp_path / "bo.raw")),
            (cy, load(tmp_path / "cy.raw")),
        )
    )
    music, cy_music = a0 + first_sound_ms(a), c0 + first_sound_ms(c)
    for other, other_start, first in ((b, b0, music + 500), (c, c0, cy_music + 500)):
        instants = [first + 250 * k for k in range(6)]
        found = [offset_ms(a, a0, other, other_start, at_ms=t) for t in instants]
        offsets = [o for o, _ in found]
        assert min(score for _, score in found) > 0.9  # the same material, not just any sound
        assert float(np.median(np.abs(offsets))) < 50, offsets
        assert max(abs(o) for o in offsets) < 80, offsets
