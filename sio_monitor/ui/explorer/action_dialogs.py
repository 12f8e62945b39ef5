"""The small dialogs behind the explorer's actions: emit, room name, confirmation.

All of them are shown with ``open()`` and answer through signals or a
callback: ``exec()`` would run a nested event loop inside the app's asyncio
loop (PITFALLS.md). Every text taken from the network is set as plain text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from sio_monitor.qt.models.tree_base import plain_tooltip
from sio_monitor.ui.widgets.inline_error import inline_error


def parse_arguments(text: str) -> tuple[Any, ...]:
    """Emit arguments from JSON: an array is the argument list, anything else one argument.

    Raises ValueError with the sentence to show.
    """
    if not text.strip():
        return ()
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(
            f"The arguments are not valid JSON ({error.msg} at line {error.lineno}, "
            f'column {error.colno}): write for example ["hello", {{"n": 1}}].'
        ) from error
    return tuple(value) if isinstance(value, list) else (value,)


class EmitDialog(QDialog):
    """Event name and JSON arguments for an emit; ``emit_chosen(event, args)`` on OK."""

    emit_chosen = Signal(str, object)  # event name, tuple of arguments

    def __init__(self, target: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emitDialog")
        self.setWindowTitle("Emit an event")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        heading = QLabel(f"Emit to {target}", objectName="emitTarget")
        heading.setTextFormat(Qt.TextFormat.PlainText)
        heading.setWordWrap(True)
        self.event = QLineEdit(objectName="emitEvent", placeholderText="event name")
        self.arguments = QPlainTextEdit(objectName="emitArguments")
        self.arguments.setPlaceholderText('JSON: ["hello", {"n": 1}] or a single value')
        self.arguments.setTabChangesFocus(True)
        self.arguments.setMaximumHeight(90)
        self.error = inline_error("emitError")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Emit")
        buttons.accepted.connect(self.try_accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Event", self.event)
        form.addRow("Arguments", self.arguments)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(420, 220)

    def try_accept(self) -> None:
        """Keep the dialog open, with the reason under the fields, until the input is usable."""
        name = self.event.text().strip()
        if not name:
            self._fail("Give the name of the event to emit.")
            return
        try:
            args = parse_arguments(self.arguments.toPlainText())
        except ValueError as error:
            self._fail(str(error))
            return
        self.emit_chosen.emit(name, args)
        self.accept()

    def _fail(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()


def ask_room(parent: QWidget, title: str, on_name: Callable[[str], None]) -> QInputDialog:
    """Ask for a room name; ``on_name`` runs with it, stripped, when the user accepts."""
    dialog = QInputDialog(parent)
    dialog.setObjectName("roomNameDialog")
    dialog.setWindowTitle(title)
    dialog.setLabelText("Room name:")
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def chosen(text: str) -> None:
        if text.strip():
            on_name(text.strip())

    dialog.textValueSelected.connect(chosen)
    dialog.open()
    return dialog


def confirm(
    parent: QWidget, title: str, text: str, action: str, on_yes: Callable[[], None]
) -> QMessageBox:
    """A yes/cancel question (``action`` names the yes button); ``on_yes`` runs on yes only."""
    box = QMessageBox(parent)
    box.setObjectName("actionConfirmation")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    yes = box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def clicked(button: QAbstractButton) -> None:
        if button is yes:
            on_yes()

    box.buttonClicked.connect(clicked)
    box.open()
    return box


def gate(widget: QWidget, reason: str | None, tooltip: str = "") -> None:
    """Enable ``widget`` or disable it with the reason as its tooltip (shown literally)."""
    widget.setEnabled(reason is None)
    widget.setToolTip(plain_tooltip(reason) if reason is not None else tooltip)
