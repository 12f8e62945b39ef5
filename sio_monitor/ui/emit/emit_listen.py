"""The listen side of the emit console: the log of the probe's conversation and its details.

The table follows the newest row until the user scrolls up, like a terminal;
pinned event names narrow it to what is being debugged. The details pane is
plain text (a payload is never read as markup) and binary arguments can be
saved to a file byte for byte.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from sio_monitor.qt.models.emit_log_model import EmitLogModel, LogEntry
from sio_monitor.ui.widgets.inline_error import inline_error


def parse_pins(text: str) -> list[str]:
    return [name for name in text.replace(",", " ").split() if name]


class ListenPanel(QWidget):
    """The log table with its filter row, and the selected entry in full below."""

    def __init__(self, model: EmitLogModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.listen = QCheckBox("Listen", objectName="emitListen", checked=True)
        self.listen.setToolTip("Log every event the server sends to the probe")
        self.listen.toggled.connect(self._listen_toggled)
        self.pins = QLineEdit(objectName="emitPins", placeholderText="all events")
        self.pins.setToolTip("Show only these event names (separated by spaces or commas)")
        self.pins.textChanged.connect(lambda text: model.set_pinned(parse_pins(text)))
        pin = QPushButton("Pin selected", objectName="emitPinSelected")
        pin.clicked.connect(self._pin_selected)
        self.count = QLabel(objectName="emitLogCount")
        self.latest = QPushButton("Jump to latest", objectName="emitLogLatest")
        self.latest.clicked.connect(self.jump_to_latest)
        self.latest.hide()
        clear = QPushButton("Clear", objectName="emitLogClear")
        clear.clicked.connect(model.clear)

        self.table = QTableView(objectName="emitLog")
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((92, 24, 80, 120, 260)):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().selectionChanged.connect(self._selected)
        self.table.verticalScrollBar().valueChanged.connect(self._scrolled)

        self.details = QPlainTextEdit(objectName="emitDetails", readOnly=True)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setPlaceholderText("Select a row to see every argument in full.")
        self.save_binary = QPushButton("Save binary…", objectName="emitSaveBinary")
        self.save_binary.setEnabled(False)
        self.save_binary.clicked.connect(self._save_binary)
        self.error = inline_error("emitListenError")

        filters = QHBoxLayout()
        filters.addWidget(self.listen)
        filters.addWidget(QLabel("Only"))
        filters.addWidget(self.pins, 1)
        filters.addWidget(pin)
        filters.addWidget(self.count)
        filters.addWidget(self.latest)
        filters.addWidget(clear)
        below = QWidget()
        below_layout = QVBoxLayout(below)
        below_layout.setContentsMargins(0, 0, 0, 0)
        below_layout.addWidget(self.details, 1)
        row = QHBoxLayout()
        row.addWidget(self.error, 1)
        row.addStretch(0)
        row.addWidget(self.save_binary, 0, Qt.AlignmentFlag.AlignRight)
        below_layout.addLayout(row)
        split = QSplitter(Qt.Orientation.Vertical, objectName="emitLogSplit")
        split.addWidget(self.table)
        split.addWidget(below)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(filters)
        layout.addWidget(split, 1)

        self._following = True
        model.rowsInserted.connect(self._rows_added)
        model.modelReset.connect(self._rows_added)
        self._rows_added()

    def jump_to_latest(self) -> None:
        self._following = True
        self.latest.hide()
        self.table.scrollToBottom()

    def select_latest(self, direction: str) -> None:
        """Select the newest row of one direction (e.g. the last ack) and show it in full."""
        for row in range(self.model.rowCount() - 1, -1, -1):
            if self.model.entry(row).direction == direction:
                self.table.selectRow(row)
                return

    def _rows_added(self) -> None:
        shown, total = self.model.rowCount(), self.model.total
        self.count.setText(f"{shown:,} of {total:,}" if self.model.pinned else f"{total:,}")
        if self._following:
            self.table.scrollToBottom()

    def _scrolled(self, value: int) -> None:
        bar = self.table.verticalScrollBar()
        self._following = value >= bar.maximum() - 1
        self.latest.setVisible(not self._following)

    def _listen_toggled(self, on: bool) -> None:
        self.model.listening = on

    def selected_entry(self) -> LogEntry | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.entry(rows[0].row()) if rows else None

    def _selected(self, _new: QItemSelection, _old: QItemSelection) -> None:
        entry = self.selected_entry()
        self.details.setPlainText(entry.details() if entry is not None else "")
        self.save_binary.setEnabled(entry is not None and bool(entry.binaries()))

    def _pin_selected(self) -> None:
        entry = self.selected_entry()
        if entry is None or not entry.event:
            return
        pins = parse_pins(self.pins.text())
        if entry.event not in pins:
            self.pins.setText(" ".join([*pins, entry.event]))

    def _save_binary(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            return
        for number, data in entry.binaries():
            suggested = f"{entry.event[:64] or 'payload'}-arg{number}.bin"
            path, _ = QFileDialog.getSaveFileName(self, f"Save argument {number}", suggested)
            if not path:
                return
            try:
                Path(path).write_bytes(data)
            except OSError as exc:
                self.error.setText(f"Could not save {path}: {exc.strerror or exc}.")
                self.error.show()
                return
        self.error.hide()
