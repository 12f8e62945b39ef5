"""The overview's tiles: a figure, its change over the minute and a sparkline each.

The grid reflows with the width (as many columns as fit 170 pixels each, at
most one row of all tiles), so nothing is cut at 1024 pixels and a wide
screen shows every tile in one row. All text is plain.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from sio_monitor.domain.throughput.overview_figures import TILES, Tile, change_text
from sio_monitor.qt.models.tree_base import plain_tooltip
from sio_monitor.ui.overview.sparkline import Sparkline

TILE_WIDTH = 170


def _label(name: str, style: str) -> QLabel:
    label = QLabel(objectName=name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setStyleSheet(style)
    return label


class TileWidget(QFrame):
    def __init__(self, key: str, title: str, unit: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.unit = unit
        self.setObjectName(f"tile_{key}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumWidth(TILE_WIDTH - 40)
        self.title = _label("tileTitle", "font-size: 11px;")
        self.title.setText(title)
        self.value = _label("tileValue", "font-size: 22px; font-weight: 600;")
        self.change = _label("tileChange", "font-size: 11px;")
        self.why = _label("tileWhy", "font-size: 11px; font-style: italic;")
        self.why.setWordWrap(True)
        self.why.hide()
        self.spark = Sparkline(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(1)
        layout.addWidget(self.title)
        layout.addWidget(self.value)
        layout.addWidget(self.change)
        layout.addWidget(self.why)
        layout.addWidget(self.spark)
        self.setAccessibleName(title)

    def show_tile(self, tile: Tile) -> None:
        if self.value.text() != tile.text:
            self.value.setText(tile.text)
        self.change.setText(change_text(tile.change, self.unit))
        self.change.setVisible(tile.value is not None)
        self.why.setText(tile.why)
        self.why.setVisible(bool(tile.why))
        self.spark.setVisible(tile.value is not None)
        self.spark.set_values(tile.spark)
        self.setToolTip(plain_tooltip(tile.why) if tile.why else "")
        self.setAccessibleDescription(f"{tile.title}: {tile.text}. {tile.why}".strip())


class TileGrid(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("overviewTiles")
        # The grid follows the width it is given (reflowing in resizeEvent); its minimum at
        # the current column count must not hold the window wide after a wider screen.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.tiles = {spec.key: TileWidget(spec.key, spec.title, spec.unit, self) for spec in TILES}
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(6)
        self._columns = 0
        self._reflow(5)

    def columns(self) -> int:
        return self._columns

    def show_tiles(self, tiles: Sequence[Tile]) -> None:
        for tile in tiles:
            self.tiles[tile.key].show_tile(tile)

    def _reflow(self, columns: int) -> None:
        columns = max(3, min(len(self.tiles), columns))
        if columns == self._columns:
            return
        self._columns = columns
        for widget in self.tiles.values():
            self._grid.removeWidget(widget)
        for index, widget in enumerate(self.tiles.values()):
            self._grid.addWidget(widget, index // columns, index % columns)
        for column in range(len(self.tiles)):
            self._grid.setColumnStretch(column, 1 if column < columns else 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        columns = max(1, event.size().width() // TILE_WIDTH)
        # Even rows read better than one straggler: 9 tiles go 9, 5+4 or 3+3+3.
        if columns < len(self.tiles):
            columns = 5 if columns >= 5 else 3
        self._reflow(columns)
