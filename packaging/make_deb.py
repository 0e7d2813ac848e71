"""Make ``dist/jamdesk_<version>_<arch>.deb`` from the PyInstaller bundle (``packaging/build.sh``).

The package (Debian Policy Manual, chapters 3, 5 and 9; the freedesktop Desktop Entry, Icon
Theme and AppStream specifications) holds:

- ``/opt/jamdesk/``: the bundle as built (``jamdesk`` and ``_internal/``);
- ``/usr/bin/jamdesk``: a symbolic link to it (PyInstaller's bootloader finds ``_internal``
  from its own resolved path, so the link works);
- ``/usr/share/applications/``: the app and the ``jamdesk://`` link handler;
- ``/usr/share/icons/hicolor/<n>x<n>/apps/jamdesk.png`` and ``scalable/apps/jamdesk.svg``;
- ``/usr/share/metainfo/app.jamdesk.Jamdesk.metainfo.xml`` (AppStream);
- ``/usr/share/doc/jamdesk/copyright``.

``Depends`` lists the Debian packages of the system libraries that the bundle's own binaries
load but the bundle does not carry (PyInstaller leaves out libc, OpenGL/EGL, xcb and Wayland's
client libraries on purpose: they must match the machine's drivers and display server), found
with ``ldd`` and ``dpkg -S`` on the build machine; the C library's version is the build
machine's, since the binaries need at least that one. dpkg's triggers refresh the desktop and
icon caches, so no maintainer scripts are needed.

Usage: ``python make_deb.py VERSION BUNDLE_DIR OUT_DIR``; prints the package's path.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from jamdesk import APP_ID
from jamdesk.ui.tray import ICON_SIZES

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
ALWAYS_DEPENDS = ("fontconfig",)
"""Qt finds fonts through fontconfig's configuration, which the bundle does not carry."""
RECOMMENDS = ("fonts-noto-color-emoji",)
"""Reactions are emoji; without a colour emoji font they show as empty boxes."""


class DebError(RuntimeError):
    """A tool failed or the bundle is not complete; the text says which."""


def _run(*command: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise DebError(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")
    return done.stdout


def _elf_files(bundle: Path) -> list[Path]:
    """Every ELF file in ``bundle`` (executables and shared libraries)."""
    found = []
    for path in sorted(bundle.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as stream:
                if stream.read(4) == b"\x7fELF":
                    found.append(path)
    return found


def outside_libraries(bundle: Path) -> set[str]:
    """The system libraries (absolute paths) that the bundle's ELF files load from outside
    the bundle, as ``ldd`` resolves them with the bundle's library folders searched first
    (as the bootloader's ``LD_LIBRARY_PATH`` does). Raises :class:`DebError` for a library
    that cannot be found at all."""
    folders = sorted({str(path.parent) for path in _elf_files(bundle)})
    env = dict(os.environ, LD_LIBRARY_PATH=":".join(folders))
    libraries: set[str] = set()
    missing: set[str] = set()
    inside = str(bundle.resolve())
    for path in _elf_files(bundle):
        done = subprocess.run(
            ["ldd", str(path)], capture_output=True, text=True, check=False, env=env
        )
        for line in done.stdout.splitlines():
            match = re.match(r"\s*(\S+) => (\S+)", line)
            if match is None:
                continue
            name, where = match.groups()
            if where == "not":
                missing.add(name)
            elif not str(Path(where).resolve()).startswith(inside):
                libraries.add(where)
    if missing:
        raise DebError(
            f"libraries the bundle needs but nothing provides: {sorted(missing)}; install "
            "the Debian packages that ship them (apt-file search NAME), as .ci/run does"
        )
    return libraries


def debian_packages(libraries: set[str]) -> list[str]:
    """The installed Debian packages owning ``libraries`` (``dpkg -S``), sorted, with the
    C library's as ``libc6 (>= <its installed version>)``."""
    owners: set[str] = set()
    for library in libraries:
        resolved = str(Path(library).resolve())
        for candidate in (library, resolved, resolved.replace("/usr/lib/", "/lib/", 1)):
            done = subprocess.run(
                ["dpkg", "-S", candidate], capture_output=True, text=True, check=False
            )
            if done.returncode == 0:
                owners.add(done.stdout.split(":", 1)[0].strip())
                break
        else:
            raise DebError(f"no Debian package owns {library}")
    depends = []
    for package in sorted(owners | set(ALWAYS_DEPENDS)):
        if package == "libc6":
            version = _run("dpkg-query", "-W", "-f=${Version}", "libc6").strip()
            upstream = version.split("-", 1)[0]
            depends.append(f"libc6 (>= {upstream})")
        else:
            depends.append(package)
    return depends


def _copyright() -> str:
    """``/usr/share/doc/jamdesk/copyright`` in Debian's machine-readable format 1.0."""
    license_text = (ROOT / "LICENSE").read_text("utf-8").strip().splitlines()
    body = "\n".join(" " + (line if line.strip() else ".") for line in license_text[2:])
    return (
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
        "Upstream-Name: jamdesk\n\n"
        "Files: *\n"
        f"Copyright: {license_text[2].removeprefix('Copyright (c) ')}\n"
        "License: MIT\n"
        f"{body}\n"
    )


def stage(version: str, bundle: Path, root: Path, arch: str) -> None:
    """Lay out the package's files under ``root`` (which must not exist)."""
    if not (bundle / "jamdesk").is_file():
        raise DebError(f"{bundle} is not a Jamdesk bundle (no jamdesk executable)")
    opt = root / "opt" / "jamdesk"
    shutil.copytree(bundle, opt, symlinks=True)
    (root / "usr" / "bin").mkdir(parents=True)
    (root / "usr" / "bin" / "jamdesk").symlink_to("/opt/jamdesk/jamdesk")
    applications = root / "usr" / "share" / "applications"
    applications.mkdir(parents=True)
    for entry in (f"{APP_ID}.desktop", f"{APP_ID}.Join.desktop"):
        shutil.copy(PACKAGING / entry, applications / entry)
    icons = root / "usr" / "share" / "icons" / "hicolor"
    for size in ICON_SIZES:
        folder = icons / f"{size}x{size}" / "apps"
        folder.mkdir(parents=True)
        shutil.copy(
            ROOT / "resources" / "icons" / "png" / f"jamdesk-{size}.png", folder / "jamdesk.png"
        )
    (icons / "scalable" / "apps").mkdir(parents=True)
    shutil.copy(ROOT / "resources" / "icons" / "jamdesk.svg", icons / "scalable" / "apps")
    metainfo = root / "usr" / "share" / "metainfo"
    metainfo.mkdir(parents=True)
    shutil.copy(PACKAGING / f"{APP_ID}.metainfo.xml", metainfo)
    doc = root / "usr" / "share" / "doc" / "jamdesk"
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(_copyright(), "utf-8")

    depends = debian_packages(outside_libraries(opt))
    installed_kib = sum(p.lstat().st_size for p in root.rglob("*")) // 1024 + 1
    control = root / "DEBIAN" / "control"
    control.parent.mkdir()
    control.write_text(
        f"""Package: jamdesk
Version: {version}
Architecture: {arch}
Maintainer: The Jamdesk developers <maintainers@jamdesk.app>
Installed-Size: {installed_kib}
Depends: {", ".join(depends)}
Recommends: {", ".join(RECOMMENDS)}
Section: education
Priority: optional
Homepage: https://jamdesk.app
Description: shared focus sessions for your study group
 One timer for the whole group (countdown, stopwatch or Pomodoro), joined
 with a short code or found in the lobby of the local network, peer to peer
 over WebRTC data channels. Everyone works on their own goal and sees each
 other's status, reactions, chat and tasks; every jam is kept locally, with
 levels, streaks and Ghost Replay.
""",
        "utf-8",
    )


def make(version: str, bundle: Path, out: Path) -> Path:
    """Build the package; returns its path. Raises :class:`DebError` when a tool fails."""
    arch = _run("dpkg", "--print-architecture").strip()
    root = ROOT / "build" / "deb" / f"jamdesk_{version}_{arch}"
    if root.exists():
        shutil.rmtree(root)
    root.parent.mkdir(parents=True, exist_ok=True)
    stage(version, bundle, root, arch)
    package = out / f"jamdesk_{version}_{arch}.deb"
    _run("dpkg-deb", "--root-owner-group", "-Zxz", "-z6", "--build", str(root), str(package))
    return package


def main(argv: list[str]) -> int:
    """``make_deb.py VERSION BUNDLE_DIR OUT_DIR``."""
    if len(argv) != 3:
        print("usage: make_deb.py VERSION BUNDLE_DIR OUT_DIR", file=sys.stderr)
        return 2
    try:
        print(make(argv[0], Path(argv[1]), Path(argv[2])))
    except DebError as error:
        print(f"make_deb.py: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
