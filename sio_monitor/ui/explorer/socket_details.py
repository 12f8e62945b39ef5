"""The details panel: every field of the selected socket (or room) and the actions on it.

It re-reads the topology only when a batch touched what it shows, and ticks
"connected for" once a second while a socket is shown; of a socket's rooms
it lists the first hundred under their count. Everything from the network
goes into plain-text widgets (labels set to PlainText, item views), so ids,
headers and data that contain markup are shown as typed.
"""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sio_monitor.domain import actions as act
from sio_monitor.domain.actions import ActionKind, ActionType, Scope, Target
from sio_monitor.domain.format import dumps_deep, format_duration
from sio_monitor.domain.topology.changes import ChangeSet
from sio_monitor.domain.topology.nodes import SocketState
from sio_monitor.net.codec import display_address, header_value
from sio_monitor.qt.action_runner import ActionRunner
from sio_monitor.qt.models.socket_table_model import listed_rooms, socket_json
from sio_monitor.qt.session import MonitorSession
from sio_monitor.ui.explorer.action_dialogs import EmitDialog, gate
from sio_monitor.ui.explorer.room_details import RoomDetails
from sio_monitor.ui.widgets.json_tree import JsonTree

JOIN = ActionType(ActionKind.JOIN, Scope.SOCKET)
LEAVE = ActionType(ActionKind.LEAVE, Scope.SOCKET)
DISCONNECT = ActionType(ActionKind.DISCONNECT, Scope.SOCKET)
EMIT = ActionType(ActionKind.EMIT, Scope.SOCKET)
HINT = "Select a socket or a room to see its details."
FIELDS = ("ID", "Client ID", "Namespace", "Transport", "Address", "Connected since",
          "User agent", "URL", "Secure", "Cross-domain")  # fmt: skip


UNKNOWN = "unknown: the server sent it malformed"
# SocketInfo.unknown names the wire field; these are the rows that show it.
UNKNOWN_FIELDS = {
    "clientId": "Client ID",
    "transport": "Transport",
    "handshake": "Address",
    "handshake.address": "Address",
    "handshake.headers": "User agent",
    "handshake.url": "URL",
    "handshake.secure": "Secure",
    "handshake.xdomain": "Cross-domain",
}


def when(epoch: float | None) -> str:
    if epoch is None:
        return "—"
    return datetime.fromtimestamp(epoch).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _plain(name: str, wrap: bool = False) -> QLabel:
    """A plain-text label; one line unless ``wrap`` (a scroll area does not grow wrapped labels)."""
    label = QLabel(objectName=name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(wrap)
    if not wrap:
        # as wide as the panel allows, never squeezed below one line of text
        label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
    return label


def _pairs_table(name: str, first: str) -> QTableWidget:
    table = QTableWidget(0, 2, objectName=name)
    table.setHorizontalHeaderLabels([first, "Value"])
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[tuple[str, str]]) -> None:
    table.setRowCount(len(rows))
    for row, (key, value) in enumerate(rows):
        table.setItem(row, 0, QTableWidgetItem(key))
        table.setItem(row, 1, QTableWidgetItem(value))
    height = table.horizontalHeader().height() + sum(table.rowHeight(r) for r in range(len(rows)))
    table.setFixedHeight(min(height + 4, 240))


def _group(title: str, widget: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(6, 4, 6, 6)
    layout.addWidget(widget)
    return box


class SocketDetails(QWidget):
    """Socket or room details; ``status_message`` for what copying and actions say."""

    status_message = Signal(str)
    socket_chosen = Signal(str, str)  # a member of the shown room was double-clicked

    def __init__(
        self, session: MonitorSession, runner: ActionRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("socketDetails")
        self._session = session
        self._runner = runner
        self.current: tuple[str, str, str] | None = None  # ("socket" | "room", nsp, name)
        self.dialog: Any = None

        self.hint = _plain("detailsHint", wrap=True)
        self.hint.setText(HINT)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.room_page = RoomDetails(session, runner)
        self.room_page.socket_chosen.connect(self.socket_chosen)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.hint)
        self.stack.addWidget(self._build_socket_page())
        self.stack.addWidget(self.room_page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._update_age)

    def _build_socket_page(self) -> QWidget:
        self.title = _plain("socketTitle")
        self.title.setStyleSheet("font-size: 14px; font-weight: 600;")
        self.fields: dict[str, QLabel] = {}
        fields_box = QWidget(objectName="socketFields")
        # the layout would shrink the rows below one line before anything else
        fields_box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        form = QFormLayout(fields_box)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for name in FIELDS:
            self.fields[name] = _plain("field" + name.title().replace(" ", "").replace("-", ""))
            form.addRow(name, self.fields[name])
        self.headers = _pairs_table("socketHeaders", "Header")
        self.query = _pairs_table("socketQuery", "Parameter")
        self.rooms = QTableWidget(0, 2, objectName="socketRooms")
        self.rooms.setHorizontalHeaderLabels(["Room", ""])
        self.rooms.verticalHeader().hide()
        self.rooms.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rooms.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.rooms.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        self.rooms.setColumnWidth(1, 80)
        self.join_name = QLineEdit(objectName="joinRoomName", placeholderText="room to join")
        self.join_button = QPushButton("Join", objectName="joinRoomButton")
        self.join_button.clicked.connect(self.join_room)
        self.join_name.returnPressed.connect(self.join_room)
        join_row = QHBoxLayout()
        join_row.addWidget(self.join_name, 1)
        join_row.addWidget(self.join_button)
        self.rooms_box = rooms_box = QGroupBox("Rooms", objectName="socketRoomsBox")
        self._listed: list[str] | None = None  # the rooms listed now: rebuilt only on a change
        rooms_layout = QVBoxLayout(rooms_box)
        rooms_layout.setContentsMargins(6, 4, 6, 6)
        rooms_layout.addWidget(self.rooms)
        rooms_layout.addLayout(join_row)
        self.data = JsonTree()
        self.data.setMinimumHeight(110)

        self.disconnect_button = QPushButton("Disconnect socket", objectName="disconnectSocket")
        self.disconnect_client_button = QPushButton(
            "Disconnect client", objectName="disconnectClient"
        )
        self.emit_button = QPushButton("Emit…", objectName="emitToSocket")
        self.copy_button = QPushButton("Copy as JSON", objectName="copySocketJson")
        self.disconnect_button.clicked.connect(lambda: self.disconnect(close=False))
        self.disconnect_client_button.clicked.connect(lambda: self.disconnect(close=True))
        self.emit_button.clicked.connect(self.ask_emit)
        self.copy_button.clicked.connect(self.copy_json)
        buttons = QHBoxLayout()
        for button in (
            self.disconnect_button,
            self.disconnect_client_button,
            self.emit_button,
            self.copy_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.addWidget(self.title)
        layout.addLayout(buttons)
        layout.addWidget(fields_box)
        layout.addWidget(rooms_box)
        layout.addWidget(_group("Data", self.data))
        layout.addWidget(_group("Handshake headers", self.headers))
        layout.addWidget(_group("Handshake query", self.query))
        layout.addStretch(1)
        scroll = QScrollArea(objectName="socketPage")
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        return scroll

    # --- what the explorer calls --------------------------------------------------------

    def show_nothing(self, text: str = HINT) -> None:
        self.current = None
        self._tick.stop()
        self.hint.setText(text)
        self.stack.setCurrentIndex(0)

    def show_socket(self, nsp: str, sid: str) -> None:
        self.current = ("socket", nsp, sid)
        self._listed = None
        self.stack.setCurrentIndex(1)
        self._tick.start()
        self.refresh_socket()

    def show_room(self, nsp: str, room: str) -> None:
        self.current = ("room", nsp, room)
        self._tick.stop()
        self.stack.setCurrentIndex(2)
        self.room_page.show_room(nsp, room)

    def apply(self, changes: ChangeSet) -> None:
        """Re-read what is shown if the batch touched it."""
        if self.current is None:
            return
        kind, nsp, name = self.current
        if kind == "socket":
            group = changes.sockets.get(nsp)
            if changes.reset or (
                group is not None and (name in group.updated or name in group.removed)
            ):
                self.refresh_socket()
        else:
            rooms = changes.rooms.get(nsp)
            room_changed = rooms is not None and (
                name in rooms.added or name in rooms.removed or name in rooms.updated
            )
            if changes.reset or room_changed or (nsp, name) in changes.members:
                self.room_page.refresh()
        if changes.config_changed:
            self.update_actions()

    def update_actions(self) -> None:
        self.room_page.update_actions()
        state = self._state()
        for button, action_type in (
            (self.disconnect_button, DISCONNECT),
            (self.disconnect_client_button, DISCONNECT),
            (self.emit_button, EMIT),
            (self.join_button, JOIN),
        ):
            reason = self._runner.why_unavailable(action_type)
            if reason is None and state is None:
                reason = "This socket is no longer connected."
            gate(button, reason)
        leave_reason = self._runner.why_unavailable(LEAVE)
        for row in range(self.rooms.rowCount()):
            button = self.rooms.cellWidget(row, 1)
            if button is not None:
                gate(button, leave_reason if state is not None else "This socket is gone.")
        self.copy_button.setEnabled(state is not None)

    # --- the socket page -------------------------------------------------------------------

    def _state(self) -> SocketState | None:
        if self.current is None or self.current[0] != "socket":
            return None
        return self._session.bridge.topology.socket(self.current[1], self.current[2])

    def refresh_socket(self) -> None:
        if self.current is None:
            return
        _, nsp, sid = self.current
        state = self._state()
        if state is None:
            self.title.setText(f"Socket {sid} in {nsp}: disconnected")
            self._tick.stop()
            self.update_actions()
            return
        self.title.setText(f"Socket {sid} in {nsp}")
        info, handshake = state.info, state.info.handshake
        values = {
            "ID": info.id,
            "Client ID": info.client_id,
            "Namespace": info.nsp,
            "Transport": state.transport,
            "Address": display_address(handshake.address) or "—",
            "User agent": header_value(handshake.headers, "user-agent") or "—",
            "URL": handshake.url or "—",
            "Secure": "yes" if handshake.secure else "no",
            "Cross-domain": "—" if handshake.xdomain is None else str(handshake.xdomain).lower(),
        }
        for field in info.unknown:  # sent malformed: unknown, which is not the same as empty
            shown_as = UNKNOWN_FIELDS.get(field)
            if shown_as is not None:
                values[shown_as] = UNKNOWN
        for name, value in values.items():
            self.fields[name].setText(value)
        self._update_age()
        _fill(self.headers, sorted(handshake.headers.items()))
        _fill(self.query, sorted(handshake.query.items()))
        self._fill_rooms(state)
        if "rooms" in info.unknown:
            self.rooms_box.setTitle(f"Rooms ({UNKNOWN}; only those joined since are listed)")
        self.data.set_value(state.data)
        self.update_actions()

    def _fill_rooms(self, state: SocketState) -> None:
        total, private = len(state.rooms), state.id in state.rooms
        own = f"{total - private:,} and its own" if private and total > 1 else f"{total:,}"
        self.rooms_box.setTitle(f"Rooms ({own})")
        rooms = listed_rooms(state)
        if rooms != self._listed:
            self._listed = rooms
            self.rooms.setRowCount(0)
            self.rooms.setRowCount(len(rooms))
            for row, room in enumerate(rooms):
                private_room = "  (private)" if room == state.id else ""
                self.rooms.setItem(row, 0, QTableWidgetItem(room + private_room))
                button = QPushButton("Leave", objectName=f"leave:{room}")
                button.clicked.connect(lambda _=False, r=room: self.leave_room(r))
                self.rooms.setCellWidget(row, 1, button)
        more = total - len(rooms)
        self.rooms.setRowCount(len(rooms) + (more > 0))
        if more:
            note = QTableWidgetItem(f"… and {more:,} more: filter the explorer to find one")
            note.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.rooms.setItem(len(rooms), 0, note)
        height = self.rooms.horizontalHeader().height() + 4 + max(1, self.rooms.rowCount()) * 30
        self.rooms.setFixedHeight(height)

    def _update_age(self) -> None:
        state = self._state()
        if state is None:
            return
        age = format_duration(time.time() - state.connected_at)
        self.fields["Connected since"].setText(f"{when(state.connected_at)} (for {age})")

    # --- actions -----------------------------------------------------------------------

    def _target(self) -> tuple[str, str] | None:
        state = self._state()
        return (state.nsp, state.id) if state is not None else None

    def join_room(self) -> None:
        target, room = self._target(), self.join_name.text().strip()
        if target is None or not self.join_button.isEnabled():
            return
        if not room:
            self.status_message.emit("Type the name of the room to join, then press Join.")
            return
        if self._runner.run(act.join(target[0], room, Target.socket(target[1]))):
            self.join_name.clear()

    def leave_room(self, room: str) -> None:
        target = self._target()
        if target is not None:
            self._runner.run(act.leave(target[0], room, Target.socket(target[1])))

    def disconnect(self, close: bool) -> None:
        target = self._target()
        if target is not None:
            self._runner.run(act.disconnect(target[0], Target.socket(target[1]), close=close))

    def ask_emit(self) -> None:
        target = self._target()
        if target is None:
            return
        nsp, sid = target
        dialog = EmitDialog(f"socket {sid} of {nsp}", self)
        dialog.emit_chosen.connect(
            lambda event, args: self._runner.run(act.emit(nsp, Target.socket(sid), event, *args))
        )
        dialog.open()
        self.dialog = dialog

    def copy_json(self) -> None:
        state = self._state()
        if state is None:
            return
        try:
            text = json.dumps(socket_json(state), indent=2, ensure_ascii=False, default=str)
        except RecursionError:  # data nested deeper than json goes: written flat
            text = dumps_deep(socket_json(state), ensure_ascii=False, default=str)
        QGuiApplication.clipboard().setText(text)
        self.status_message.emit(f"Copied socket {state.id} as JSON.")
