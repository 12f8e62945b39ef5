"""The red sentence under a form that says which field cannot work and why."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

ERROR_COLOUR = "#c62828"


def inline_error(object_name: str) -> QLabel:
    """A hidden, word-wrapped, plain-text label: what a user typed is never read as markup."""
    label = QLabel(objectName=object_name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {ERROR_COLOUR};")
    label.hide()
    return label
