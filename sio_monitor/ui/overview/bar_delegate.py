"""Small bars behind a table's numbers: each row's share of the column's largest value.

The namespaces read at a glance (which one holds the sockets, which one is
busy) without a chart; the number stays as text on top, right-aligned.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem, QWidget

#: The data role holding the bar's fraction (0..1); absent or None for no bar.
BAR_ROLE = Qt.ItemDataRole.UserRole + 40


class BarDelegate(QStyledItemDelegate):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        fraction = index.data(BAR_ROLE)
        if isinstance(fraction, float) and fraction > 0:
            rect = option.rect.adjusted(3, 4, -3, -4)
            width = max(2, int(rect.width() * min(1.0, fraction)))
            colour = QColor(option.palette.color(QPalette.ColorRole.Highlight))
            colour.setAlpha(70)
            painter.save()
            painter.fillRect(QRect(rect.left(), rect.top(), width, rect.height()), colour)
            painter.restore()
        super().paint(painter, option, index)
