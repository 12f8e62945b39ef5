"""The Socket.IO parser choice, one field for the connect dialog and the emit console.

A server's parser (the default JSON one or msgpack) is fixed when it starts, and
a client must use the same one; the label names what selects it on the server.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

PARSER_LABELS = (
    ("default", "Default (JSON)"),
    ("msgpack", "msgpack (socket.io-msgpack-parser, serializer='msgpack')"),
)


def parser_field(name: str) -> QComboBox:
    field = QComboBox(objectName=name)
    for key, label in PARSER_LABELS:
        field.addItem(label, key)
    field.setToolTip(
        "The parser the server was started with; a wrong choice is named when connecting."
    )
    return field
