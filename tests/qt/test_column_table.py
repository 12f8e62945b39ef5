"""The flat-table base: column titles, header tooltips, and rows counted by the subclass."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester

from sio_monitor.qt.models.column_table import ColumnTableModel

_DISPLAY = Qt.ItemDataRole.DisplayRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_H, _V = Qt.Orientation.Horizontal, Qt.Orientation.Vertical


class Words(ColumnTableModel):
    def __init__(self, rows: list[tuple[str, str]], tooltips: tuple[str, ...] = ()) -> None:
        super().__init__(("Word", "Length"), tooltips=tooltips)
        self.rows = rows

    def row_count(self) -> int:
        return len(self.rows)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if role == _DISPLAY and index.isValid():
            return self.rows[index.row()][index.column()]
        return None


def test_the_header_shows_the_titles_and_nothing_else(qapp: QApplication) -> None:
    model = Words([("socket", "6"), ("room", "4")])
    assert [model.headerData(c, _H, _DISPLAY) for c in range(model.columnCount())] == [
        "Word",
        "Length",
    ]
    assert model.headerData(0, _H, _TOOLTIP) is None  # no tooltips given
    assert model.headerData(0, _V, _DISPLAY) is None
    assert model.headerData(2, _H, _DISPLAY) is None
    assert model.headerData(-1, _H, _DISPLAY) is None


def test_header_tooltips_where_given(qapp: QApplication) -> None:
    model = Words([], tooltips=("The word as typed",))
    assert model.headerData(0, _H, _TOOLTIP) == "The word as typed"
    assert model.headerData(1, _H, _TOOLTIP) is None


def test_rows_are_the_subclass_count_and_no_row_has_children(qtmodeltester: ModelTester) -> None:
    model = Words([("socket", "6"), ("room", "4")])
    assert (model.rowCount(), model.columnCount()) == (2, 2)
    child_of = model.index(0, 0)
    assert (model.rowCount(child_of), model.columnCount(child_of)) == (0, 0)
    qtmodeltester.check(model)


def test_the_base_alone_does_not_know_its_rows(qapp: QApplication) -> None:
    with pytest.raises(NotImplementedError):
        ColumnTableModel(("A",)).row_count()
