"""The profile screen and the heatmap, with a year of generated history."""

from __future__ import annotations

import argparse
import asyncio
import random
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QPoint
from PySide6.QtGui import QImage, QPalette
from pytestqt.qtbot import QtBot

from jamdesk.store.db import Database
from jamdesk.ui.heatmap import HeatmapWidget, shade_for, tooltip
from jamdesk.ui.preferences import Preferences
from jamdesk.ui.window import MainWindow
from tests.factories import stored_day
from tests.ui.conftest import QLoop, expect


def a_year(db: Database, today: date) -> None:
    rng = random.Random(4)
    for back in range(365):
        day = today - timedelta(days=back)
        if rng.random() < 0.7:
            stored_day(db, day, rng.choice([1, 1, 2, 2, 3, 4, 6]))


def test_heatmap_shades_tooltips_and_png(qtbot: QtBot, tmp_path: Path) -> None:
    monday = date(2026, 1, 5)
    days = [(monday + timedelta(days=i), float(i * 10 % 150)) for i in range(14)]
    widget = HeatmapWidget(days)
    qtbot.addWidget(widget)
    assert widget.weeks() == 2
    assert widget.day_at(widget.cell_rect(8).center()) == days[8]
    assert widget.day_at(QPoint(0, 0)) is None
    assert [shade_for(m) for m in (0, 10, 45, 90, 200)] == [0, 1, 2, 3, 4]
    assert tooltip(date(2026, 3, 3), 75) == "Tue 3 Mar 2026 · 1 h 15 min of focus"
    assert tooltip(date(2026, 3, 3), 0) == "Tue 3 Mar 2026 · no focus"
    assert widget.export_png(tmp_path / "h.png")
    image = QImage(str(tmp_path / "h.png"))
    assert image.width() == widget.sizeHint().width()
    centre = widget.cell_rect(0).center()  # Monday with 0 minutes: the empty shade
    empty = widget.palette().color(QPalette.ColorRole.AlternateBase).name()
    assert image.pixelColor(centre).name() == empty  # no focus: the theme's quiet shade


def test_profile_screen_with_a_year_of_history(
    qtbot: QtBot, qloop: QLoop, tmp_path: Path, shots: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    db = Database(data)
    db.profile("me", "Ana Lima", 0)
    a_year(db, date.today())
    db.close()
    args = argparse.Namespace(name="Ana Lima", data_dir=str(data), clock_skew_ms=0)
    w = MainWindow(args, "Ana Lima")
    qtbot.addWidget(w)
    w.resize(900, 720)
    w.show()

    async def scenario() -> None:
        shown = expect(w.profile_shown)
        w.start.profile_button.click()
        await asyncio.wait_for(shown, 30)
        screen = w.profile
        assert screen is not None
        assert screen.avatar.text() == "AL"
        assert screen.level_label.text().startswith("Level ")
        assert int(screen.level_label.text().split()[1]) >= 5
        assert not screen.status.isVisible()  # nothing was tampered with
        assert screen.heatmap.weeks() == 52
        w.grab().save(str(shots / "test_profile.png"))
        screen.heatmap.export_png(shots / "test_heatmap.png")

        screen.name_edit.setText("Ana L.")
        screen.name_edit.returnPressed.emit()
        await until_text(screen.status, "Name saved.")
        screen.export_data_requested.emit(tmp_path / "all.json")
        await until_text(screen.status, "Everything Jamdesk keeps")
        assert '"display_name": "Ana L."' in (tmp_path / "all.json").read_text()

        w.prefs.signal_url = "wss://signal.example.org"
        w.start.signal_edit.setText("wss://signal.example.org")
        screen.delete_requested.emit()
        await until_text(w.start.status, "All your Jamdesk data was deleted")
        assert w.profile is None
        # Issue 13: the settings (with the signalling URL) and the database file stayed.
        assert not (data / "jamdesk.sqlite3").exists()
        assert Preferences().signal_url == ""
        assert w.start.signal_edit.text() == ""
        await w.shutdown()

    qloop.run(scenario())
    db = Database(data)  # a fresh, empty one
    assert db.sessions() == []
    assert db.personal_tasks() == []
    db.close()


async def until_text(label: object, text: str) -> None:
    from tests.ui.conftest import until

    await until(lambda: text in label.text(), timeout_s=15)  # type: ignore[attr-defined]
