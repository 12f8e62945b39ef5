"""The argument list of the emit console: zero to many typed arguments, checked as they are typed.

Each argument keeps its kind and text (an ``ArgSpec``); the value is parsed
only to check it, so the list can be saved and re-sent as typed. A JSON error
is named with its line and column and underlined where it is, and the console
refuses to send while any argument has one, so nothing half-typed goes out.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sio_monitor.domain.emit.emit_args import (
    ArgKind,
    ArgumentError,
    describe_error,
    json_error,
    parse_argument,
)
from sio_monitor.domain.emit.emit_requests import ArgSpec
from sio_monitor.ui.widgets.inline_error import ERROR_COLOUR, inline_error

KIND_LABELS: dict[ArgKind, str] = {
    ArgKind.JSON: "JSON",
    ArgKind.STRING: "String",
    ArgKind.NUMBER: "Number",
    ArgKind.BOOLEAN: "Boolean",
    ArgKind.NULL: "Null",
    ArgKind.BINARY_HEX: "Binary (hex)",
    ArgKind.BINARY_BASE64: "Binary (base64)",
    ArgKind.BINARY_FILE: "Binary (file)",
}
PLACEHOLDERS: dict[ArgKind, str] = {
    ArgKind.JSON: '{"room": "lobby"}',
    ArgKind.STRING: "any text, sent as a string",
    ArgKind.NUMBER: "42 or 3.14",
    ArgKind.BOOLEAN: "true or false",
    ArgKind.NULL: "null (nothing to type)",
    ArgKind.BINARY_HEX: "de ad be ef",
    ArgKind.BINARY_BASE64: "3q2+7w==",
    ArgKind.BINARY_FILE: "path of the file to send",
}
#: Text kinds that may hold ``{{variables}}``: they are checked after filling, not before.
VARIABLE = "{{"


def check_spec(spec: ArgSpec) -> ArgumentError | None:
    """The first problem with one typed argument, or None; cheap enough for every keystroke."""
    kind = ArgKind(spec.kind)
    if VARIABLE in spec.text:
        return None  # filled in from the variables table just before sending
    if kind is ArgKind.JSON:
        return json_error(spec.text)
    if kind is ArgKind.BINARY_FILE:
        path = spec.text.strip()
        if not path:
            return ArgumentError("Choose the file to send.")
        if not os.path.isfile(path):
            return ArgumentError(f"No file at {path}.")
        return None
    try:
        parse_argument(kind, spec.text)
    except ArgumentError as error:
        return error
    return None


class ArgumentRow(QWidget):
    """One argument: its kind, its text, a remove button, and the error under it."""

    changed = Signal()
    remove_requested = Signal(object)  # ArgumentRow

    def __init__(self, spec: ArgSpec, number: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.number_label = QLabel()
        self.kind = QComboBox(objectName="argKind")
        for kind, label in KIND_LABELS.items():
            self.kind.addItem(label, kind.value)
        self.text = QPlainTextEdit(objectName="argText")
        self.text.setTabChangesFocus(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.text.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 12)
        self.browse = QPushButton("Browse…")
        self.browse.clicked.connect(self._browse)
        remove = QToolButton(text="✕", objectName="argRemove", toolTip="Remove this argument")
        remove.clicked.connect(lambda: self.remove_requested.emit(self))
        self.error = inline_error("argError")

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.number_label)
        top.addWidget(self.kind, 1)
        top.addWidget(self.browse)
        top.addWidget(remove)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.addLayout(top)
        layout.addWidget(self.text)
        layout.addWidget(self.error)

        self.set_number(number)
        self.set_spec(spec)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.text.textChanged.connect(self.validate)

    def set_number(self, number: int) -> None:
        self.number_label.setText(f"#{number}")

    def set_spec(self, spec: ArgSpec) -> None:
        self.kind.blockSignals(True)
        self.kind.setCurrentIndex(max(0, self.kind.findData(ArgKind(spec.kind).value)))
        self.kind.blockSignals(False)
        self.text.setPlainText(spec.text)
        self._kind_changed()

    def spec(self) -> ArgSpec:
        return ArgSpec(str(self.kind.currentData()), self.text.toPlainText())

    def validate(self) -> ArgumentError | None:
        error = check_spec(self.spec())
        self._mark(error)
        if error is None:
            self.error.hide()
        else:
            self.error.setText(describe_error(error))
            self.error.show()
        self.changed.emit()
        return error

    def _kind_changed(self) -> None:
        kind = ArgKind(self.kind.currentData())
        self.text.setPlaceholderText(PLACEHOLDERS[kind])
        self.text.setEnabled(kind is not ArgKind.NULL)
        self.browse.setVisible(kind is ArgKind.BINARY_FILE)
        self.validate()

    def _mark(self, error: ArgumentError | None) -> None:
        """Underline the character a JSON error points at."""
        selections: list[QTextEdit.ExtraSelection] = []
        if error is not None and error.line is not None and error.column is not None:
            block = self.text.document().findBlockByNumber(error.line - 1)
            if block.isValid():
                cursor = QTextCursor(block)
                cursor.movePosition(
                    QTextCursor.MoveOperation.Right, n=max(0, min(error.column - 1, block.length()))
                )
                cursor.movePosition(
                    QTextCursor.MoveOperation.Right, QTextCursor.MoveMode.KeepAnchor
                )
                selection = QTextEdit.ExtraSelection()
                form = QTextCharFormat()
                form.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
                form.setUnderlineColor(QColor(ERROR_COLOUR))
                form.setBackground(QColor(ERROR_COLOUR).lighter(190))
                selection.format = form  # type: ignore[misc]
                selection.cursor = cursor  # type: ignore[misc]
                selections.append(selection)
        self.text.setExtraSelections(selections)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "File to send as binary")
        if path:
            self.text.setPlainText(path)


class ArgumentList(QWidget):
    """Every argument of the emit, in order; ``valid`` says whether all of them parse."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emitArguments")
        self.rows: list[ArgumentRow] = []
        self._rows_box = QVBoxLayout()
        self._rows_box.setContentsMargins(0, 0, 0, 0)
        holder = QWidget()
        holder_layout = QVBoxLayout(holder)
        holder_layout.setContentsMargins(0, 0, 0, 0)
        holder_layout.addLayout(self._rows_box)
        holder_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(holder)
        scroll.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.empty = QLabel("No arguments: the event is emitted with none.")
        self.empty.setEnabled(False)
        self.add_button = QPushButton("Add argument", objectName="argAdd")
        self.add_button.setToolTip("Add an argument (Ctrl+Shift+A)")
        self.add_button.clicked.connect(lambda: self.add(focus=True))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.empty)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)

    def add(self, spec: ArgSpec | None = None, *, focus: bool = False) -> ArgumentRow:
        row = ArgumentRow(spec or ArgSpec(ArgKind.JSON.value, ""), len(self.rows) + 1)
        row.changed.connect(self.changed)
        row.remove_requested.connect(self._remove)
        self.rows.append(row)
        self._rows_box.addWidget(row)
        self.empty.setVisible(False)
        if focus:
            row.text.setFocus()
        self.changed.emit()
        return row

    def specs(self) -> tuple[ArgSpec, ...]:
        return tuple(row.spec() for row in self.rows)

    def set_specs(self, specs: tuple[ArgSpec, ...]) -> None:
        for row in list(self.rows):
            self._remove(row)
        for spec in specs:
            self.add(spec)

    def first_error(self) -> tuple[int, ArgumentError] | None:
        """The number (1-based) and error of the first argument that does not parse."""
        for number, row in enumerate(self.rows, start=1):
            error = check_spec(row.spec())
            if error is not None:
                return number, error
        return None

    def _remove(self, row: ArgumentRow) -> None:
        self.rows.remove(row)
        self._rows_box.removeWidget(row)
        row.deleteLater()
        for number, other in enumerate(self.rows, start=1):
            other.set_number(number)
        self.empty.setVisible(not self.rows)
        self.changed.emit()
