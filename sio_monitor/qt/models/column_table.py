"""The flat-table base: fixed columns with titles, rows counted by the subclass.

Every table model here is flat (no row has children) and has a fixed set of
columns; only how rows are stored and shown differs. The base answers the
column count and the horizontal header (a title, and a tooltip where one is
given) and asks the subclass for nothing but ``row_count``; ``tree_base`` is the
same idea for the trees.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

_Index = QModelIndex | QPersistentModelIndex

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_HORIZONTAL = Qt.Orientation.Horizontal


class ColumnTableModel(QAbstractTableModel):
    """A flat table with the column ``titles``; ``tooltips``, where given, explain a header."""

    def __init__(
        self,
        titles: Sequence[str],
        parent: QObject | None = None,
        *,
        tooltips: Sequence[str] = (),
    ) -> None:
        super().__init__(parent)
        self.titles = tuple(titles)
        self.tooltips = tuple(tooltips)

    def row_count(self) -> int:
        """How many rows the table shows now."""
        raise NotImplementedError

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.row_count()

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.titles)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation != _HORIZONTAL or not 0 <= section < len(self.titles):
            return None
        if role == _DISPLAY:
            return self.titles[section]
        if role == _TOOLTIP and section < len(self.tooltips) and self.tooltips[section]:
            return self.tooltips[section]
        return None
