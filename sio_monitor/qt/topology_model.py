"""The rooms tree: namespaces, their rooms and their sockets, live from the change-sets.

Each batch is turned into touched keys per parent, bottom-up (room members,
then rooms, then namespaces), and handed to ``TreeModelBase.sync``, so a
batch costs a few row blocks per parent however many events it held. Private
id-rooms are left out unless asked for; the sockets then in no other room
sit under one "(no room)" row so that the counts add up. In production mode
there are no sockets to show: a namespace's children are the servers whose
stats count it.
"""

from __future__ import annotations

import time
from collections.abc import Hashable
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor

from sio_monitor.domain.changes import ChangeSet
from sio_monitor.domain.nodes import SocketState
from sio_monitor.domain.topology import PRODUCTION, Topology
from sio_monitor.net.codec import display_address, header_value
from sio_monitor.qt.bridge import EventBridge
from sio_monitor.qt.filter_index import SocketFilter, SocketKey
from sio_monitor.qt.tree_base import (
    MARK_COLOUR,
    PATH_ROLE,
    Index,
    Node,
    TreeModelBase,
    plain_tooltip,
)

NO_ROOM_LABEL = "(no room)"
NO_ROOM_TIP = "Sockets that are in no room but their own private one"

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_PATH = int(PATH_ROLE)
_MUTED = QColor(120, 120, 120)


def clock(epoch: float) -> str:
    """Local wall-clock time of day, the way a person reads "connected at"."""
    return time.strftime("%H:%M:%S", time.localtime(epoch))


def socket_cells(state: SocketState) -> tuple[str, str, str]:
    """Transport, address and connection time: the columns every socket row shares."""
    return (
        state.transport,
        display_address(state.info.handshake.address),
        clock(state.connected_at),
    )


def socket_tooltip(state: SocketState) -> str:
    agent = header_value(state.info.handshake.headers, "user-agent") or "no user agent"
    return plain_tooltip(f"{state.id}\n{agent}")


class RoomsTreeModel(TreeModelBase):
    """Namespace > room > socket, with counts in the labels (``lobby (12)``)."""

    COLUMNS = ("Name", "Transport", "Address", "Connected")

    def __init__(
        self, bridge: EventBridge, socket_filter: SocketFilter, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._filter = socket_filter
        self._topology: Topology = bridge.topology
        self._show_private = False
        self._production = False
        self._roomless: dict[str, dict[str, None]] = {}  # nsp -> sockets in no public room
        self._arrived: set[SocketKey] = set()  # sockets new in the batch being applied: tinted
        self.rebuild()

    # --- public API ----------------------------------------------------------------

    @property
    def show_private(self) -> bool:
        return self._show_private

    def set_show_private(self, show: bool) -> None:
        if show != self._show_private:
            self._show_private = show
            self.rebuild()

    def rebuild(self) -> None:
        """Re-read the whole topology: after a snapshot, a mode switch or a new pattern."""
        self.beginResetModel()
        self.clear_nodes()
        self._topology = topology = self._bridge.topology
        self._production = topology.mode == PRODUCTION
        self._roomless = {}
        if not self._show_private:
            for nsp in topology.namespaces():
                self._roomless[nsp] = {
                    sid: None for sid, state in self._sockets(nsp).items() if _roomless(state)
                }
        self.fill(self._root, topology.namespaces())
        self.endResetModel()

    def apply(self, changes: ChangeSet, flipped: set[SocketKey]) -> None:
        """Take in one batch; ``flipped`` are the sockets whose filter verdict changed."""
        topology = self._bridge.topology
        if (
            changes.reset
            or topology is not self._topology
            or self._production != (topology.mode == PRODUCTION)
        ):
            self.rebuild()
            return
        if self._production:
            touched = set(changes.namespaces.added) | set(changes.namespaces.removed)
            for nsp in changes.namespaces.updated:
                touched.add(nsp)
                node = self._nodes.get(("ns", nsp))
                ns = topology.namespace(nsp)
                if node is not None and ns is not None:
                    self.sync(node, set(node.by_key) | set(ns.reported_by))
            self.sync(self._root, touched)
            return
        self._arrived = {
            (nsp, sid) for nsp, group in changes.sockets.items() for sid in group.added
        }
        members = self._touched_members(changes, flipped)
        rooms: dict[str, set[Hashable]] = {}
        for (nsp, room), sids in members.items():
            rooms.setdefault(nsp, set()).add(room)
            node = self._nodes.get(("room", nsp, room))
            if node is None:
                continue
            if node.children is None:
                if self._filter.active:  # a deferred room keeps its matching count for its label
                    node.count = self._matching(nsp, room)
            else:
                self.sync(node, sids)
        for nsp, group in changes.rooms.items():
            rooms.setdefault(nsp, set()).update(group.added, group.removed, group.updated)
        for nsp, names in rooms.items():
            node = self._nodes.get(("ns", nsp))
            if node is not None:
                self.sync(node, names)
        namespaces = changes.namespaces
        touched = {*namespaces.added, *namespaces.removed, *namespaces.updated}
        touched.update(nsp for nsp, _ in flipped)  # their "n of m" moved
        self.sync(self._root, touched)
        self._arrived = set()

    def _touched_members(
        self, changes: ChangeSet, flipped: set[SocketKey]
    ) -> dict[tuple[str, Hashable], set[str]]:
        touched: dict[tuple[str, Hashable], set[str]] = {}
        for key, group in changes.members.items():
            touched.setdefault(key, set()).update(group.added, group.removed, group.updated)
        show_private = self._show_private
        for nsp, group in changes.sockets.items():
            sockets = self._sockets(nsp)
            roomless = None if show_private else self._roomless.setdefault(nsp, {})
            for sid in group.removed:
                if roomless is not None and sid in roomless:
                    del roomless[sid]
                    touched.setdefault((nsp, None), set()).add(sid)
            for sid in (*group.added, *group.updated):
                state = sockets.get(sid)
                if state is None:
                    continue
                if sid in group.updated:
                    for room in state.rooms:
                        touched.setdefault((nsp, room), set()).add(sid)
                if roomless is not None:
                    now = _roomless(state)
                    if now or sid in roomless:
                        touched.setdefault((nsp, None), set()).add(sid)
                    if now:
                        roomless[sid] = None
                    else:
                        roomless.pop(sid, None)
        for nsp, sid in flipped:
            state = self._sockets(nsp).get(sid)
            if state is None:
                continue
            for room in state.rooms:
                touched.setdefault((nsp, room), set()).add(sid)
            if sid in self._roomless.get(nsp, ()):
                touched.setdefault((nsp, None), set()).add(sid)
        return touched

    # --- the tree's shape --------------------------------------------------------------

    def _sockets(self, nsp: str) -> dict[str, SocketState]:
        ns = self._topology.namespace(nsp)
        return ns.sockets if ns is not None else {}

    def wanted(self, parent: Node, key: Hashable) -> bool:
        topology = self._topology
        kind = parent.kind
        if kind == "room":
            nsp, room = parent.path[1], parent.path[2]
            if not self._filter.accepts(nsp, key):  # type: ignore[arg-type]
                return False
            if room is None:
                return key in self._roomless.get(nsp, ())
            state = topology.room(nsp, room)
            return state is not None and key in state.members
        if kind == "ns":
            nsp = parent.key
            if self._production:
                ns = topology.namespace(nsp)  # type: ignore[arg-type]
                return ns is not None and key in ns.reported_by
            if key is None:
                members: Any = self._roomless.get(nsp, ())  # type: ignore[arg-type]
            else:
                state = topology.room(nsp, key)  # type: ignore[arg-type]
                if state is None or (state.private and not self._show_private):
                    return False
                members = state.members
            accepts = self._filter.accepts
            if not self._filter.active:
                return bool(members)
            return any(accepts(nsp, sid) for sid in members)  # type: ignore[arg-type]
        return key != self._bridge.admin_namespace and topology.namespace(key) is not None  # type: ignore[arg-type]

    def build(self, parent: Node, key: Hashable) -> Node:
        kind = parent.kind
        if kind == "root":
            node = self.add_node(parent, "ns", key, ("ns", key), key)
            self.fill(node, self.child_keys(node))
            return node
        if kind == "ns":
            nsp = parent.key
            if self._production:
                return self.add_node(parent, "server", key, ("server", nsp, key), key, leaf=True)
            sort_key = (0, "") if key is None else (1, key)
            node = self.add_node(parent, "room", key, ("room", nsp, key), sort_key)
            self.defer(node)
            if self._filter.active:
                node.count = self._matching(nsp, key)  # type: ignore[arg-type]
            return node
        nsp, room = parent.path[1], parent.path[2]
        state = self._sockets(nsp).get(key)  # type: ignore[arg-type]
        connected = state.connected_at if state is not None else 0.0
        path = ("socket", nsp, room, key)
        node = self.add_node(parent, "socket", key, path, (connected, key), leaf=True)
        if (nsp, key) in self._arrived:
            self.mark_node(node)
        return node

    def child_keys(self, node: Node) -> Any:
        if node.kind == "ns":
            ns = self._topology.namespace(node.key)  # type: ignore[arg-type]
            if ns is None:
                return ()
            return ns.reported_by if self._production else [None, *ns.rooms]
        return self._members(node.path[1], node.key)

    def owner_path(self, path: tuple[Any, ...]) -> tuple[Any, ...] | None:
        return ("room", path[1], path[2]) if path[0] == "socket" else None

    def _members(self, nsp: str, room: Hashable) -> Any:
        if room is None:
            return self._roomless.get(nsp, {})
        state = self._topology.room(nsp, room)  # type: ignore[arg-type]
        return state.members if state is not None else {}

    def _matching(self, nsp: str, room: Hashable) -> int:
        accepts = self._filter.accepts
        return sum(1 for sid in self._members(nsp, room) if accepts(nsp, sid))

    # --- what the view shows -------------------------------------------------------------

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        node: Node = index.internalPointer()
        if role == _DISPLAY:
            return self._text(node, index.column())
        if role == _BACKGROUND:
            return MARK_COLOUR if node in self._marked else None
        if role == _PATH:
            return node.path
        if role == _TOOLTIP:
            if node.kind == "socket":
                state = self._sockets(node.path[1]).get(node.key)  # type: ignore[arg-type]
                return socket_tooltip(state) if state is not None else None
            if node.kind == "room" and node.key is None:
                return NO_ROOM_TIP
            return None
        if role == _FOREGROUND and node.kind == "room" and node.key is None:
            return _MUTED
        return None

    def _text(self, node: Node, column: int) -> str | None:
        kind = node.kind
        if kind == "socket":
            if column == 0:
                return node.key  # type: ignore[return-value]
            state = self._sockets(node.path[1]).get(node.key)  # type: ignore[arg-type]
            return socket_cells(state)[column - 1] if state is not None else None
        if column != 0:
            return None
        if kind == "room":
            name = NO_ROOM_LABEL if node.key is None else node.key
            total = len(self._members(node.path[1], node.key))
            if not self._filter.active:
                return f"{name} ({total})"
            shown = node.count if node.children is None else len(node.children)
            return f"{name} ({shown} of {total})"
        if kind == "server":
            parent_ns = self._topology.namespace(node.path[1])
            count = parent_ns.reported_by.get(node.key, 0) if parent_ns is not None else 0  # type: ignore[arg-type]
            return f"{node.key} ({count})"
        ns = self._topology.namespace(node.key)  # type: ignore[arg-type]
        if ns is None:
            return node.key  # type: ignore[return-value]
        if self._production:
            return f"{node.key} ({ns.reported_count})"
        if self._filter.active:
            return f"{node.key} ({self._filter.matched_in(node.key)} of {len(ns.sockets)})"  # type: ignore[arg-type]
        return f"{node.key} ({len(ns.sockets)})"


def _roomless(state: SocketState) -> bool:
    """In no room but (possibly) its own id-room."""
    rooms = state.rooms
    return not rooms or (len(rooms) == 1 and state.id in rooms)
