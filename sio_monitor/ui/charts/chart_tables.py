"""The tables beside the charts: the busiest event names with sparklines, disconnection reasons.

Both are small (a dozen rows) and rewritten in place about once a second, so
plain item widgets do; the sparkline is painted by a delegate from a list the
table keeps, which avoids pushing sixty floats per row through QVariant.
Event names and reasons come from the network and are set as item text,
which Qt never renders as markup, cut to a screen line with their size when
longer (Qt would lay out a megabyte-long name on every paint); the table
keeps each name whole, for the click that plots it.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPointF, QRect, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from sio_monitor.domain.format import SHOWN_CHARS, format_bytes, format_si, shorten, text_bytes
from sio_monitor.qt.models.tree_base import plain_tooltip

TOP_COLUMNS = ("Event", "In", "Out", "Total", "Last 60 s")
SPARK_COLUMN = 4
#: The sparkline column gives way first, down to this; the names and numbers never do.
SPARK_MIN = 36
REASON_COLUMNS = ("Disconnection reason", "Count")
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def name_tooltip(name: str) -> str:
    """Says how much of a long event name its cell shows (plain text, never markup)."""
    size = format_bytes(text_bytes(name))
    return plain_tooltip(
        f"An event name of {size} ({len(name):,} characters); "
        f"its first {SHOWN_CHARS} characters show.\nClick to plot it."
    )


def _prepare(table: QTableWidget) -> None:
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(22)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)


def _set_row(table: QTableWidget, row: int, values: tuple[str, ...]) -> None:
    for column, text in enumerate(values):
        item = table.item(row, column)
        if item is None:
            item = QTableWidgetItem()
            if column > 0:
                item.setTextAlignment(RIGHT)
            table.setItem(row, column, item)
        if item.text() != text:
            item.setText(text)


class SparklineDelegate(QStyledItemDelegate):
    """Draws a row's recent rate as a one-pixel line, scaled to its own peak."""

    def __init__(self, table: TopEventsTable) -> None:
        super().__init__(table)
        self._table = table

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        super().paint(painter, option, index)
        values = self._table.spark(index.row())
        if len(values) < 2:
            return
        rect: QRect = option.rect.adjusted(4, 4, -4, -4)
        peak = max(values) or 1.0
        step = rect.width() / (len(values) - 1)
        bottom = rect.bottom()
        line = QPolygonF(
            [
                QPointF(rect.left() + i * step, bottom - value / peak * rect.height())
                for i, value in enumerate(values)
            ]
        )
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setPen(QPen(self._table.spark_colour(index.row()), 1))
        painter.drawPolyline(line)
        painter.restore()


class TopEventsTable(QTableWidget):
    """Busiest event names: rate in, rate out, total, and a sparkline; a click picks a name."""

    name_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(TOP_COLUMNS), parent)
        self.setObjectName("topEventsTable")
        self.setHorizontalHeaderLabels(list(TOP_COLUMNS))
        _prepare(self)
        header = self.horizontalHeader()
        # Names and figures take what they need; the sparkline takes what is left.
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(SPARK_COLUMN, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(SPARK_MIN)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setItemDelegateForColumn(SPARK_COLUMN, SparklineDelegate(self))
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # a cut name's size stays in sight
        self.setToolTip(
            "Click an event name to plot it in the events chart; click again to remove it."
        )
        self._sparks: list[list[float]] = []
        self._colours: list[QColor | None] = []
        self._names: list[str] = []  # whole, row by row: the cells may show them cut
        self._default_colour = QColor("#1565c0")
        self.cellClicked.connect(self._clicked)

    def set_rows(
        self,
        rows: list[tuple[str, float, float, int]],
        sparks: list[list[float]],
        picked: dict[str, str],
    ) -> None:
        """Rewrite the rows in place; ``picked`` maps plotted names to their curve colour."""
        self.setRowCount(len(rows))
        self._sparks = sparks
        self._colours = []
        for row, (name, rate_in, rate_out, total) in enumerate(rows):
            shown = shorten(name)
            _set_row(
                self,
                row,
                (shown, format_si(rate_in, "/s"), format_si(rate_out, "/s"), f"{total:,}", ""),
            )
            item = self.item(row, 0)
            if row >= len(self._names) or self._names[row] is not name:
                item.setToolTip(name_tooltip(name) if shown is not name else "")
            colour = picked.get(name)
            font = item.font()
            if font.bold() != (colour is not None):
                font.setBold(colour is not None)
                item.setFont(font)
            brush = QBrush(QColor(colour)) if colour else self.palette().text()
            if item.foreground() != brush:
                item.setForeground(brush)
            self._colours.append(QColor(colour) if colour else None)
        self._names = [row[0] for row in rows]
        self._hold_width()
        self.viewport().update()

    def _hold_width(self) -> None:
        """As wide as the whole names and figures need, plus the narrowest sparkline."""
        header = self.horizontalHeader()
        needed = sum(
            max(header.sectionSizeHint(column), self.sizeHintForColumn(column))
            for column in range(SPARK_COLUMN)
        )
        scroll = self.verticalScrollBar().sizeHint().width()
        width = needed + SPARK_MIN + scroll + 2 * self.frameWidth() + 4
        if width > self.minimumWidth() or width < self.minimumWidth() - 40:
            self.setMinimumWidth(width)

    def names(self) -> list[str]:
        """The event names listed, whole (their cells may show them cut)."""
        return list(self._names)

    def spark(self, row: int) -> list[float]:
        return self._sparks[row] if 0 <= row < len(self._sparks) else []

    def spark_colour(self, row: int) -> QColor:
        colour = self._colours[row] if 0 <= row < len(self._colours) else None
        return colour or self._default_colour

    def set_default_colour(self, colour: str) -> None:
        self._default_colour = QColor(colour)
        self.viewport().update()

    def _clicked(self, row: int, _column: int) -> None:
        if 0 <= row < len(self._names):
            self.name_clicked.emit(self._names[row])


class ReasonsTable(QTableWidget):
    """Raw disconnections by reason over the window (Node servers send the reason)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(REASON_COLUMNS), parent)
        self.setObjectName("disconnectReasonsTable")
        self.setHorizontalHeaderLabels(list(REASON_COLUMNS))
        _prepare(self)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)

    def set_rows(self, reasons: list[tuple[str, int]]) -> None:
        self.setRowCount(len(reasons))
        for row, (reason, count) in enumerate(reasons):
            _set_row(self, row, (shorten(reason), f"{count:,}"))

    def reasons(self) -> list[tuple[str, str]]:
        return [(self.item(r, 0).text(), self.item(r, 1).text()) for r in range(self.rowCount())]
