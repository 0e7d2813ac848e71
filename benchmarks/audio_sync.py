"""Synchronised audio: how far apart two members play the same music, and what the mixer costs.

Two headless processes on loopback (host and member, the member's clock 41 s off) each play
through SDL's disk driver, which writes what was really played, in real time, to a file;
each capture is placed on this machine's wall clock by its music's first sample (see
``tests/audio/capture.py``). The
music is a 2-minute track of seeded noise (any 100 ms of it matches only itself). The host
plays it, pauses it, resumes it and seeks it; afterwards the two captures are compared every
250 ms of room clock while music sounded (not within 300 ms after a change): the offset is how
much later the member played the material that the host played at that instant.

Then the host's CPU is read from ``/proc`` with the four ambient layers at 50 % and the music
playing, and with everything silent. Prints JSON.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _procs import Proc  # noqa: E402

from tests.audio.capture import load, noise_track, offset_ms, wall_start  # noqa: E402

CPU_S = 15.0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_percent(pid: int, seconds: float) -> float:
    cpu0, wall0 = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return round((cpu_seconds(pid) - cpu0) / (time.monotonic() - wall0) * 100, 2)


def room_now(proc: Proc) -> int:
    return int(proc.wait(lambda line: line["event"] == "tick")[1]["room_now_ms"])


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        music = Path(tmp) / "music"
        music.mkdir()
        noise_track(music / "static.ogg", seconds=120)
        common = ["--headless", "--music-folder", str(music)]
        host = Proc(
            "host", *common, data=f"{tmp}/a", log=f"{tmp}/a.log",
            env={"SDL_AUDIODRIVER": "disk", "SDL_DISKAUDIOFILE": f"{tmp}/a.raw"},
        )  # fmt: skip
        code = host.wait(lambda line: line["event"] == "hosting")[1]["code"]
        host.wait(lambda line: line["event"] == "sound")
        member = Proc(
            "join", code, *common, "--clock-skew-ms", "-41000", data=f"{tmp}/b",
            log=f"{tmp}/b.log",
            env={"SDL_AUDIODRIVER": "disk", "SDL_DISKAUDIOFILE": f"{tmp}/b.raw"},
        )  # fmt: skip
        member.wait(lambda line: line["event"] == "sound")
        changes: list[tuple[int, str]] = []

        def change(command: dict[str, object], hold_s: float) -> None:
            host.send(command)
            line = member.wait(lambda ln: ln.get("kind") == "audio_changed")[1]
            changes.append((int(line["at_ms"]), str(command["cmd"])))
            time.sleep(hold_s)  # the scenario's own pacing: music plays for this long

        change({"cmd": "audio.play", "track": "static"}, 20)
        change({"cmd": "audio.pause"}, 3)
        change({"cmd": "audio.play"}, 10)
        change({"cmd": "audio.seek", "position_ms": 80_000}, 20)
        end_at = room_now(host)
        host.send(
            {"cmd": "audio.layers", "levels": dict.fromkeys(("rain", "cafe", "fire", "brown"), 50)}
        )
        busy = cpu_percent(host.proc.pid, CPU_S)
        host.send({"cmd": "audio.pause"})
        host.send(
            {"cmd": "audio.layers", "levels": dict.fromkeys(("rain", "cafe", "fire", "brown"), 0)}
        )
        room_now(host)
        quiet = cpu_percent(host.proc.pid, CPU_S)
        host.send({"cmd": "end"})
        member.wait(lambda line: line.get("kind") == "room_ended")
        for proc in (host, member):
            proc.proc.wait(timeout=20)
        a, b = load(Path(f"{tmp}/a.raw")), load(Path(f"{tmp}/b.raw"))
        # Each capture on the wall clock (the host's room clock is its wall clock), placed by
        # the music's first sample and the mixer's log of that moment.
        a_start = wall_start(a, Path(f"{tmp}/a.log").read_text().splitlines())
        b_start = wall_start(b, Path(f"{tmp}/b.log").read_text().splitlines())

    sounding = []
    spans = [
        (changes[0][0], changes[1][0]),
        (changes[2][0], changes[3][0]),
        (changes[3][0], end_at),
    ]
    for start, stop in spans:
        sounding += list(range(start + 300, stop - 300, 250))
    found = [offset_ms(a, a_start, b, b_start, at_ms=t) for t in sounding]
    if os.environ.get("AUDIO_SYNC_DEBUG"):
        for t, (o, sc) in zip(sounding, found, strict=True):
            print(t - changes[0][0], round(o, 1), round(sc, 2), file=sys.stderr)
    offsets = np.abs([o for o, _ in found])
    print(
        json.dumps(
            {
                "benchmark": "audio_sync",
                "unit": "ms",
                "goal": "p99 < 50",
                "instants": len(found),
                "worst_match": round(min(s for _, s in found), 3),
                "sync_error_ms": {
                    "p50": round(float(np.percentile(offsets, 50)), 1),
                    "p99": round(float(np.percentile(offsets, 99)), 1),
                    "max": round(float(offsets.max()), 1),
                },
                "host_cpu_percent_of_one_core": {
                    "four_layers_at_50_and_music": busy,
                    "silent": quiet,
                    "seconds_each": CPU_S,
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
