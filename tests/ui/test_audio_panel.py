"""The room's Sound tab with a real hosted jam and the real (dummy-driver) mixer."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from jamdesk.core import audio
from tests.app.test_audio_player import tone_file
from tests.ui.conftest import QLoop, host_in, main_window, until


def test_the_host_plays_music_and_sets_the_ambience(
    qtbot: QtBot, qloop: QLoop, tmp_path: Path, shots: Path
) -> None:
    w = main_window(tmp_path, qtbot, "Ana")
    w.resize(1000, 700)

    async def scenario() -> None:
        room, jam = await host_in(w)
        panel = room.sound
        await until(lambda: panel.track_combo.count() == 3)  # the bundled tracks
        assert "Sound is on" in panel.sound_note.text()
        room.tabs.setCurrentWidget(panel)
        panel.track_combo.setCurrentIndex(1)
        panel.play_button.click()
        await until(lambda: jam.state.audio.playing)
        assert jam.state.audio.track is not None
        assert jam.state.audio.track.title == "Library Window"
        await until(lambda: w.sound is not None and w.sound.player is not None)
        assert w.sound is not None
        assert w.sound.player is not None
        await until(lambda: w.sound.player.heard_ms() is not None)  # type: ignore[union-attr]
        assert panel.play_button.text() == "Pause"

        slider = panel.layer_sliders["rain"]
        slider.setValue(65)
        slider.sliderReleased.emit()
        await until(lambda: jam.state.audio.layers == (65, 0, 0, 0))
        panel.volume_slider.setValue(40)
        assert w.sound.player.volume == 0.4  # never sent: the room's anchor is unchanged
        assert jam.state.audio.layers == (65, 0, 0, 0)
        await until(lambda: audio.position(jam.state.audio, jam.room_now_ms()) > 300)
        room.refresh()
        w.grab().save(str(shots / "jamdesk-sound.png"))

        panel.next_button.click()
        await until(lambda: jam.state.audio.track.title == "Late Chapter")  # type: ignore[union-attr]
        panel.play_button.click()
        await until(lambda: not jam.state.audio.playing)

        folder = tmp_path / "mine"
        folder.mkdir()
        tone_file(folder / "Hum.wav", seconds=1)
        (folder / "broken.flac").write_bytes(b"no")
        await room._add_folder(folder)  # what "Add a folder…" does once a folder is picked
        assert panel.track_combo.count() == 4
        assert room.notice.text() == (
            "Added 1 track from mine. Could not read: "
            "broken.flac is not an audio file Jamdesk can read."
        )
        await w.shutdown()

    qloop.run(scenario())
