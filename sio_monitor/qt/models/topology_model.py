"""The rooms tree: namespaces, their rooms and their sockets, live from the change-sets.

Each batch is turned into touched keys per parent, bottom-up (room members,
then rooms, then namespaces), and handed to ``TreeModelBase.sync``, so a
batch costs a few row blocks per parent however many events it held. Private
id-rooms are left out unless asked for; the sockets then in no other room
sit under one "(no room)" row so that the counts add up. In production mode
there are no sockets to show: a namespace's children are the servers whose
stats count it.

A view lays out every row of an expanded parent on every change, so a
namespace lists at most ``MAX_ROOM_ROWS`` rooms, the first that came, and a
last row counts the others (the filter finds any); and a socket that changes
touches its rows in the rooms opened so far, not in each of its own.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor

from sio_monitor.domain.topology.changes import ChangeSet
from sio_monitor.domain.topology.filter_index import SocketFilter, SocketKey
from sio_monitor.domain.topology.nodes import NamespaceState, SocketState
from sio_monitor.qt.bridge import EventBridge
from sio_monitor.qt.models.socket_table_model import socket_cells, socket_tooltip
from sio_monitor.qt.models.tree_base import Node, TreeModelBase

NO_ROOM_LABEL = "(no room)"
NO_ROOM_TIP = "Sockets that are in no room but their own private one"
#: Room rows a namespace lists at most; a last row counts the others.
MAX_ROOM_ROWS = 1_000
MORE_TIP = "Only the first rooms are listed: type part of a room name in the filter to find one"
#: The key of a namespace's last row, counting the rooms not listed (never a room's name).
MORE: Hashable = ("more",)

_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_MUTED = QColor(120, 120, 120)


class RoomsTreeModel(TreeModelBase):
    """Namespace > room > socket, with counts in the labels (``lobby (12)``)."""

    def __init__(
        self, bridge: EventBridge, socket_filter: SocketFilter, parent: QObject | None = None
    ) -> None:
        super().__init__(bridge, socket_filter, parent)
        self._show_private = False
        self._production = False
        self._roomless: dict[str, dict[str, None]] = {}  # nsp -> sockets in no public room
        self._listed: dict[str, set[Hashable]] = {}  # nsp -> the rooms that have a row
        self._refused: dict[str, bool] = {}  # nsp -> a room went without a row (filtering)
        self._opened: dict[str, dict[Hashable, None]] = {}  # nsp -> rooms whose sockets are built
        # nsp -> rooms of its matching sockets, while a reset lays out the namespaces
        self._matched_rooms_by_nsp: dict[str, set[str]] | None = None
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
        self._reset(index_roomless=True)

    def refilter(self) -> None:
        """A new pattern on the same topology: the rows again, the "(no room)" index kept.

        ``apply`` has kept that index current, so only a replaced topology reads it again.
        """
        self._reset(index_roomless=self._topology is not self._bridge.topology)

    def _reset(self, index_roomless: bool) -> None:
        self.beginResetModel()
        self.clear_nodes()
        self._topology = topology = self._bridge.topology
        self._production = topology.is_production is True
        self._listed, self._refused, self._opened = {}, {}, {}
        if index_roomless:
            self._roomless = {}
            if not self._show_private:
                for nsp in topology.namespaces():
                    self._roomless[nsp] = {
                        sid: None for sid, state in self._sockets(nsp).items() if _roomless(state)
                    }
        self.fill(self._root, topology.namespaces())
        self._matched_rooms_by_nsp = None  # the matches move with the next batch
        self.endResetModel()

    def apply(self, changes: ChangeSet, flipped: set[SocketKey]) -> None:
        """Take in one batch; ``flipped`` are the sockets whose filter verdict changed."""
        topology = self._bridge.topology
        if changes.reset or self._production != (topology.is_production is True):
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
        rooms: dict[str, dict[Hashable, None]] = {}  # per namespace, in the order they came
        for (nsp, room), sids in members.items():
            rooms.setdefault(nsp, {})[room] = None
            node = self._nodes.get(("room", nsp, room))
            if node is None:
                continue
            if node.children is None:
                if self._filter.active:  # a deferred room keeps its matching count for its label
                    node.count = self._matching(nsp, room)
            else:
                self.sync(node, sids)
        for nsp, group in changes.rooms.items():
            names = rooms.setdefault(nsp, {})
            names.update(group.added)
            names.update(group.removed)
            names.update(group.updated)
            if group.added or group.removed:
                names[MORE] = None  # its count moved
        for nsp, names in rooms.items():
            node = self._nodes.get(("ns", nsp))
            if node is not None:
                # Rows that go free go first, then the rooms that may take them, then the count.
                listed = self._listed.get(nsp, set())
                self.sync(node, sorted(names, key=lambda k: (k is MORE, k not in listed)))
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
                if sid in group.updated:  # its rows changed where they are built
                    for room in _among(state.rooms, self._opened.get(nsp, {})):
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
            for room in _among(state.rooms, self._listed.get(nsp, set())):
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
            if key is MORE:
                if self._filter.active:
                    return self._refused.get(nsp, False)  # type: ignore[call-overload]
                return self._unlisted(nsp) > 0  # type: ignore[arg-type]
            if key is None:
                return self._has_shown_members(nsp, self._roomless.get(nsp, ()))  # type: ignore[arg-type]
            return self._admit(nsp, key)  # type: ignore[arg-type]
        return key != self._bridge.admin_namespace and topology.namespace(key) is not None  # type: ignore[arg-type]

    def _admit(self, nsp: str, room: Hashable) -> bool:
        """Whether a room has a row: members to show, and a row free when it came (or has one)."""
        listed = self._listed.setdefault(nsp, set())
        state = self._topology.room(nsp, room)  # type: ignore[arg-type]
        if state is None or (state.private and not self._show_private):
            shown = False
        else:
            shown = self._has_shown_members(nsp, state.members)
        if not shown:
            listed.discard(room)
        elif room in listed or len(listed) < MAX_ROOM_ROWS:
            listed.add(room)
        else:
            self._refused[nsp] = True
            return False
        return shown

    def _has_shown_members(self, nsp: str, members: Any) -> bool:
        if not self._filter.active:
            return bool(members)
        accepts = self._filter.accepts
        return any(accepts(nsp, sid) for sid in members)

    def _unlisted(self, nsp: str) -> int:
        """Rooms of ``nsp`` that would have a row but for ``MAX_ROOM_ROWS`` (without a filter)."""
        ns = self._topology.namespace(nsp)
        if ns is None or self._filter.active:
            return 0
        rooms = len(ns.rooms) - (0 if self._show_private else ns.private_rooms)
        return max(0, rooms - len(self._listed.get(nsp, ())))

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
            if key is MORE:
                return self.add_node(parent, "more", MORE, ("more", nsp), (2, ""), leaf=True)
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
            if self._production:
                return ns.reported_by
            self._listed[node.key] = set()  # type: ignore[index]
            self._refused[node.key] = False  # type: ignore[index]
            return self._room_keys(ns)
        self._opened.setdefault(node.path[1], {})[node.key] = None
        return self._members(node.path[1], node.key)

    def _room_keys(self, ns: NamespaceState) -> Iterator[Hashable]:
        """A namespace's candidate rows, read only until its room rows are all taken.

        Rooms that ``wanted`` would refuse anyway are passed over here, without a
        call each: the private ones while hidden (every socket has one), and while
        filtering, those no matching socket is in (``wanted`` would read every
        member of each to find none).
        """
        yield None
        nsp = ns.name
        listed = self._listed[nsp]
        hide_private = not self._show_private
        candidates = self._matched_rooms(nsp) if self._filter.active else None
        for room, state in ns.rooms.items():
            if (hide_private and state.private) or (
                candidates is not None and room not in candidates
            ):
                continue
            if len(listed) >= MAX_ROOM_ROWS:
                self._refused[nsp] = True
                break
            yield room
        yield MORE

    def _matched_rooms(self, nsp: str) -> set[str]:
        """The rooms of ``nsp``'s matching sockets, found for every namespace at once."""
        by_nsp = self._matched_rooms_by_nsp
        if by_nsp is None:
            by_nsp = self._matched_rooms_by_nsp = {}
            namespaces = self._topology.namespace
            for key_nsp, sid in self._filter.matched:
                rooms = by_nsp.get(key_nsp)
                if rooms is None:
                    rooms = by_nsp[key_nsp] = set()
                ns = namespaces(key_nsp)
                state = ns.sockets.get(sid) if ns is not None else None
                if state is not None:
                    rooms.update(state.rooms)
        return by_nsp.get(nsp, set())

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

    def _other_role(self, node: Node, role: int) -> Any:
        if role == _TOOLTIP:
            if node.kind == "socket":
                state = self._sockets(node.path[1]).get(node.key)  # type: ignore[arg-type]
                return socket_tooltip(state) if state is not None else None
            if node.kind == "room" and node.key is None:
                return NO_ROOM_TIP
            if node.kind == "more":
                return MORE_TIP
            return None
        muted = node.kind == "more" or (node.kind == "room" and node.key is None)
        if role == _FOREGROUND and muted:
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
        if kind == "more":
            unlisted = self._unlisted(node.path[1])
            if unlisted:
                return f"… and {unlisted:,} more rooms"
            return "… more rooms may match: narrow the filter to list them"
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


def _among(rooms: dict[str, None], chosen: Any) -> list[Hashable]:
    """The rooms in both, walking the smaller: a socket may be in a hundred thousand."""
    if len(rooms) <= len(chosen):
        return [room for room in rooms if room in chosen]
    return [room for room in chosen if room in rooms]


def _roomless(state: SocketState) -> bool:
    """In no room but (possibly) its own id-room."""
    rooms = state.rooms
    return not rooms or (len(rooms) == 1 and state.id in rooms)
