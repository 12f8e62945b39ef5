"""A minute of one figure as a thin line: painted by hand, no plot widget per tile.

Nine tiles each with a pyqtgraph plot would cost more than the rest of the
overview together; a polyline over at most sixty points is a few microseconds.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget


class Sparkline(QWidget):
    """The values from left (oldest) to right (newest), scaled from zero to their maximum."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._values: tuple[float, ...] = ()
        self.colour: QColor | None = None  # None: the palette's highlight
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(22)

    def sizeHint(self) -> QSize:
        return QSize(120, 26)

    def set_values(self, values: Sequence[float]) -> None:
        values = tuple(values)
        if values != self._values:
            self._values = values
            self.update()

    def values(self) -> tuple[float, ...]:
        return self._values

    def paintEvent(self, _event: QPaintEvent) -> None:
        values = self._values
        if len(values) < 2:
            return
        top = max(values) or 1.0
        w, h = self.width() - 2, self.height() - 3
        step = w / (len(values) - 1)
        line = QPolygonF(
            [QPointF(1 + i * step, 1 + h - (v / top) * h) for i, v in enumerate(values)]
        )
        colour = self.colour or self.palette().color(QPalette.ColorRole.Highlight)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fill = QColor(colour)
        fill.setAlpha(50)
        area = QPolygonF(line)
        area.append(QPointF(1 + w, 1 + h))
        area.append(QPointF(1, 1 + h))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawPolygon(area)
        painter.setPen(QPen(colour, 1.5))
        painter.drawPolyline(line)
        painter.end()
