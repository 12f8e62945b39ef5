#!/usr/bin/env bash
# Builds the one-folder desktop bundle dist/sio-monitor/ with PyInstaller.
#
#   bash packaging/build.sh [VENV]      VENV: the project's venv (default .venv)
#
# The venv must have the project installed (pip install -e . or pip install .);
# PyInstaller is installed into it at the version packaging/requirements.txt
# pins. The bundle holds the executable, its libraries under _internal/, and a
# share/ tree (desktop entry, AppStream metadata, icons) laid out like a
# prefix, to copy into ~/.local/share or /usr/share.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${1:-.venv}"
python="$venv/bin/python"
app_id="io.github.sio_monitor.SioMonitor"
bundle="dist/sio-monitor"

if [ ! -x "$python" ]; then
    echo "No Python at $python: create the venv and install the project first" \
        "(python3 -m venv .venv && .venv/bin/pip install -e .)." >&2
    exit 1
fi
if ! "$python" -c "import sio_monitor" 2>/dev/null; then
    echo "The project is not installed in $venv: run $venv/bin/pip install -e . first." >&2
    exit 1
fi

"$python" -m pip install -q --disable-pip-version-check -r packaging/requirements.txt

# Icons are rendered first: a broken SVG fails the build before PyInstaller runs.
rm -rf build/icons
QT_QPA_PLATFORM=offscreen "$python" packaging/render_icons.py build/icons >/dev/null

"$python" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/sio-monitor.spec

# An interpreter built with debug information (pyenv's, for one) would bring it
# along: 20 MB and more that nothing reads. Only the interpreter's own files are
# stripped; the wheels' libraries ship as their makers built them.
if command -v strip >/dev/null 2>&1; then
    find "$bundle/_internal" -maxdepth 1 -type f -name 'libpython3*.so*' -exec strip --strip-debug {} +
    find "$bundle/_internal" -path '*/lib-dynload/*.so' -type f -exec strip --strip-debug {} +
fi

share="$bundle/share"
install -D -m 644 "packaging/$app_id.desktop" "$share/applications/$app_id.desktop"
install -D -m 644 "packaging/$app_id.metainfo.xml" "$share/metainfo/$app_id.metainfo.xml"
mkdir -p "$share/icons"
cp -r build/icons/hicolor "$share/icons/"

echo "Built $bundle ($(du -sh "$bundle" | cut -f1)): run $bundle/sio-monitor"
