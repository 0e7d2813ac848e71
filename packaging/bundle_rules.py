"""What the PyInstaller bundle leaves out (``jamdesk.spec``; ``packaging/README.md``, "Size").

Each cut is something Jamdesk never loads; the bundle's smoke test
(``tests/packaging/test_bundle.py``) runs the bundle's window, a headless jam over a real
WebRTC data channel, the sound and the database to prove it. Paths are the bundle's
destination paths as PyInstaller's TOC gives them (``PySide6/Qt/plugins/...``), with ``/``.
"""

from __future__ import annotations

from jamdesk import APP_ID

__all__ = ["APP_ID", "EXCLUDED_MODULES", "NOT_IMPORTED_PACKAGES", "keep", "qt_hook"]

NOT_IMPORTED_PACKAGES = ("jamdesk.store.migrations",)
"""Collected as files, not modules: Alembic reads the migration scripts from a folder."""

EXCLUDED_MODULES = (
    # jamdesk signal's cluster and proxy support: the jamdesk[server] extra, not for students.
    "redis",
    "aiohttp_remotes",
    # Pulled in by optional imports we never take.
    "tkinter",
    "numpy",
    "IPython",
    # pygame's image, font and clipboard modules (and SDL_image, SDL_ttf, libjpeg, libtiff,
    # libwebp, FreeType and HarfBuzz, which only they load): Jamdesk uses pygame.mixer only.
    # pygame's __init__ allows them to be missing ("stripped down pygame distributions").
    "pygame.imageext",
    "pygame.font",
    "pygame.ftfont",
    "pygame.sysfont",
    "pygame.freetype",
    "pygame._freetype",
    "pygame.scrap",
    "pygame.examples",
    "pygame.tests",
    "pygame.docs",
    # Named by PySide6's package, never imported: Jamdesk's network is asyncio's, not Qt's.
    "PySide6.QtNetwork",
)

# Qt plugin folders and plugins Jamdesk never loads. Kept: platforms (xcb, wayland, offscreen),
# xcbglintegrations, wayland's shell and decoration plugins, platforminputcontexts (compose
# keys and input methods, so students can type every language), imageformats' ico (the
# window icon on Windows), platformthemes' xdgdesktopportal (the desktop's dark mode).
_QT_PLUGINS = "PySide6/Qt/plugins/"
_DROPPED_QT_PLUGINS = (
    "platformthemes/libqgtk3",  # links GTK 3 (9 MB of system libraries); the portal theme stays
    "egldeviceintegrations/",  # eglfs: full-screen embedded devices
    "platforms/libqeglfs",
    "platforms/libqlinuxfb",
    "platforms/libqminimalegl",
    "platforms/libqvnc",
    "platforms/libqvkkhrdisplay",
    "generic/",  # evdev and tuio touch input without a window system
    "networkinformation/",  # QtNetwork is not used
    "tls/",
    "imageformats/libqpdf",
    "imageformats/libqwebp",
    "imageformats/libqtiff",
    "imageformats/libqicns",
    "imageformats/libqtga",
    "imageformats/libqwbmp",
    "imageformats/libqsvg",  # the icons are PNG; the SVG master is for make_icons.py only
    "iconengines/",
)
_DROPPED = (
    "PySide6/Qt/translations/",  # Qt's own translations: the app's texts are English
    "av.libs/",  # never present with the stand-in, listed in case a hook brings them back
)


def keep(dest: str) -> bool:
    """Whether the bundle keeps the file PyInstaller would put at ``dest`` (a path inside
    the bundle, ``/`` or ``\\`` separated)."""
    path = dest.replace("\\", "/")
    if path.startswith(_DROPPED):
        return False
    if path.startswith(_QT_PLUGINS):
        return not path[len(_QT_PLUGINS) :].startswith(_DROPPED_QT_PLUGINS)
    return True


def qt_hook(hook_file: str) -> tuple[list[str], list[tuple[str, str]], list[tuple[str, str]]]:
    """The body of ``packaging/hooks/hook-PySide6.<Module>.py``: PyInstaller's own collection
    for that Qt module (``add_qt6_dependencies``), less what :func:`keep` drops. Filtering
    here, before PyInstaller's dependency analysis, also leaves out the libraries that only
    the dropped plugins need (GTK 3 for the gtk3 theme). Returns ``(hiddenimports, binaries,
    datas)`` as a PyInstaller hook gives them (each binary and data as ``(source, dest dir)``).
    """
    import os  # noqa: PLC0415 - PyInstaller's import only at build time

    from PyInstaller.utils.hooks.qt import add_qt6_dependencies  # noqa: PLC0415

    hiddenimports, binaries, datas = add_qt6_dependencies(hook_file)

    def wanted(entry: tuple[str, str]) -> bool:
        return keep(f"{entry[1]}/{os.path.basename(entry[0])}")

    return hiddenimports, [b for b in binaries if wanted(b)], [d for d in datas if wanted(d)]
