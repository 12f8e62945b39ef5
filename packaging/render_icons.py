"""Renders the application icon into the hicolor theme layout desktops look icons up in.

The SVG in resources/ is the only source: the PNGs are rendered from it at
build time with Qt's own SVG renderer, so they can never drift from it. Panels,
docks and menus of desktops that do not scale SVG icons pick the PNG nearest
their size from this set.

    python packaging/render_icons.py OUT_DIR   # writes OUT_DIR/hicolor/...
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "resources" / "sio-monitor.svg"
ICON_NAME = "io.github.sio_monitor.SioMonitor"  # the application id, as freedesktop recommends
SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def render(out_dir: Path) -> list[Path]:
    """Write the scalable SVG and one PNG per size; return the files written."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no display is needed to render
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        raise SystemExit(f"{SOURCE} is not an SVG that Qt can render.")
    written: list[Path] = []
    scalable = out_dir / "hicolor" / "scalable" / "apps" / f"{ICON_NAME}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SOURCE, scalable)
    written.append(scalable)
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        target = out_dir / "hicolor" / f"{size}x{size}" / "apps" / f"{ICON_NAME}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(target), "PNG"):
            raise SystemExit(f"Could not write the icon {target}.")
        written.append(target)
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: render_icons.py OUT_DIR", file=sys.stderr)
        return 2
    for path in render(Path(argv[0])):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
