"""Settings (Ctrl+,): the theme, and how phase changes reach the student. Every change is
applied and kept at once (no Apply button to forget); the dialog does not block the jam."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from jamdesk.ui.preferences import AlertPrefs, Preferences
from jamdesk.ui.theme import ThemeChoice

THEME_WORDS = {
    ThemeChoice.SYSTEM: "Same as my desktop",
    ThemeChoice.LIGHT: "Light",
    ThemeChoice.DARK: "Dark",
}


class SettingsDialog(QDialog):
    """The settings. ``on_theme`` is called with a new theme choice; ``try_chime`` plays
    the chime at a volume (0.0 to 1.0) and says whether it could."""

    def __init__(
        self,
        parent: QWidget | None,
        prefs: Preferences,
        on_theme: Callable[[ThemeChoice], None],
        try_chime: Callable[[float], bool],
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._prefs = prefs
        self._on_theme = on_theme
        self._try_chime = try_chime
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.theme_combo = QComboBox()
        self.theme_combo.setAccessibleName("Theme")
        for choice, words in THEME_WORDS.items():
            self.theme_combo.addItem(words, choice.value)
        self.theme_combo.setCurrentIndex(self.theme_combo.findData(prefs.theme.value))
        self.theme_combo.currentIndexChanged.connect(self._theme_chosen)
        form.addRow("Theme", self.theme_combo)
        alerts = prefs.alerts
        self.notify_check = QCheckBox("Show a notification when a phase changes")
        self.notify_check.setChecked(alerts.notify)
        self.chime_check = QCheckBox("Play a chime when a phase changes")
        self.chime_check.setChecked(alerts.chime)
        volume_row = QHBoxLayout()
        self.volume_slider = QSlider(Qt.Orientation.Horizontal)
        self.volume_slider.setRange(0, 100)
        self.volume_slider.setValue(alerts.chime_volume)
        self.volume_slider.setAccessibleName("Chime volume")
        self.try_button = QPushButton("Play")
        self.try_button.setToolTip("Hear the chime at this volume")
        self.try_button.clicked.connect(self._play)
        volume_row.addWidget(self.volume_slider, 1)
        volume_row.addWidget(self.try_button)
        self.unfocused_check = QCheckBox("Only when the Jamdesk window is not in front")
        self.unfocused_check.setChecked(alerts.only_unfocused)
        for check in (self.notify_check, self.chime_check, self.unfocused_check):
            check.toggled.connect(self._save_alerts)
        self.volume_slider.valueChanged.connect(self._save_alerts)
        form.addRow("Alerts", self.notify_check)
        form.addRow("", self.chime_check)
        form.addRow("Chime volume", volume_row)
        form.addRow("", self.unfocused_check)
        layout.addLayout(form)
        self.note = QLabel("")
        self.note.setObjectName("Hint")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._sync()

    def _sync(self) -> None:
        on = self.chime_check.isChecked()
        self.volume_slider.setEnabled(on)
        self.try_button.setEnabled(on)

    def _theme_chosen(self, index: int) -> None:
        choice = ThemeChoice(str(self.theme_combo.itemData(index)))
        self._prefs.theme = choice
        self._on_theme(choice)

    def _save_alerts(self) -> None:
        self._prefs.alerts = AlertPrefs(
            notify=self.notify_check.isChecked(),
            chime=self.chime_check.isChecked(),
            chime_volume=self.volume_slider.value(),
            only_unfocused=self.unfocused_check.isChecked(),
        )
        self._sync()

    def _play(self) -> None:
        if self._try_chime(self.volume_slider.value() / 100):
            self.note.setText("")
        else:
            self.note.setText(
                "The chime plays through the jam's sound: join or host a jam to hear it "
                "(or sound is off on this computer)."
            )
