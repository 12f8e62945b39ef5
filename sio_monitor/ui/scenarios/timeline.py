"""The step timeline of a scenario run: a row per step with its verdict, time and message.

The selected row's difference (expected against actual, the first differing
path) shows beneath, as plain text: it holds what the server sent.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFontDatabase
from PySide6.QtWidgets import (
    QHeaderView,
    QPlainTextEdit,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sio_monitor.domain.scenario.results import StepResult, Verdict

COLUMNS = ("#", "Step", "Result", "Time", "Message")
RESULT_ROLE = Qt.ItemDataRole.UserRole
_WORDS = {
    Verdict.PASSED: "✓ pass",
    Verdict.FAILED: "✗ fail",
    Verdict.ERROR: "✗ error",
    Verdict.SKIPPED: "skipped",
}
_COLOURS = {
    Verdict.PASSED: "#2e7d32",
    Verdict.FAILED: "#c62828",
    Verdict.ERROR: "#c62828",
    Verdict.SKIPPED: "#757575",
}


class StepTimeline(QWidget):
    """The steps of the current run, in order; a running step says so until it ends."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = QTreeWidget(objectName="scenarioTimeline")
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(COLUMNS)
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setStretchLastSection(True)
        for column in (0, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.resizeSection(1, 300)
        self.diff = QPlainTextEdit(objectName="scenarioDiff", readOnly=True)
        self.diff.setPlaceholderText("Select a failed step to see expected against actual.")
        self.diff.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.diff.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.tree.currentItemChanged.connect(self._show_diff)
        splitter = QSplitter(Qt.Orientation.Vertical, self, objectName="scenarioTimelineSplit")
        splitter.addWidget(self.tree)
        splitter.addWidget(self.diff)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self._rows: dict[int, QTreeWidgetItem] = {}

    def clear(self) -> None:
        self.tree.clear()
        self.diff.clear()
        self._rows.clear()

    def started(self, number: int, label: str, line: int) -> None:
        item = QTreeWidgetItem([str(number), label, "running…", "", f"line {line}"])
        item.setToolTip(1, f"line {line}")
        self.tree.addTopLevelItem(item)
        self.tree.scrollToItem(item)
        self._rows[number] = item

    def finished(self, result: StepResult) -> None:
        item = self._rows.get(result.number)
        if item is None:
            item = QTreeWidgetItem()
            self.tree.addTopLevelItem(item)
            self._rows[result.number] = item
        item.setText(0, str(result.number))
        item.setText(1, result.label)
        item.setText(2, _WORDS[result.verdict])
        item.setText(3, f"{result.duration * 1000:.0f} ms")
        item.setText(4, result.message)
        item.setToolTip(4, result.message)
        item.setForeground(2, QBrush(QColor(_COLOURS[result.verdict])))
        item.setData(0, RESULT_ROLE, result)
        if not result.passed and self.tree.currentItem() is None:
            self.tree.setCurrentItem(item)

    def results(self) -> list[StepResult]:
        found = []
        for index in range(self.tree.topLevelItemCount()):
            result = self.tree.topLevelItem(index).data(0, RESULT_ROLE)
            if isinstance(result, StepResult):
                found.append(result)
        return found

    def _show_diff(self, item: QTreeWidgetItem | None, _previous: object = None) -> None:
        result = item.data(0, RESULT_ROLE) if item is not None else None
        if not isinstance(result, StepResult):
            self.diff.clear()
            return
        text = f"Step {result.number} (line {result.line}): {result.label}\n{result.message}"
        if result.diff():
            text += "\n\n" + result.diff()
        self.diff.setPlainText(text)
