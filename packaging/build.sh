#!/usr/bin/env bash
# Build Jamdesk's artefacts from this checkout, in a virtual environment of its own:
#   dist/jamdesk-<version>-py3-none-any.whl and dist/jamdesk-<version>.tar.gz  (python -m build)
#   dist/jamdesk/                        the PyInstaller one-folder bundle (jamdesk.spec)
#   dist/jamdesk_<version>_amd64.deb     on Debian/Ubuntu (dpkg-deb): the bundle in /opt/jamdesk
# Prints the time taken and each artefact's size. Needs python3 (3.11+) with venv, and on
# Linux gcc and ICU's icupkg (Debian: icu-devtools) to trim Qt's ICU data; the .deb needs
# dpkg-deb. Usage: bash packaging/build.sh [--no-deb]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
started=$(date +%s)
want_deb=1
[ "${1:-}" = "--no-deb" ] && want_deb=0

step() { printf '== %s (%ss)\n' "$1" "$(($(date +%s) - started))"; }
need() {
  command -v "$1" >/dev/null || { echo "packaging/build.sh: $1 is missing; install $2" >&2; exit 1; }
}
if [ "$(uname)" = Linux ]; then
  need gcc "gcc (Debian: apt-get install gcc)"
  need icupkg "ICU's tools (Debian: apt-get install icu-devtools)"
  [ "$want_deb" = 1 ] && need dpkg-deb "dpkg (Debian and Ubuntu only; or pass --no-deb)"
fi

mkdir -p build dist
venv=build/packaging-venv
step "virtual environment $venv"
python3 -m venv --clear "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "build>=1.2" "pyinstaller>=6.10,<7" "pyelftools>=0.31"

version=$("$venv/bin/python" -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['version'])")
rm -rf dist/jamdesk dist/jamdesk-"$version"* dist/jamdesk_"$version"_*.deb

step "wheel and sdist"
"$venv/bin/python" -m build --outdir dist . >build/python-build.log 2>&1 || {
  tail -30 build/python-build.log >&2; exit 1; }

step "install the wheel (not editable) into $venv"
"$venv/bin/pip" install -q --disable-pip-version-check "dist/jamdesk-$version-py3-none-any.whl"

step "bundle dist/jamdesk (PyInstaller)"
(cd build && "$root/$venv/bin/pyinstaller" --noconfirm --clean --log-level WARN \
  --distpath "$root/dist" --workpath "$root/build/pyinstaller" "$root/jamdesk.spec")

step "size budget"
"$venv/bin/python" benchmarks/bundle_size.py dist/jamdesk --budget-mb 150 --top 8 || {
  echo "packaging/build.sh: the bundle is over its 150 MB budget (packaging/README.md, Size)" >&2
  exit 1
}

if [ "$want_deb" = 1 ]; then
  step "Debian package"
  "$venv/bin/python" packaging/make_deb.py "$version" dist/jamdesk dist
fi

step "done"
echo "built in $(($(date +%s) - started)) s:"
for artefact in dist/jamdesk-"$version"-py3-none-any.whl dist/jamdesk-"$version".tar.gz dist/jamdesk dist/jamdesk_"$version"_*.deb; do
  [ -e "$artefact" ] && printf '  %-45s %s\n' "$artefact" "$(du -sh "$artefact" | cut -f1)"
done
