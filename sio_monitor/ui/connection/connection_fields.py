"""The fields the admin form and the probe form both have: transports, CA bundle, headers.

Each form builds its own widgets from these, so the two read alike and parse
what is typed the same way.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLineEdit, QPushButton, QWidget

from sio_monitor.domain.settings import parse_pairs

TRANSPORT_LABELS = (
    ("websocket", "WebSocket only"),
    ("polling", "HTTP long-polling only"),
    ("both", "Polling, then upgrade to WebSocket"),
)


def parse_headers(text: str) -> dict[str, str]:
    """``Name: value`` per line; raises SettingsError naming the line that is not."""
    return parse_pairs(text, ":", "Header")


def transport_field(name: str) -> QComboBox:
    field = QComboBox(objectName=name)
    for key, label in TRANSPORT_LABELS:
        field.addItem(label, key)
    return field


def ca_file_row(owner: QWidget, name: str) -> tuple[QLineEdit, QHBoxLayout]:
    """The CA bundle's path and a Browse button beside it that fills the path in."""
    path = QLineEdit(objectName=name, placeholderText="System default")

    def browse() -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            owner, "CA bundle", "", "Certificates (*.pem *.crt *.cer);;All files (*)"
        )
        if chosen:
            path.setText(chosen)

    button = QPushButton("Browse…", autoDefault=False)  # Enter submits, never browses
    button.clicked.connect(browse)
    row = QHBoxLayout()
    row.addWidget(path)
    row.addWidget(button)
    return path, row
