"""The application icon, found inside the installed package or beside it in a checkout."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from PySide6.QtGui import QIcon

ICON_NAME = "sio-monitor.svg"


def resource_path(name: str) -> Path:
    """Wheels carry resources/ inside the package; a source checkout has it at the top."""
    packaged = Path(str(resources.files("sio_monitor"))) / "resources" / name
    if packaged.exists():
        return packaged
    return Path(__file__).resolve().parents[3] / "resources" / name


@cache
def app_icon() -> QIcon:
    return QIcon(str(resource_path(ICON_NAME)))
