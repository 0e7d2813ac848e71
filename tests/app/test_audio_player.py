"""The music library and the synced player, on a real hosted jam and pygame's mixer.

SDL's dummy driver plays in real time (tests/conftest.py sets it), so the mixer's position
moves as on a sound card; nothing here waits on a sleep: each check follows a command.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from jamdesk.app.audio import MusicLibrary, SyncedPlayer, read_track
from jamdesk.app.jam import Jam
from jamdesk.audio.mixer import Mixer
from jamdesk.core import audio
from jamdesk.core.audio import Track
from jamdesk.core.commands import AudioLayers, AudioPause, AudioPlay, AudioSeek
from jamdesk.net.addresses import NetworkMode, install
from tests.audio.capture import noise_track, tone_track
from tests.factories import loopback_jam

install(NetworkMode.LOOPBACK)


def tone_file(path: Path, seconds: float = 5.0, freq: int = 440) -> Path:
    return tone_track(path, [freq], seconds_each=seconds, peak=9_000)


@pytest.fixture
async def jam() -> AsyncIterator[Jam]:
    room = await loopback_jam()
    yield room
    await room.close()


async def test_the_library_reads_the_bundled_tracks_and_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "music"
    folder.mkdir()
    tone_file(folder / "a440.wav", seconds=2)
    (folder / "broken.mp3").write_bytes(b"not really an mp3")
    (folder / "notes.txt").write_text("ignored")
    library = MusicLibrary()
    problems = await library.load([folder])
    titles = [t.track.title for t in library.tracks]
    assert titles == ["Morning Pages", "Library Window", "Late Chapter", "a440"]
    assert all(t.track.artist == "Jamdesk" for t in library.tracks[:3])
    assert problems == ["broken.mp3 is not an audio file Jamdesk can read."]
    mine = library.by_name("A440.WAV")
    assert mine is not None
    assert mine.track.duration_ms == 2_000
    assert library.find(mine.track.track_id) is mine
    assert await library.add_folder(tmp_path / "nowhere") == [
        "Cannot open that folder: No such file or directory."
    ]


async def test_the_player_follows_play_seek_pause_and_drift(tmp_path: Path, jam: Jam) -> None:
    library = MusicLibrary()  # OGG: it starts at any millisecond (a WAV only on seconds)
    await library.add_folder(noise_track(tmp_path / "t.ogg", seconds=5).parent)
    (item,) = library.tracks
    mixer = Mixer({})
    player = SyncedPlayer(jam, library, mixer)
    player.start()
    try:
        await jam.send(AudioPlay(track=item.track))
        assert mixer.playing == item.path
        await jam.send(AudioSeek(position_ms=3_000))
        heard = player.heard_ms()
        assert heard is not None
        assert abs(heard - 3_000) < 100
        before = player.seeks
        mixer.play(item.path, 500)  # this computer drifts (a stall, a slow disk)
        player.follow()
        assert player.seeks == before + 1
        assert abs(player.heard_ms() - 3_000) < 200  # type: ignore[operator]
        await jam.send(AudioPause())
        assert mixer.playing is None
        await jam.send(AudioLayers(levels={"rain": 30}))
        assert jam.state.audio.layers == (30, 0, 0, 0)
    finally:
        await player.stop()
        mixer.close()


async def test_a_track_this_computer_lacks_is_said_once(tmp_path: Path, jam: Jam) -> None:
    theirs = read_track(tone_file(tmp_path / "theirs.wav", seconds=1))
    notices: list[str] = []
    mixer = Mixer({})
    player = SyncedPlayer(jam, MusicLibrary(), mixer, notices.append)
    player.start()
    try:
        await jam.send(AudioPlay(track=theirs))
        player.follow()
        assert notices == [
            "You don't have “theirs” on this computer, so you hear the ambient sounds only."
        ]
        assert mixer.playing is None
    finally:
        await player.stop()
        mixer.close()


def test_a_track_is_named_by_the_sha256_of_its_bytes(tmp_path: Path) -> None:
    import hashlib

    path = tone_file(tmp_path / "x.wav", seconds=1)
    track = read_track(path)
    assert track == Track(
        track_id=hashlib.sha256(path.read_bytes()).hexdigest(), title="x", duration_ms=1_000
    )


async def test_a_wav_starts_in_step_on_the_next_whole_second(tmp_path: Path, jam: Jam) -> None:
    """SDL_mixer starts a WAV only on whole seconds: asked for 1.4 s it would play from 1.0 s,
    0.4 s early. The player waits in silence and starts at 2.0 s when the room is there."""
    library = MusicLibrary()
    await library.add_folder(tone_file(tmp_path / "w.wav").parent)
    (item,) = library.tracks
    mixer = Mixer({})
    player = SyncedPlayer(jam, library, mixer)
    player.start()
    try:
        assert Mixer.seek_step_ms(item.path) == 1_000
        await jam.send(AudioPlay(track=item.track))
        await jam.send(AudioSeek(position_ms=1_400))
        assert mixer.playing is None  # holding for the whole second
        started = asyncio.Event()
        loop = asyncio.get_running_loop()

        def check() -> None:
            if mixer.playing is not None:
                started.set()
            else:
                loop.call_later(0.01, check)

        check()
        await asyncio.wait_for(started.wait(), 2)
        assert mixer.position_ms() == pytest.approx(2_000, abs=30)
        expected = audio.position(jam.state.audio, jam.room_now_ms())
        assert abs(expected - mixer.position_ms()) < 40  # type: ignore[operator]
    finally:
        await player.stop()
        mixer.close()
