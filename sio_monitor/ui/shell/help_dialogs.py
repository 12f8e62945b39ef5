"""Help > Keyboard Shortcuts and About: what the keys do, and which versions run.

The shortcuts are read from the window's own actions and shortcuts at the
moment the dialog opens, so the list cannot drift from what the keys do.
"""

from __future__ import annotations

from importlib import metadata

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sio_monitor import __version__

#: Keys handled inside a view rather than by an action.
VIEW_KEYS = (
    ("Ctrl+F", "Topology: filter the sockets"),
    ("Ctrl+Return", "Emit: send the event"),
    ("Up / Down", "Emit: the previous or next event sent, in the event field"),
    ("Tab / Shift+Tab", "Move between the controls of a view"),
    ("Alt+underlined letter", "The view, menu or field with that letter"),
)


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def shortcuts_of(window: QWidget) -> list[tuple[str, str]]:
    """``(keys, what they do)`` of every action and shortcut of ``window``, then the view keys."""
    rows: dict[str, str] = {}
    for action in window.findChildren(QAction):
        for sequence in action.shortcuts():
            keys = sequence.toString(QKeySequence.SequenceFormat.NativeText)
            if keys and action.text():
                rows.setdefault(keys, _plain(action.text()))
    for shortcut in window.findChildren(QShortcut):
        keys = shortcut.key().toString(QKeySequence.SequenceFormat.NativeText)
        what = shortcut.whatsThis() or shortcut.objectName()
        if keys and what:
            rows.setdefault(keys, what)
    listed = sorted(rows.items(), key=lambda row: (len(row[0]), row[0]))
    known = {keys for keys, _ in listed}
    return listed + [row for row in VIEW_KEYS if row[0] not in known]


class ShortcutsDialog(QDialog):
    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard Shortcuts")
        rows = shortcuts_of(window)
        self.table = QTableWidget(len(rows), 2, self, objectName="shortcutsTable")
        self.table.setHorizontalHeaderLabels(["Keys", "Action"])
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for row, (keys, what) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(keys))
            self.table.setItem(row, 1, QTableWidgetItem(what))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(520, 480)


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def about_text() -> str:
    import engineio

    protocol = getattr(getattr(engineio, "packet", None), "PROTOCOL_VERSION", None) or 4
    return (
        f"SIO Monitor {__version__}\n\n"
        "Monitor Socket.IO servers through the Admin protocol and emit test events.\n\n"
        f"Qt {qVersion()}\n"
        f"PySide6 {PySide6.__version__}\n"
        f"python-socketio {_version('python-socketio')}\n"
        f"python-engineio {_version('python-engineio')}, Engine.IO protocol {protocol} "
        "(3 for Socket.IO 2 servers)"
    )


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle("About SIO Monitor")
        self.text = QLabel(about_text(), objectName="aboutText")
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
