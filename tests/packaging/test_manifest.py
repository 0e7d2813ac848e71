"""The wheel and an installed copy carry every file the code loads; the bundle's cuts and
the Debian package's metadata follow their rules (the bundle itself: tests/e2e/test_bundle.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

import jamdesk
from tests.packaging.manifest import REPO, missing_under, runtime_files, source_path

sys.path.insert(0, str(REPO / "packaging"))
import bundle_rules
import trim_icu


def test_the_runtime_files_are_listed_from_the_code_and_exist_in_the_checkout() -> None:
    files = runtime_files()
    assert "jamdesk/resources/style.qss" in files
    assert "jamdesk/resources/sounds/chime.ogg" in files
    assert "jamdesk/resources/icons/png/jamdesk-512.png" in files
    assert "jamdesk/store/migrations/env.py" in files
    assert any(name.startswith("jamdesk/store/migrations/versions/0001") for name in files)
    assert [name for name in files if not source_path(name).is_file()] == []


def test_the_wheel_carries_every_runtime_file_and_runs_installed_outside_the_checkout(
    tmp_path: Path,
) -> None:
    """Built as pip builds it, installed non-editable into a folder outside the checkout,
    and run from there: the same files, found by the code that loads them."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("jamdesk-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert [name for name in runtime_files() if name not in names] == []
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    metadata = (
        zipfile.ZipFile(wheel)
        .read(next(n for n in names if n.endswith(".dist-info/METADATA")))
        .decode()
    )
    assert "License-Expression: MIT" in metadata
    assert "Provides-Extra: server" in metadata
    assert not re.search(r"^Requires-Dist: redis[^;]*$", metadata, re.MULTILINE)  # extra only

    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    assert missing_under(site) == []
    env = dict(os.environ, PYTHONPATH=str(site))
    check = (
        "import jamdesk, pathlib;"
        "from jamdesk.ui.theme import style_sheet;"
        "from jamdesk.app.audio import sounds_dir, shipped_sound_files;"
        "assert style_sheet(), 'no style sheet';"
        "assert all((sounds_dir() / n).is_file() for n in shipped_sound_files());"
        "print(pathlib.Path(jamdesk.__file__).parent)"
    )
    where = subprocess.run(
        [sys.executable, "-c", check],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()) == site / "jamdesk"  # the installed copy, not the checkout
    stats = subprocess.run(
        [sys.executable, "-m", "jamdesk", "stats", "--json", "--data-dir", str(tmp_path / "d")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert stats.returncode == 0, stats.stderr  # Alembic ran the installed migration scripts
    assert json.loads(stats.stdout)["level"] == 0


def test_the_bundle_cuts_only_what_jamdesk_never_loads() -> None:
    assert not bundle_rules.keep("PySide6/Qt/translations/qtbase_de.qm")
    assert not bundle_rules.keep("PySide6/Qt/plugins/platformthemes/libqgtk3.so")
    assert not bundle_rules.keep("PySide6/Qt/plugins/imageformats/libqsvg.so")
    assert not bundle_rules.keep("PySide6\\Qt\\plugins\\tls\\qopensslbackend.dll")
    for kept in (
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqwayland.so",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",
        "PySide6/Qt/plugins/platformthemes/libqxdgdesktopportal.so",
        "PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so",
        "PySide6/Qt/plugins/imageformats/libqico.so",
        "PySide6/Qt/lib/libQt6Widgets.so.6",
        "jamdesk/resources/style.qss",
    ):
        assert bundle_rules.keep(kept), kept
    assert "redis" in bundle_rules.EXCLUDED_MODULES


def test_the_icu_trim_keeps_core_data_english_and_time_zones_only() -> None:
    for item in (
        "uprops.icu",
        "nfkc.nrm",
        "uts46.nrm",
        "brkitr/line.brk",
        "coll/root.res",
        "coll/ucadata.icu",
        "root.res",
        "en.res",
        "en_GB.res",
        "pool.res",
        "zoneinfo64.res",
    ):
        assert trim_icu.kept(item), item
    for item in ("de.res", "curr/de.res", "lang/fr.res", "zone/ja.res", "ibm-1390_P110-2003.cnv"):
        assert not trim_icu.kept(item), item


@pytest.mark.skipif(sys.platform != "linux", reason="Qt's ICU library is trimmed on Linux only")
def test_the_trimmed_icu_library_keeps_its_symbol_and_soname(tmp_path: Path) -> None:
    if not (shutil.which("icupkg") and shutil.which("gcc")):
        pytest.skip("needs ICU's icupkg (Debian: icu-devtools) and gcc, as packaging/build.sh")
    import PySide6

    (source,) = (Path(PySide6.__file__).parent / "Qt" / "lib").glob("libicudata.so.*")
    out = tmp_path / source.name
    before, after = trim_icu.trim(source, out)
    assert after < before / 4
    name, data = trim_icu.data_symbol(out)
    assert name == trim_icu.data_symbol(source)[0]
    assert data[2:4] == b"\xda\x27"  # ICU's data header magic (udata.h, MappedData)
    soname = subprocess.run(
        ["readelf", "-d", str(out)], capture_output=True, text=True, check=False
    ).stdout
    assert f"[{source.name}]" in soname


def test_the_desktop_entries_and_appstream_metadata_agree_with_the_package() -> None:
    metainfo = (REPO / "packaging" / f"{jamdesk.APP_ID}.metainfo.xml").read_text("utf-8")
    assert f"<id>{jamdesk.APP_ID}</id>" in metainfo
    assert f'<launchable type="desktop-id">{jamdesk.APP_ID}.desktop</launchable>' in metainfo
    version = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    assert version == jamdesk.__version__
    assert f'<release version="{version}"' in metainfo  # a release entry for this version
    for screenshot in re.findall(r"/screenshots/([\w-]+\.png)</image>", metainfo):
        assert (REPO / "docs" / "screenshots" / screenshot).is_file(), screenshot
    entries = [REPO / "packaging" / f"{jamdesk.APP_ID}{s}.desktop" for s in ("", ".Join")]
    for entry in entries:
        assert "Icon=jamdesk" in entry.read_text("utf-8")
    if shutil.which("desktop-file-validate"):
        done = subprocess.run(
            ["desktop-file-validate", *map(str, entries)], capture_output=True, check=False
        )
        assert done.returncode == 0, done.stdout
    assert not done.stdout, done.stdout
    if shutil.which("appstreamcli"):
        done = subprocess.run(
            [
                "appstreamcli",
                "validate",
                "--no-net",
                str(REPO / "packaging" / f"{jamdesk.APP_ID}.metainfo.xml"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout
