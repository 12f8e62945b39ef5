"""The emit console's memory: this run's history, saved snippets, and the variable table.

History rows are the requests as typed; a click loads one into the form and a
double click (or Enter) sends it again. Snippets are saved across restarts
and carry ``{{name}}`` variables that the table of the current connection
fills in; a variable marked secret is kept for this run only.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sio_monitor.domain.clock_format import time_of_day
from sio_monitor.domain.emit.emit_requests import EmitRequest, HistoryEntry, RequestError
from sio_monitor.domain.emit.snippets import Snippet, SnippetBook, Variable
from sio_monitor.store.json_files import DocumentError
from sio_monitor.store.snippets_store import SnippetStore, export_book, import_book
from sio_monitor.ui.widgets.inline_error import inline_error

ENTRY_ROLE = Qt.ItemDataRole.UserRole


class HistoryPanel(QWidget):
    """Every emit of this run with its result; newest at the bottom."""

    load_requested = Signal(object)  # EmitRequest
    resend_requested = Signal(object)  # EmitRequest

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget(objectName="emitHistory")
        self.list.setUniformItemSizes(True)
        self.list.itemClicked.connect(lambda item: self.load_requested.emit(self._request(item)))
        self.list.itemActivated.connect(
            lambda item: self.resend_requested.emit(self._request(item))
        )
        resend = QPushButton("Send again", objectName="emitResend")
        resend.setToolTip("Send the selected emit again (or double-click it)")
        resend.clicked.connect(self._resend_selected)
        hint = QLabel("Up and Down in the event field recall these too.")
        hint.setEnabled(False)
        row = QHBoxLayout()
        row.addWidget(hint, 1)
        row.addWidget(resend)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)
        self._items: dict[int, QListWidgetItem] = {}

    def add(self, entry: HistoryEntry) -> None:
        item = QListWidgetItem()
        item.setData(ENTRY_ROLE, entry)
        self._items[id(entry)] = item
        self.list.addItem(item)
        self.refresh(entry)
        self.list.scrollToBottom()

    def refresh(self, entry: HistoryEntry) -> None:
        item = self._items.get(id(entry))
        if item is None:
            return
        stamp = time_of_day(entry.at)
        item.setText(f"{stamp}  {entry.request.describe()}  —  {entry.outcome}")
        if entry.ok is not None:
            item.setForeground(Qt.GlobalColor.darkGreen if entry.ok else Qt.GlobalColor.red)

    def forget(self, entry: HistoryEntry) -> None:
        """The bounded history dropped ``entry``: drop its row too."""
        item = self._items.pop(id(entry), None)
        if item is not None:
            self.list.takeItem(self.list.row(item))

    def _request(self, item: QListWidgetItem) -> EmitRequest:
        return item.data(ENTRY_ROLE).request

    def _resend_selected(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.resend_requested.emit(self._request(item))


class SnippetsPanel(QWidget):
    """Named snippets (saved at once on every change) and the current connection's variables."""

    load_requested = Signal(object)  # EmitRequest
    save_requested = Signal()  # the console answers with save_current()

    def __init__(self, store: SnippetStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.error = inline_error("snippetsError")
        try:
            self.book = store.load()
        except DocumentError as exc:
            self.book = SnippetBook()
            self._say(str(exc))
        self.connection = ""

        self.list = QListWidget(objectName="emitSnippets")
        self.list.itemActivated.connect(self._load)
        self.list.itemClicked.connect(self._load)
        buttons = QHBoxLayout()
        for label, name, slot in (
            ("Save current…", "snippetSave", self.save_requested.emit),
            ("Delete", "snippetDelete", self._delete),
            ("Import…", "snippetImport", self._import),
            ("Export…", "snippetExport", self._export),
        ):
            button = QPushButton(label, objectName=name)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)

        self.variables_label = QLabel()
        self.variables = QTableWidget(0, 3, objectName="emitVariables")
        self.variables.setHorizontalHeaderLabels(["Variable", "Value", "Secret"])
        self.variables.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.variables.verticalHeader().hide()
        self.variables.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        self.variables.itemChanged.connect(self._variables_edited)
        add_variable = QPushButton("Add variable", objectName="variableAdd")
        add_variable.clicked.connect(self._add_variable_row)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list, 2)
        layout.addLayout(buttons)
        layout.addWidget(self.error)
        layout.addWidget(self.variables_label)
        layout.addWidget(self.variables, 1)
        layout.addWidget(add_variable, 0, Qt.AlignmentFlag.AlignLeft)
        self._refresh()
        self.show_connection("")

    # --- what the console calls ---------------------------------------------------------------

    def save_current(self, request: EmitRequest) -> None:
        name, ok = QInputDialog.getText(self, "Save snippet", "Snippet name:", text=request.event)
        if ok:
            self.save_as(name, request)

    def save_as(self, name: str, request: EmitRequest) -> None:
        try:
            self.book.put(Snippet(name, request))
        except RequestError as exc:
            self._say(str(exc))
            return
        self._persist()
        self._refresh()

    def show_connection(self, connection: str) -> None:
        """Show (and from now on edit) the variables of ``connection``."""
        self.connection = connection
        self.variables_label.setText(
            f"Variables for {connection}" if connection else "Variables (no connection yet)"
        )
        self.variables.blockSignals(True)
        self.variables.setRowCount(0)
        for variable in self.book.variables.get(connection, {}).values():
            self._add_variable_row(variable)
        self.variables.blockSignals(False)

    def values(self) -> dict[str, str]:
        return self.book.values_for(self.connection)

    # --- internals --------------------------------------------------------------------------

    def _refresh(self) -> None:
        self.list.clear()
        for name in self.book.names():
            snippet = self.book.snippets[name]
            item = QListWidgetItem(f"{name}   ({snippet.request.describe()})")
            item.setData(ENTRY_ROLE, name)
            self.list.addItem(item)

    def _load(self, item: QListWidgetItem) -> None:
        snippet = self.book.snippets.get(item.data(ENTRY_ROLE))
        if snippet is not None:
            self.load_requested.emit(snippet.request)

    def _delete(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.book.remove(item.data(ENTRY_ROLE))
            self._persist()
            self._refresh()

    def _import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import snippets", "", "JSON (*.json)")
        if path:
            self.import_from(Path(path))

    def import_from(self, path: Path) -> None:
        try:
            count = self.book.merge(import_book(path))
        except (DocumentError, RequestError) as exc:
            self._say(str(exc))
            return
        self._persist()
        self._refresh()
        self._say(None)
        self.error.setText(f"Imported {count} snippet{'s' * (count != 1)} from {path.name}.")
        self.error.setStyleSheet("")
        self.error.show()

    def _export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export snippets", "snippets.json", "JSON (*.json)"
        )
        if path:
            try:
                export_book(self.book, Path(path))
            except OSError as exc:
                self._say(f"Could not write {path}: {exc.strerror or exc}.")

    def _add_variable_row(self, variable: Variable | None = None) -> None:
        variable = variable or Variable("", "")
        row = self.variables.rowCount()
        self.variables.insertRow(row)
        self.variables.setItem(row, 0, QTableWidgetItem(variable.name))
        self.variables.setItem(row, 1, QTableWidgetItem(variable.value))
        secret = QTableWidgetItem()
        secret.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
        secret.setCheckState(Qt.CheckState.Checked if variable.secret else Qt.CheckState.Unchecked)
        secret.setToolTip("Kept for this run only, never saved")
        self.variables.setItem(row, 2, secret)

    def _variables_edited(self) -> None:
        table: list[Variable] = []
        for row in range(self.variables.rowCount()):
            name, value, secret = (self.variables.item(row, c) for c in range(3))
            if name is None or not name.text().strip():
                continue
            table.append(
                Variable(
                    name.text().strip(),
                    value.text() if value is not None else "",
                    secret is not None and secret.checkState() == Qt.CheckState.Checked,
                )
            )
        self.book.set_variables(self.connection, table)
        self._persist()

    def _persist(self) -> None:
        try:
            self.store.save(self.book)
        except OSError as exc:
            self._say(f"Could not save snippets to {self.store.path}: {exc.strerror or exc}.")

    def _say(self, sentence: str | None) -> None:
        self.error.setStyleSheet("color: #c62828;")
        self.error.setVisible(sentence is not None)
        self.error.setText(sentence or "")
