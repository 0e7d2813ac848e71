"""The room's Sound tab: the shared soundscape (host and co-hosts change it) and this
computer's own volume (never shared). It renders the room's audio anchor and sends commands;
the synced player in the app layer does the playing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from jamdesk.app.audio import LibraryTrack, SyncedPlayer
from jamdesk.core import audio
from jamdesk.core.audio import LAYERS, MAX_LEVEL, AudioAnchor
from jamdesk.core.commands import AudioLayers, AudioPause, AudioPlay, AudioSeek, Command
from jamdesk.ui import dialogs

LAYER_NAMES = {"rain": "Rain", "cafe": "Café", "fire": "Fireplace", "brown": "Brown noise"}


def clock(ms: int) -> str:
    """``m:ss``."""
    return f"{ms // 60_000}:{ms // 1000 % 60:02d}"


def _slider(maximum: int) -> QSlider:
    slider = QSlider(Qt.Orientation.Horizontal)
    slider.setRange(0, maximum)
    return slider


class AudioPanel(QWidget):
    """Music (track, play/pause, position), ambient layers, and your own volume and mute.

    Args:
        send: sends a room command (refusals come back as notices on the room screen).
    """

    folder_requested = Signal(Path)

    def __init__(self, send: Callable[[Command], None]) -> None:
        super().__init__()
        self._send = send
        self._tracks: list[LibraryTrack] = []
        self._player: SyncedPlayer | None = None
        self._anchor = AudioAnchor()
        self._runner = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()  # keeps every control at its natural size in a small window
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        inner = QWidget()
        scroll.setWidget(inner)
        outer.addWidget(scroll)
        layout = QVBoxLayout(inner)

        shared = QGroupBox("For everyone in the jam")
        form = QFormLayout(shared)
        form.addRow("Music", self._build_music_row())
        seek_row = QHBoxLayout()
        self.position_slider = _slider(0)
        self.position_slider.setAccessibleName("Music position")
        self.position_slider.sliderReleased.connect(self._seek_released)
        self.position_label = QLabel("0:00 / 0:00")
        seek_row.addWidget(self.position_slider, 1)
        seek_row.addWidget(self.position_label)
        form.addRow("", seek_row)
        self.layer_sliders: dict[str, QSlider] = {}
        for name in LAYERS:
            slider = _slider(MAX_LEVEL)
            slider.setToolTip(f"{LAYER_NAMES[name]}: 0 to {MAX_LEVEL}")
            slider.setAccessibleName(f"{LAYER_NAMES[name]} level")
            slider.sliderReleased.connect(lambda n=name: self._layer_released(n))
            self.layer_sliders[name] = slider
            form.addRow(LAYER_NAMES[name], slider)
        self.missing_label = QLabel()
        self.missing_label.setObjectName("Hint")
        self.missing_label.setWordWrap(True)
        form.addRow("", self.missing_label)
        layout.addWidget(shared)

        layout.addWidget(self._build_mine())
        self.sound_note = QLabel("Getting the sound ready...")
        self.sound_note.setObjectName("Hint")
        self.sound_note.setWordWrap(True)
        layout.addWidget(self.sound_note)
        layout.addStretch(1)

    def _build_music_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.track_combo = QComboBox()
        self.track_combo.setToolTip("Music everyone hears in step")
        self.play_button = QPushButton("Play")
        self.play_button.clicked.connect(self._play_clicked)
        self.previous_button = QPushButton("Previous")
        self.previous_button.clicked.connect(lambda: self._step(-1))
        self.next_button = QPushButton("Next")
        self.next_button.clicked.connect(lambda: self._step(1))
        self.folder_button = QPushButton("Add a folder…")
        self.folder_button.setToolTip("Your own music (OGG, MP3, FLAC, WAV), on this computer")
        self.folder_button.clicked.connect(self._pick_folder)
        row.addWidget(self.track_combo, 1)
        for button in (self.previous_button, self.play_button, self.next_button):
            row.addWidget(button)
        return row

    def _build_mine(self) -> QGroupBox:
        mine = QGroupBox("Only on this computer")
        mine_row = QHBoxLayout(mine)
        self.volume_slider = _slider(100)
        self.volume_slider.setAccessibleName("Your volume")
        self.volume_slider.setValue(100)
        self.volume_slider.valueChanged.connect(self._volume_changed)
        self.mute_check = QCheckBox("Mute")
        self.mute_check.toggled.connect(self._mute_toggled)
        mine_row.addWidget(QLabel("Volume"))
        mine_row.addWidget(self.volume_slider, 1)
        mine_row.addWidget(self.mute_check)
        mine_row.addWidget(self.folder_button)
        return mine

    # -- what the room screen feeds in ---------------------------------------------------------

    def attach(self, tracks: list[LibraryTrack], player: SyncedPlayer | None, note: str) -> None:
        """The tracks this computer has, its player (``None``: sound is off) and a note."""
        self._tracks = tracks
        self._player = player
        self.track_combo.clear()
        for item in tracks:
            t = item.track
            label = f"{t.title} — {t.artist}" if t.artist else t.title
            self.track_combo.addItem(f"{label} ({clock(t.duration_ms)})", t.track_id)
        self.sound_note.setText(note)
        self.mute_check.setEnabled(player is not None)
        self.volume_slider.setEnabled(player is not None)

    def show_audio(self, anchor: AudioAnchor, runner: bool, now_ms: int) -> None:
        """Render the room's soundscape; ``runner``: we may change it (host or co-host)."""
        self._anchor, self._runner = anchor, runner
        for widget in (
            self.track_combo,
            self.play_button,
            self.previous_button,
            self.next_button,
            self.position_slider,
        ):
            widget.setEnabled(runner and bool(self._tracks))
        for name, level in zip(LAYERS, anchor.layers, strict=True):
            slider = self.layer_sliders[name]
            slider.setEnabled(runner)
            if not slider.isSliderDown():
                slider.blockSignals(True)
                slider.setValue(level)
                slider.blockSignals(False)
        if anchor.track is not None:
            index = self.track_combo.findData(anchor.track.track_id)
            if index >= 0:
                self.track_combo.setCurrentIndex(index)
            have = index >= 0
            self.missing_label.setText(
                "" if have else f"You don't have “{anchor.track.title}”: ambient sounds only."
            )
        self.play_button.setText("Pause" if audio.audible(anchor, now_ms) else "Play")
        self.show_position(now_ms)

    def show_position(self, now_ms: int) -> None:
        """Move the position slider and label to where the music is now."""
        track = self._anchor.track
        if track is None:
            self.position_label.setText("0:00 / 0:00")
            return
        at = audio.position(self._anchor, now_ms)
        self.position_slider.setMaximum(track.duration_ms // 1000)
        if not self.position_slider.isSliderDown():
            self.position_slider.setValue(at // 1000)
        self.position_label.setText(f"{clock(at)} / {clock(track.duration_ms)}")

    # -- what the student does -----------------------------------------------------------------

    def _chosen(self) -> LibraryTrack | None:
        wanted = self.track_combo.currentData()
        return next((t for t in self._tracks if t.track.track_id == wanted), None)

    def _play_clicked(self) -> None:
        if self.play_button.text() == "Pause":
            self._send(AudioPause())
            return
        chosen = self._chosen()
        if chosen is None:
            return
        same = self._anchor.track is not None and chosen.track == self._anchor.track
        self._send(AudioPlay() if same else AudioPlay(track=chosen.track))

    def _step(self, by: int) -> None:
        """Play the next (``by=1``) or previous (``-1``) track of this computer's list."""
        if not self._tracks:
            return
        current = self._anchor.track.track_id if self._anchor.track else None
        ids = [t.track.track_id for t in self._tracks]
        index = ids.index(current) if current in ids else -by
        chosen = self._tracks[(index + by) % len(self._tracks)]
        self.track_combo.setCurrentIndex(self.track_combo.findData(chosen.track.track_id))
        self._send(AudioPlay(track=chosen.track))

    def _pick_folder(self) -> None:
        dialogs.open_folder(self, "A folder of your music", self.folder_requested.emit)

    def _seek_released(self) -> None:
        if self._anchor.track is not None:
            target = min(self.position_slider.value() * 1000, self._anchor.track.duration_ms)
            self._send(AudioSeek(position_ms=target))

    def _layer_released(self, name: str) -> None:
        self._send(AudioLayers(levels={name: self.layer_sliders[name].value()}))

    def _volume_changed(self, value: int) -> None:
        if self._player is not None:
            self._player.set_volume(value / 100)

    def _mute_toggled(self, muted: bool) -> None:
        if self._player is not None:
            self._player.set_muted(muted)
