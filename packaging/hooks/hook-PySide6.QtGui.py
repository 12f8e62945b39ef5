"""PySide6.QtGui for a desktop bundle: the plugins a Linux desktop session loads, no others.

Replaces PyInstaller's own hook for this module, which collects every plugin
type of QtGui. Plugins are left out here, before the analysis, rather than
removed from the finished bundle, so the system libraries that only the left-out
plugins link (GTK, Cairo, Pango for the GTK theme; KMS and EGL device support
for eglfs) are never collected either.
"""

from __future__ import annotations

import fnmatch
import os

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

# Plugin type -> file patterns kept; a type that is not listed is kept whole.
KEPT_PLUGINS: dict[str, tuple[str, ...]] = {
    # X11 and Wayland desktops, plus offscreen for screenshots and headless checks.
    "platforms": ("libqxcb.so", "libqwayland*.so", "libqoffscreen.so"),
    # The portal theme uses the desktop's file dialogs; the GTK 3 theme would pull in GTK's stack.
    "platformthemes": ("libqxdgdesktopportal.so",),
    # The application icon is an SVG; PNG support is built into QtGui.
    "imageformats": ("libqsvg.so",),
    # eglfs device integrations and evdev input: for embedded setups with no window system.
    "egldeviceintegrations": (),
    "generic": (),
    # The virtual keyboard needs Qt Quick.
    "platforminputcontexts": ("libcomposeplatforminputcontextplugin.so", "libibus*.so"),
}


def _kept(source: str, destination: str) -> bool:
    plugin_type = os.path.basename(destination)
    if "plugins" not in destination.replace("\\", "/").split("/"):
        return True
    patterns = KEPT_PLUGINS.get(plugin_type)
    if patterns is None:
        return True
    name = os.path.basename(source)
    return any(fnmatch.fnmatch(name, pattern) for pattern in patterns)


hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = [(source, destination) for source, destination in binaries if _kept(source, destination)]
