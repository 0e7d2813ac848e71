"""Make Jamdesk's icons from the SVG master: PNGs at the sizes desktops ask for, a Windows
``.ico`` and a macOS ``.icns`` (``python resources/icons/make_icons.py``; needs only Qt).

The outputs are committed, so the app, the tray, the ``.desktop`` files, the Debian package
and the bundle all use the same pictures; run this again after changing ``jamdesk.svg``.
Sizes: the freedesktop hicolor theme's usual set (16 to 512 px, Icon Theme Specification),
which also covers Windows (16 to 256 in one ``.ico``) and macOS (up to 512 in ``.icns``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

HERE = Path(__file__).resolve().parent
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
"""Pixel sizes of the PNGs (``png/jamdesk-<size>.png``)."""


def render(renderer: QSvgRenderer, size: int) -> QImage:
    """The master drawn at ``size`` x ``size`` pixels on a transparent background."""
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    """Write every icon next to the master; prints each file made."""
    QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(HERE / "jamdesk.svg"))
    if not renderer.isValid():
        print("jamdesk.svg cannot be read", file=sys.stderr)
        return 1
    out = HERE / "png"
    out.mkdir(exist_ok=True)
    for size in SIZES:
        path = out / f"jamdesk-{size}.png"
        render(renderer, size).save(str(path))
        print(path.relative_to(HERE))
    render(renderer, 256).save(str(HERE / "jamdesk.ico"))  # Qt's ico writer: one 256 image
    render(renderer, 512).save(str(HERE / "jamdesk.icns"))
    print("jamdesk.ico\njamdesk.icns")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
