"""Replies to the server's acks: what the probe answers when the server emits with a callback.

Per event name, a JSON array of the reply's arguments. The table writes into
the dict the probe connection reads, so an edit applies to the next server
ack without reconnecting; a reply that is not a JSON array is named and not
used.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sio_monitor.ui.widgets.inline_error import inline_error


def parse_reply(text: str) -> tuple[Any, ...]:
    """The reply's arguments from a JSON array (an empty cell is no arguments)."""
    if not text.strip():
        return ()
    value = json.loads(text)
    if not isinstance(value, list):
        raise ValueError('a reply must be a JSON array of arguments, as in ["ok", 1]')
    return tuple(value)


class AckRepliesPanel(QWidget):
    """Edits ``replies`` (event name -> reply arguments) in place."""

    def __init__(self, replies: dict[str, tuple[Any, ...]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.replies = replies
        explain = QLabel(
            "When the server emits an event with an ack callback, the probe answers with "
            "these arguments (no arguments for events not listed)."
        )
        explain.setWordWrap(True)
        self.table = QTableWidget(0, 2, objectName="ackReplies")
        self.table.setHorizontalHeaderLabels(["Event", "Reply (JSON array)"])
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.itemChanged.connect(self._edited)
        add = QPushButton("Add reply", objectName="ackReplyAdd")
        add.clicked.connect(lambda: self.add_row())
        remove = QPushButton("Remove", objectName="ackReplyRemove")
        remove.clicked.connect(self._remove)
        self.error = inline_error("ackRepliesError")
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(explain)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)

    def add_row(self, event: str = "", reply: str = "") -> None:
        self.table.blockSignals(True)
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(event))
        self.table.setItem(row, 1, QTableWidgetItem(reply))
        self.table.blockSignals(False)
        self._edited()
        if not event:
            self.table.editItem(self.table.item(row, 0))

    def _remove(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)
            self._edited()

    def _edited(self, _item: QTableWidgetItem | None = None) -> None:
        replies: dict[str, tuple[Any, ...]] = {}
        problems: list[str] = []
        self.table.blockSignals(True)  # colouring a cell is an edit too
        for row in range(self.table.rowCount()):
            name_item, reply_item = self.table.item(row, 0), self.table.item(row, 1)
            name = name_item.text().strip() if name_item is not None else ""
            if not name:
                continue
            try:
                replies[name] = parse_reply(reply_item.text() if reply_item is not None else "")
            except ValueError as exc:
                problems.append(f"{name}: {exc}")
                if reply_item is not None:
                    reply_item.setForeground(Qt.GlobalColor.red)
                continue
            if reply_item is not None:
                reply_item.setForeground(self.palette().text())
        self.table.blockSignals(False)
        self.replies.clear()
        self.replies.update(replies)
        self.error.setVisible(bool(problems))
        self.error.setText("Not used: " + "; ".join(problems) if problems else "")
