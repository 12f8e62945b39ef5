"""The topology explorer: filter, groupings, details and actions in one panel, fed by the bridge.

Per applied batch it updates the filter's matches once, hands the change-set
and the flipped matches to the grouping on screen, and lets the details panel
re-read what it shows if it was touched. Typing in the filter waits ~150 ms
for a pause, then rebuilds only the grouping on screen; from the moment the
user puts the focus in the filter box or types its first character, the
sockets' search strings are built in short idle slices, so that the first
pattern finds them ready. Actions go through the workspace's ``ActionRunner``
(shared with the Emit tab); an explorer made without one makes its own and
says its sentences through ``status_message``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QFocusEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from sio_monitor.domain import actions as act
from sio_monitor.domain.actions import ActionKind, ActionType, Scope, Target
from sio_monitor.domain.topology.changes import ChangeSet
from sio_monitor.domain.topology.filter_index import SocketFilter
from sio_monitor.qt.action_runner import ActionRunner
from sio_monitor.qt.models.socket_table_model import listed_rooms
from sio_monitor.qt.models.tree_base import plain_tooltip
from sio_monitor.qt.session import MonitorSession
from sio_monitor.qt.timers import coalescing_timer
from sio_monitor.ui.explorer.action_dialogs import EmitDialog, ask_room
from sio_monitor.ui.explorer.room_details import DISCONNECT_ROOM, EMIT_ROOM, LEAVE_ROOM
from sio_monitor.ui.explorer.socket_details import DISCONNECT, EMIT, JOIN, LEAVE, SocketDetails
from sio_monitor.ui.explorer.topology_view import TopologyView

FILTER_DELAY_MS = 150
#: Seconds of one idle slice of search strings built ahead of the first pattern.
PREPARE_SLICE_S = 0.008
#: Rooms offered in a socket's "Leave room" menu at most.
MENU_ROOMS = 50
PRODUCTION_NOTE = (
    "Rooms and sockets need the server's development mode: its admin instrumentation runs in "
    "production mode, which reports only servers and namespace counts."
)
FILTER_PLACEHOLDER = "Filter sockets by id, room, address, user agent, header, query or data"
EMIT_NAMESPACE = ActionType(ActionKind.EMIT, Scope.NAMESPACE)
_USER_FOCUS = frozenset(
    {
        Qt.FocusReason.MouseFocusReason,
        Qt.FocusReason.TabFocusReason,
        Qt.FocusReason.BacktabFocusReason,
        Qt.FocusReason.ShortcutFocusReason,
    }
)


def _plain_label(name: str) -> QLabel:
    label = QLabel(objectName=name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


class TopologyExplorer(QWidget):
    """Namespaces, rooms, sockets, clients and servers of one session, live, with actions."""

    status_message = Signal(str)

    def __init__(
        self,
        session: MonitorSession,
        parent: QWidget | None = None,
        *,
        runner: ActionRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("topologyExplorer")
        self.session = session
        self._bridge = bridge = session.bridge
        self.socket_filter = SocketFilter(bridge.admin_namespace)
        if runner is None:  # on its own: the explorer says its runner's sentences
            runner = ActionRunner(session, self)
            runner.status_message.connect(self.status_message)
        #: Borrowed from the workspace, which says its sentences, unless made here.
        self.runner = runner
        self.menu: QMenu | None = None
        self.dialog: Any = None

        self.filter_edit = QLineEdit(objectName="topologyFilter")
        self.filter_edit.setPlaceholderText(FILTER_PLACEHOLDER)
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_count = _plain_label("filterCount")
        self.view = TopologyView(bridge, self.socket_filter, self)
        self.details = SocketDetails(session, self.runner, self)
        self.details.status_message.connect(self.status_message)
        self.details.socket_chosen.connect(self.select_socket)
        self.mode_note = _plain_label("topologyModeNote")
        self.mode_note.setText(PRODUCTION_NOTE)
        self.mode_note.setWordWrap(True)
        self.mode_note.setStyleSheet(
            "background: #fff8e1; color: #5d4037; border: 1px solid #ffe082;"
            " border-radius: 3px; padding: 4px 6px;"
        )
        self.mode_note.hide()

        top = QHBoxLayout()
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.filter_count)
        top.addSpacing(12)
        top.addWidget(self.view.grouping_selector)
        top.addWidget(self.view.private_toggle)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.mode_note)
        layout.addWidget(self.splitter, 1)

        self._debounce = coalescing_timer(self, FILTER_DELAY_MS, self.apply_filter)
        self._preparing = coalescing_timer(self, 0, self._prepare_some)
        self.filter_edit.textChanged.connect(self._text_changed)
        self.filter_edit.installEventFilter(self)
        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.setContext(Qt.ShortcutContext.WindowShortcut)
        find.activated.connect(self.focus_filter)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self.filter_edit)
        escape.setContext(Qt.ShortcutContext.WidgetShortcut)
        escape.activated.connect(self.clear_filter)

        self.view.selection_changed.connect(self._selection_changed)
        self.view.context_menu_requested.connect(self._context_menu)
        bridge.batch_applied.connect(self._batch_applied)
        self._sync_mode()
        self._update_count()

    # --- public API ---------------------------------------------------------------------

    def set_read_only(self, read_only: bool) -> None:
        """The monitor's own switch: when on, no action is offered, whatever the server allows."""
        self.runner.read_only = read_only
        self.details.update_actions()

    def set_grouping(self, grouping: str) -> None:
        """One of ``rooms``, ``sockets``, ``clients``, ``servers``."""
        self.view.set_grouping(grouping)

    def select_socket(self, nsp: str, sid: str) -> None:
        """Show a socket: select its row if the grouping on screen has one, and its details."""
        if self.view.grouping == "rooms":
            state = self._bridge.topology.socket(nsp, sid)
            rooms = state.rooms if state is not None else {}
            # Its first public room, else "(no room)", else its own room: read lazily, since
            # a socket can be in a hundred thousand rooms.
            public = next((r for r in rooms if r != sid), None)
            for room in (public, sid) if public is not None else (None, sid):
                if self.view.select_path(("socket", nsp, room, sid)):
                    return
        elif self.view.select_path(("socket", nsp, None, sid)):
            return
        self.details.show_socket(nsp, sid)

    def focus_filter(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def clear_filter(self) -> None:
        self.filter_edit.clear()
        self.apply_filter()

    def apply_filter(self) -> None:
        """Match every socket against the text now (the debounce timer calls this)."""
        self._debounce.stop()
        self._preparing.stop()  # whatever is still missing is built now
        if self.socket_filter.set_pattern(self._bridge.topology, self.filter_edit.text()):
            self.view.refilter()
        self._update_count()

    # --- search strings ahead of the first pattern ---------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The user on the way to the filter box: a click, Tab or Ctrl+F, not a window shown."""
        if (
            watched is self.filter_edit
            and isinstance(event, QFocusEvent)
            and event.type() == QEvent.Type.FocusIn
            and event.reason() in _USER_FOCUS
        ):
            self._preparing.start()
        return super().eventFilter(watched, event)

    def _text_changed(self, _text: str) -> None:
        self._debounce.start()
        self._preparing.start()

    def _prepare_some(self) -> None:
        """One idle slice of search strings; again until none is missing."""
        topology = self._bridge.topology
        if topology.is_production is True:
            return
        if not self.socket_filter.prepare(topology, PREPARE_SLICE_S):
            self._preparing.start()

    # --- following the bridge -------------------------------------------------------------

    def _batch_applied(self, changes: ChangeSet) -> None:
        topology = self._bridge.topology
        replaced = changes.replaced  # the session moved to another server
        if changes.reset:
            self.socket_filter.hidden_namespace = self._bridge.admin_namespace
            self.socket_filter.rebuild(topology)
            flipped: set[tuple[str, str]] = set()
        else:
            flipped = self.socket_filter.apply(topology, changes)
        if changes.config_changed or replaced:
            self._sync_mode()
        if replaced or changes.tree_changed() or changes.servers or changes.config_changed:
            self.view.apply(changes, flipped)
            self._update_count()
        if replaced:
            self.details.show_nothing()
        else:
            self.details.apply(changes)

    def _sync_mode(self) -> None:
        topology = self._bridge.topology
        production = topology.is_production is True
        self.mode_note.setVisible(production)
        self.filter_count.setVisible(not production)  # there are no sockets to count
        self.view.set_production(production)
        self.filter_edit.setEnabled(not production)
        self.filter_edit.setToolTip(plain_tooltip(PRODUCTION_NOTE) if production else "")
        self.details.update_actions()

    def _update_count(self) -> None:
        shown, total = self.socket_filter.counts()
        noun = "socket" if total == 1 else "sockets"
        if self.socket_filter.active:
            self.filter_count.setText(f"{shown} of {total} {noun}")
        else:
            self.filter_count.setText(f"{total} {noun}")

    # --- selection and menus -----------------------------------------------------------------

    def _selection_changed(self, path: tuple[Any, ...] | None) -> None:
        details = self.details
        kind = path[0] if path else None
        topology = self._bridge.topology
        if kind == "socket":
            details.show_socket(path[1], path[3])  # type: ignore[index]
        elif kind == "room" and path[2] is not None:  # type: ignore[index]
            details.show_room(path[1], path[2])  # type: ignore[index]
        elif kind == "room":
            details.show_nothing("Sockets in no room but their own: select one to see it.")
        elif kind == "client":
            client = topology.client(path[1])  # type: ignore[index]
            admin = self._bridge.admin_namespace
            keys = [k for k in client.sockets if k[0] != admin] if client is not None else []
            if keys:
                details.show_socket(*keys[0])
            else:
                details.show_nothing()
        elif kind == "ns":
            nsp = path[1]  # type: ignore[index]
            details.show_nothing(
                f"Namespace {nsp}: {topology.socket_count(nsp)} sockets in "
                f"{topology.room_count(nsp)} rooms."
            )
        else:
            details.show_nothing()

    def _context_menu(self, path: tuple[Any, ...], position: QPoint) -> None:
        kind = path[0] if path else None
        self.view.select_path(path)  # the menu acts on what the details panel shows
        menu = QMenu(self)
        menu.setObjectName("topologyMenu")
        menu.setToolTipsVisible(True)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if kind == "socket":
            self._socket_menu(menu, path[1], path[3])
        elif kind == "room" and path[2] is not None:
            if self.details.current != ("room", path[1], path[2]):
                self.details.show_room(path[1], path[2])
            page = self.details.room_page
            self._add(menu, "Emit to room…", EMIT_ROOM, page.ask_emit)
            self._add(menu, "Make all leave…", LEAVE_ROOM, page.ask_leave_all)
            self._add(menu, "Disconnect all…", DISCONNECT_ROOM, page.ask_disconnect_all)
        elif kind == "ns":
            nsp = path[1]
            self._add(menu, "Emit to namespace…", EMIT_NAMESPACE, lambda: self._ask_emit(nsp, None))
        if menu.isEmpty():
            menu.deleteLater()
            return
        self.menu = menu
        menu.popup(position)

    def _socket_menu(self, menu: QMenu, nsp: str, sid: str) -> None:
        state = self._bridge.topology.socket(nsp, sid)
        details = self.details
        if details.current != ("socket", nsp, sid):
            details.show_socket(nsp, sid)
        self._add(menu, "Join room…", JOIN, lambda: self._ask_join(nsp, sid))
        leave = menu.addMenu("Leave room")
        leave.setToolTipsVisible(True)
        rooms = listed_rooms(state, MENU_ROOMS) if state is not None else []
        for room in rooms:
            # menu texts treat "&" as a mnemonic marker: double it to show the name as sent
            self._add(leave, room.replace("&", "&&"), LEAVE, lambda r=room: details.leave_room(r))
        if state is not None and len(state.rooms) > len(rooms):
            more = leave.addAction(f"… and {len(state.rooms) - len(rooms):,} more")
            more.setEnabled(False)
        leave.setEnabled(bool(rooms))
        self._add(menu, "Emit to socket…", EMIT, lambda: self._ask_emit(nsp, sid))
        menu.addSeparator()
        self._add(menu, "Disconnect socket", DISCONNECT, lambda: details.disconnect(close=False))
        self._add(menu, "Disconnect client", DISCONNECT, lambda: details.disconnect(close=True))
        menu.addSeparator()
        copy = menu.addAction("Copy as JSON")
        copy.triggered.connect(details.copy_json)

    def _add(self, menu: QMenu, label: str, action_type: ActionType, slot: Any) -> QAction:
        action = menu.addAction(label)
        reason = self.runner.why_unavailable(action_type)
        action.setEnabled(reason is None)
        if reason is not None:
            action.setToolTip(plain_tooltip(reason))
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _ask_join(self, nsp: str, sid: str) -> None:
        self.dialog = ask_room(
            self,
            f"Join a room: socket {sid}",
            lambda room: self.runner.run(act.join(nsp, room, Target.socket(sid))),
        )

    def _ask_emit(self, nsp: str, sid: str | None) -> None:
        target = Target.socket(sid) if sid is not None else Target.namespace()
        dialog = EmitDialog(target.describe(nsp), self)
        dialog.emit_chosen.connect(
            lambda event, args: self.runner.run(act.emit(nsp, target, event, *args))
        )
        dialog.open()
        self.dialog = dialog
