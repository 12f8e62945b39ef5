#!/usr/bin/env bash
# CI check of the desktop packaging, from a clean clone whose venv has the
# project installed (.ci/run makes .venv):
#
#   bash packaging/check.sh [VENV]      VENV: the project's venv (default .venv)
#
# Builds the one-folder bundle (packaging/build.sh installs PyInstaller into
# VENV), looks inside it for what must and must not be there, runs the two smoke
# checks on the built executable offscreen (--version, and --demo with a
# screenshot that must show the demo's live data), and validates the desktop
# entry and the AppStream metadata. Any failure ends it with a non-zero exit
# code and one sentence on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${1:-.venv}"
python="$venv/bin/python"
app_id="io.github.sio_monitor.SioMonitor"
bundle="dist/sio-monitor"
exe="$bundle/sio-monitor"
smoke="build/smoke"
export QT_QPA_PLATFORM=offscreen

step() { printf '\n=== packaging: %s\n' "$*"; }
fail() {
    echo "Packaging check failed: $*" >&2
    exit 1
}

for tool in desktop-file-validate appstreamcli timeout; do
    command -v "$tool" >/dev/null 2>&1 ||
        fail "$tool is not installed (Debian packages desktop-file-utils, appstream, coreutils)."
done
[ -x "$python" ] || fail "there is no Python at $python; create the venv and install the project first."

step "Build (bash packaging/build.sh $venv)"
started=$(date +%s)
bash packaging/build.sh "$venv" || fail "the bundle did not build; PyInstaller's output above says why."
build_seconds=$(($(date +%s) - started))
echo "Build took ${build_seconds} s; the bundle is $(du -sh "$bundle" | cut -f1)."

step "Contents"
[ -x "$exe" ] || fail "the bundle has no executable $exe."
[ -f "$bundle/_internal/sio_monitor/resources/sio-monitor.svg" ] ||
    fail "the bundle lacks the application icon resource sio_monitor/resources/sio-monitor.svg."
unwanted=$(find "$bundle" \( -name '*.qm' -o -name 'libQt6Qml*' -o -name 'libQt6Quick*' \
    -o -name 'libQt6WebEngine*' -o -name 'libQt63D*' -o -name 'libQt6Pdf*' \
    -o -name 'QtWebEngineProcess' -o -name 'libgtk-3*' \) -print | head -5)
[ -z "$unwanted" ] || fail "the bundle holds parts the app does not use: $(echo "$unwanted" | tr '\n' ' ')"
for platform in libqxcb.so 'libqwayland*.so' libqoffscreen.so; do
    compgen -G "$bundle/_internal/PySide6/Qt/plugins/platforms/$platform" >/dev/null ||
        fail "the bundle lacks the Qt platform plugin $platform."
done
[ -f "$bundle/_internal/PySide6/Qt/plugins/iconengines/libqsvgicon.so" ] ||
    fail "the bundle lacks Qt's SVG icon engine, which draws the application icon."
"$python" packaging/check_images.py icons "$bundle/share" || fail "the rendered icons are wrong (said above)."

step "Smoke check: sio-monitor --version"
expected="sio-monitor $("$python" -c 'import sio_monitor; print(sio_monitor.__version__)')"
version_out=$("$exe" --version 2>&1) || fail "$exe --version exited with an error: $version_out"
echo "$version_out"
[ "$version_out" = "$expected" ] || fail "$exe --version printed '$version_out', not '$expected'."

step "Smoke check: sio-monitor --demo --screenshot (offscreen)"
# The window keeps its settings under XDG_CONFIG_HOME: give the check its own.
rm -rf "$smoke"
mkdir -p "$smoke/config" "$smoke/data" "$smoke/cache" "$smoke/state"
shot="$smoke/demo-topology.png"
started=$(date +%s)
set +e
XDG_CONFIG_HOME="$PWD/$smoke/config" XDG_DATA_HOME="$PWD/$smoke/data" \
    XDG_CACHE_HOME="$PWD/$smoke/cache" XDG_STATE_HOME="$PWD/$smoke/state" \
    timeout 90 "$exe" --demo --tab topology --screenshot "$shot" >"$smoke/demo.log" 2>&1
demo_status=$?
set -e
echo "exit code $demo_status after $(($(date +%s) - started)) s"
if [ "$demo_status" -ne 0 ]; then
    tail -n 20 "$smoke/demo.log" >&2
    [ "$demo_status" -eq 124 ] && fail "$exe --demo --screenshot was still running after 90 s."
    fail "$exe --demo --screenshot exited with code $demo_status."
fi
if grep -q "Traceback" "$smoke/demo.log"; then
    tail -n 20 "$smoke/demo.log" >&2
    fail "$exe --demo printed a Python traceback."
fi
"$python" packaging/check_images.py screenshot "$shot" ||
    fail "the --demo screenshot does not show the demo server's data (said above)."
if command -v pgrep >/dev/null 2>&1 && leftover=$(pgrep -f "$(realpath "$exe") demo-server"); then
    kill $leftover 2>/dev/null || true
    fail "the demo server (pid $(echo $leftover)) outlived the window."
fi

step "Desktop entry and AppStream metadata"
desktop-file-validate "$bundle/share/applications/$app_id.desktop" ||
    fail "desktop-file-validate rejected packaging/$app_id.desktop."
echo "desktop-file-validate: $app_id.desktop is valid"
appstreamcli validate --no-net "$bundle/share/metainfo/$app_id.metainfo.xml" ||
    fail "appstreamcli rejected packaging/$app_id.metainfo.xml."
appstreamcli validate-tree --no-net "$bundle" ||
    fail "appstreamcli found the bundle's share/ tree inconsistent (desktop entry, metadata, icons)."
newest=$(sed -n 's/.*<release version="\([^"]*\)".*/\1/p' "packaging/$app_id.metainfo.xml" | head -n 1)
[ "sio-monitor $newest" = "$expected" ] ||
    fail "the newest release in packaging/$app_id.metainfo.xml is '$newest', not the app's version ($expected)."

echo
echo "Packaging check passed: bundle $(du -sh "$bundle" | cut -f1), built in ${build_seconds} s."
