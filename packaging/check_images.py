"""Checks the pictures the bundle makes: the demo screenshot and the rendered icons.

An exit code of 0 from ``sio-monitor --demo --screenshot`` says only that a
PNG was written: the window saves one even when no data came (after a minute),
so the screenshot must show the data too. On the topology tab, live data means
rows of socket ids, names and times down the tree and the details pane; the
same window without data is almost all background and a handful of labels.
Text is measured as dark pixels, which does not depend on where the widgets sit.

    python packaging/check_images.py screenshot FILE
    python packaging/check_images.py icons SHARE_DIR

Prints what it found; on a failure, one sentence on stderr and exit code 1.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

# Share of dark (text) pixels: about 5 % with 80 demo sockets shown, under 0.5 %
# for the same window with no data and an error in the status bar.
MIN_TEXT_SHARE = 0.02
DARK_LIGHTNESS = 100  # of 255: text and icons, not frames, selections or greyed labels
MIN_WIDTH, MIN_HEIGHT = 800, 500  # the window is grabbed at 1200 x 760


class ImageCheckError(Exception):
    """A picture is missing, unreadable, or does not show what it should."""


def _load(path: Path):  # -> QImage, imported lazily so --help needs no Qt
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication, QImage

    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    if not path.is_file():
        raise ImageCheckError(f"{path} was not written.")
    image = QImage(str(path))
    if image.isNull():
        raise ImageCheckError(f"{path} is not an image Qt can read.")
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def text_share(image, step: int = 2) -> float:
    """The share of opaque dark pixels, sampled on a grid of ``step`` pixels."""
    dark = total = 0
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            total += 1
            colour = image.pixelColor(x, y)
            if colour.alpha() == 255 and colour.lightness() < DARK_LIGHTNESS:
                dark += 1
    return dark / total if total else 0.0


def distinct_pixels(image) -> int:
    return len({image.pixel(x, y) for y in range(image.height()) for x in range(image.width())})


def check_screenshot(path: Path) -> str:
    image = _load(path)
    if image.width() < MIN_WIDTH or image.height() < MIN_HEIGHT:
        raise ImageCheckError(
            f"{path} is {image.width()} x {image.height()} pixels, "
            f"smaller than the window's {MIN_WIDTH} x {MIN_HEIGHT} at least."
        )
    share = text_share(image)
    if share < MIN_TEXT_SHARE:
        raise ImageCheckError(
            f"{path} shows no live data: {share:.1%} of it is text, "
            f"where the demo's sockets fill at least {MIN_TEXT_SHARE:.0%}."
        )
    return f"{path}: {image.width()} x {image.height()} pixels, {share:.1%} text"


def check_icons(share_dir: Path) -> str:
    """Every hicolor PNG is of the size its folder names, and not blank."""
    pngs = sorted(
        (share_dir / "icons" / "hicolor").glob("*x*/apps/*.png"),
        key=lambda png: int(png.parent.parent.name.partition("x")[0]),
    )
    if not pngs:
        raise ImageCheckError(f"{share_dir}/icons/hicolor holds no PNG icons.")
    sizes = []
    for png in pngs:
        match = re.fullmatch(r"(\d+)x(\d+)", png.parent.parent.name)
        image = _load(png)
        if match is None or (image.width(), image.height()) != (
            int(match[1]),
            int(match[2]),
        ):
            raise ImageCheckError(
                f"{png} is {image.width()} x {image.height()}, not the size its folder names."
            )
        if distinct_pixels(image) < 2:
            raise ImageCheckError(f"{png} is blank: every pixel is the same.")
        sizes.append(image.width())
    return f"{len(pngs)} icons: " + ", ".join(f"{size}px" for size in sizes)


def main(argv: list[str]) -> int:
    checks = {"screenshot": check_screenshot, "icons": check_icons}
    if len(argv) != 2 or argv[0] not in checks:
        print("usage: check_images.py screenshot FILE | icons SHARE_DIR", file=sys.stderr)
        return 2
    try:
        print(checks[argv[0]](Path(argv[1])))
    except ImageCheckError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
