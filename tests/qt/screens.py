"""Screenshots from tests, saved under tests/artifacts/ for a person to look at."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QWidget

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def save_screenshot(widget: QWidget, name: str) -> Path:
    """Render ``widget`` offscreen to tests/artifacts/<name>.png and check it is not empty."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    image = widget.grab().toImage()
    assert not image.isNull() and image.width() > 100 and image.height() > 100
    assert image.save(str(path)), f"could not write {path}"
    return path
