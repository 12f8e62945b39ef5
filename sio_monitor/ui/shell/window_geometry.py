"""Where the window opens the first time: three quarters of the screen, centred.

Later starts restore the saved geometry instead (``MainWindow._restore_layout``).
The size never goes below what the views are laid out for (1024x640) unless
the screen itself is smaller.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize

SHARE = 0.75
SMALLEST = QSize(1024, 640)


def first_geometry(available: QRect) -> QRect:
    width = min(available.width(), max(SMALLEST.width(), round(available.width() * SHARE)))
    height = min(available.height(), max(SMALLEST.height(), round(available.height() * SHARE)))
    left = available.x() + (available.width() - width) // 2
    top = available.y() + (available.height() - height) // 2
    return QRect(left, top, width, height)
