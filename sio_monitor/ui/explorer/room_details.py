"""The details of one room: its sockets, and the bulk actions on all of them, each confirmed first.

Bulk actions go out as one admin command with the room as the filter
(``MLEAVE``, ``MDISCONNECT``, ``EMIT``); the confirmation names how many sockets
it will reach, because there is no undo.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sio_monitor.domain import actions as act
from sio_monitor.domain.actions import ActionKind, ActionType, Scope, Target
from sio_monitor.qt.action_runner import ActionRunner
from sio_monitor.qt.session import MonitorSession
from sio_monitor.ui.explorer.action_dialogs import EmitDialog, confirm, gate

#: Socket ids listed at most; a room of 10,000 says how many more there are.
MAX_LISTED = 500

EMIT_ROOM = ActionType(ActionKind.EMIT, Scope.ROOM)
LEAVE_ROOM = ActionType(ActionKind.LEAVE, Scope.ROOM)
DISCONNECT_ROOM = ActionType(ActionKind.DISCONNECT, Scope.ROOM)


class RoomDetails(QWidget):
    """One room's members and bulk actions; ``socket_chosen`` when a member is double-clicked."""

    socket_chosen = Signal(str, str)  # nsp, socket id

    def __init__(
        self, session: MonitorSession, runner: ActionRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("roomDetails")
        self._session = session
        self._runner = runner
        self.nsp = ""
        self.room = ""
        self.dialog: Any = None  # the confirmation or emit dialog open now, for tests

        self.title = QLabel(objectName="roomTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-size: 14px; font-weight: 600;")
        self.members = QListWidget(objectName="roomMembers")
        self.members.setUniformItemSizes(True)
        self.members.itemDoubleClicked.connect(
            lambda item: self.socket_chosen.emit(self.nsp, item.text())
        )
        self.more = QLabel(objectName="roomMore")
        self.more.setTextFormat(Qt.TextFormat.PlainText)
        self.emit_button = QPushButton("Emit to room…", objectName="emitToRoom")
        self.leave_button = QPushButton("Make all leave…", objectName="roomLeaveAll")
        self.disconnect_button = QPushButton("Disconnect all…", objectName="roomDisconnectAll")
        self.emit_button.clicked.connect(self.ask_emit)
        self.leave_button.clicked.connect(self.ask_leave_all)
        self.disconnect_button.clicked.connect(self.ask_disconnect_all)

        buttons = QHBoxLayout()
        for button in (self.emit_button, self.leave_button, self.disconnect_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(buttons)
        layout.addWidget(self.members, 1)
        layout.addWidget(self.more)

    def show_room(self, nsp: str, room: str) -> None:
        self.nsp, self.room = nsp, room
        self.refresh()

    def refresh(self) -> None:
        state = self._session.bridge.topology.room(self.nsp, self.room)
        sids = list(state.members) if state is not None else []
        kind = "private room" if state is not None and state.private else "room"
        count = f"{len(sids)} socket{'s' if len(sids) != 1 else ''}"
        self.title.setText(f"{kind.capitalize()} {self.room} in {self.nsp}: {count}")
        self.members.clear()
        self.members.addItems(sids[:MAX_LISTED])  # QListWidget items are plain text
        hidden = len(sids) - MAX_LISTED
        self.more.setText(f"and {hidden} more" if hidden > 0 else "")
        self.more.setVisible(hidden > 0)
        self.update_actions()

    def update_actions(self) -> None:
        empty = self._session.bridge.topology.room(self.nsp, self.room) is None
        for button, action_type in (
            (self.emit_button, EMIT_ROOM),
            (self.leave_button, LEAVE_ROOM),
            (self.disconnect_button, DISCONNECT_ROOM),
        ):
            reason = self._runner.why_unavailable(action_type)
            if reason is None and empty:
                reason = "This room has no members any more."
            gate(button, reason)

    # --- the bulk actions, each behind its dialog ------------------------------------

    def _size(self) -> int:
        state = self._session.bridge.topology.room(self.nsp, self.room)
        return state.size if state is not None else 0

    def ask_emit(self) -> None:
        nsp, room = self.nsp, self.room
        dialog = EmitDialog(f"room {room} of {nsp} ({self._size()} sockets)", self)
        dialog.emit_chosen.connect(
            lambda event, args: self._runner.run(act.emit(nsp, Target.room(room), event, *args))
        )
        dialog.open()
        self.dialog = dialog

    def ask_leave_all(self) -> None:
        nsp, room = self.nsp, self.room
        self.dialog = confirm(
            self,
            "Make all leave",
            f"Make all {self._size()} sockets of room {room} in {nsp} leave it?",
            "Make all leave",
            lambda: self._runner.run(act.leave(nsp, room, Target.room(room))),
        )

    def ask_disconnect_all(self) -> None:
        nsp, room = self.nsp, self.room
        self.dialog = confirm(
            self,
            "Disconnect all",
            f"Disconnect all {self._size()} sockets of room {room} in {nsp}? "
            "Their clients may reconnect by themselves.",
            "Disconnect all",
            lambda: self._runner.run(act.disconnect(nsp, Target.room(room))),
        )
