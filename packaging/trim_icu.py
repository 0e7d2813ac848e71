"""Rebuild Qt's ICU data library with only the data Jamdesk's Qt can use (Linux bundle).

PySide6's ``libicudata.so.<N>`` is 31 MB: ICU's whole data package, one symbol
``icudt<N>_dat`` that ``libicuuc`` reads (ICU User Guide, "ICU Data": "the data is built
into a shared library ... the common data"). Every build of ``libQt6Core`` names it, so it
cannot be left out, but most of it is locale display names (currencies, languages, regions,
units, time-zone names), number spell-out rules, transliterators and legacy-encoding
converters: things Qt reaches only through ``QCollator`` for non-English collation, ICU-based
``QStringConverter`` codecs and ``QLocale`` names, none of which Jamdesk uses (its texts are
English and its strings UTF-8; ``packaging/README.md``, "Size").

This keeps the core property tables, normalisation, IDNA/StringPrep profiles, break
iterators, the root and English locales with their collation, and the time-zone and
supplemental data, then writes the package back into a shared library of the same name and
symbol. ICU's own ``icupkg`` (Debian's ``icu-devtools``) removes the items and checks that
what stays is complete (it refuses a package whose kept resources need a removed one).

Usage: ``python trim_icu.py SRC_LIBRARY DEST_LIBRARY`` (needs ``icupkg``, ``gcc`` and
``pyelftools``); prints the sizes before and after.
"""

from __future__ import annotations

import fnmatch
import subprocess
import sys
import tempfile
from pathlib import Path

from elftools.elf.elffile import ELFFile

KEPT = (
    # Core: property tables, normalisation and StringPrep/IDNA, converter aliases.
    "*.icu",
    "*.nrm",
    "*.spp",
    # Word, line and sentence breaking (Thai/CJK dictionaries included).
    "brkitr/*",
    # Collation: the root order and English.
    "coll/root.res",
    "coll/en*.res",
    "coll/ucadata.icu",
    "coll/res_index.res",
    # Locales: root and English, the shared string pool, the index.
    "root.res",
    "en.res",
    "en_*.res",
    "pool.res",
    "res_index.res",
    # Locale-independent data: subtags, plurals, numbering, calendars' day periods, time
    # zones (QTimeZone's ICU backend), key types.
    "supplementalData.res",
    "likelySubtags.res",
    "plurals.res",
    "numberingSystems.res",
    "dayPeriods.res",
    "keyTypeData.res",
    "metadata.res",
    "grammaticalFeatures.res",
    "genderList.res",
    "icuver.res",
    "icustd.res",
    "zoneinfo64.res",
    "metaZones.res",
    "timezoneTypes.res",
    "windowsZones.res",
    "units.res",
    "currencyNumericCodes.res",
)


class TrimError(RuntimeError):
    """The library is not what this expects (no ``icudt*_dat`` symbol), or a tool failed."""


def data_symbol(library: Path) -> tuple[str, bytes]:
    """The ICU common-data symbol of ``library`` and its bytes: ``("icudt73_dat", b"...")``.

    Raises :class:`TrimError` when the library has no single ``icudt*_dat`` symbol."""
    with library.open("rb") as stream:
        elf = ELFFile(stream)
        symbols = elf.get_section_by_name(".dynsym")
        found = [s for s in symbols.iter_symbols() if fnmatch.fnmatch(s.name, "icudt*_dat")]
        if len(found) != 1:
            raise TrimError(f"{library}: expected one icudt*_dat symbol, found {len(found)}")
        symbol = found[0]
        section = elf.get_section(symbol["st_shndx"])
        start = symbol["st_value"] - section["sh_addr"] + section["sh_offset"]
        stream.seek(start)
        return symbol.name, stream.read(symbol["st_size"])


def kept(item: str) -> bool:
    """Whether the package item ``item`` (``"coll/en.res"``, without the ``icudt73l/``
    prefix) stays."""
    return any(fnmatch.fnmatch(item, pattern) for pattern in KEPT)


def _run(*command: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise TrimError(f"{command[0]} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def trim(source: Path, dest: Path) -> tuple[int, int]:
    """Write the trimmed ``dest`` library from ``source``; returns both sizes in bytes.

    Raises :class:`TrimError` when a tool fails or the data is not ICU's."""
    symbol, data = data_symbol(source)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        # icupkg checks that item names start with the package's name: icudt73l (little-endian).
        name = symbol.removesuffix("_dat") + ("l" if sys.byteorder == "little" else "b")
        package = folder / f"{name}.dat"
        package.write_bytes(data)
        items = _run("icupkg", "-l", str(package)).split()
        removed = [item for item in items if not kept(item)]
        (folder / "removed.txt").write_text("\n".join(removed) + "\n", "utf-8")
        (folder / "out").mkdir()
        trimmed = folder / "out" / f"{name}.dat"
        _run("icupkg", "-r", str(folder / "removed.txt"), str(package), str(trimmed))
        assembly = folder / "data.s"
        assembly.write_text(
            f"""    .section .rodata
    .globl {symbol}
    .type {symbol}, @object
    .balign 16
{symbol}:
    .incbin "{trimmed}"
    .size {symbol}, . - {symbol}
    .section .note.GNU-stack,"",@progbits
""",
            "utf-8",
        )
        soname = source.name
        _run("gcc", "-shared", "-nostdlib", f"-Wl,-soname,{soname}", "-o", str(dest), str(assembly))
    return source.stat().st_size, dest.stat().st_size


def main(argv: list[str]) -> int:
    """The command line: ``trim_icu.py SRC DEST``."""
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 2
    before, after = trim(Path(argv[0]), Path(argv[1]))
    print(f"{argv[0]}: {before / 1e6:.1f} MB -> {argv[1]}: {after / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
