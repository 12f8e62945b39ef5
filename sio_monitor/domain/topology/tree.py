"""The socket tree: namespaces, rooms, sockets and engine clients, and its mutations.

Each mutation records its net effect in the batch's ChangeSet as it goes, so
the change-set costs nothing extra to build. The ordering quirks of the two
server flavours are absorbed here: joins for a socket not seen yet are kept
for it, a re-sent ``socket_connected`` refreshes rather than duplicates, and
events for a socket already gone are dropped.
"""

from __future__ import annotations

from typing import Any

from sio_monitor.domain.events import SocketInfo
from sio_monitor.domain.topology.changes import ChangeSet
from sio_monitor.domain.topology.nodes import (
    ClientState,
    NamespaceState,
    PendingMemberships,
    RoomState,
    SocketState,
)


class SocketTree:
    """Namespaces by name, sockets by (namespace, id), clients by clientId: all dicts."""

    def __init__(self) -> None:
        self.namespaces: dict[str, NamespaceState] = {}
        self.clients: dict[str, ClientState] = {}
        self.pending = PendingMemberships()
        self.socket_total = 0

    def namespace(self, name: str, changes: ChangeSet) -> NamespaceState:
        state = self.namespaces.get(name)
        if state is None:
            state = self.namespaces[name] = NamespaceState(name)
            changes.namespaces.note_added(name)
        return state

    def find(self, nsp: str, sid: str) -> tuple[NamespaceState | None, SocketState | None]:
        ns = self.namespaces.get(nsp)
        return ns, (ns.sockets.get(sid) if ns is not None else None)

    def known_count(self, nsp: str) -> int:
        state = self.namespaces.get(nsp)
        return len(state.sockets) if state is not None else 0

    def reported_count(self, nsp: str) -> int:
        state = self.namespaces.get(nsp)
        return state.reported_count if state is not None else 0

    def reset(self, changes: ChangeSet) -> None:
        """Drop every socket; keep only namespaces that some server's stats list."""
        self.namespaces = {
            name: NamespaceState(
                name, reported_by=old.reported_by, reported_count=old.reported_count
            )
            for name, old in self.namespaces.items()
            if old.reported_by
        }
        self.clients = {}
        self.socket_total = 0
        self.pending.clear_joins()
        changes.reset = True

    # --- events --------------------------------------------------------------

    def connect(self, info: SocketInfo, at: float, changes: ChangeSet) -> None:
        gone_at = self.pending.gone_at(info.nsp, info.id)
        if gone_at is not None and (info.connected_at or at) <= gone_at:
            # A presence re-send that lost the race with the disconnection: the
            # socket connected before it left, so this is no comeback.
            return
        self.add(info, at, changes)

    def disconnect(self, nsp: str, sid: str, at: float, changes: ChangeSet) -> None:
        self.pending.gone(nsp, sid, at)
        ns, state = self.find(nsp, sid)
        if ns is not None and state is not None:
            self._remove(ns, state, changes)

    def room_joined(self, nsp: str, room: str, sid: str, changes: ChangeSet) -> None:
        ns, state = self.find(nsp, sid)
        if ns is None or state is None:
            self.pending.join(nsp, sid, room)
        else:
            self._join(ns, state, room, changes)

    def room_left(self, nsp: str, room: str, sid: str, changes: ChangeSet) -> None:
        ns, state = self.find(nsp, sid)
        if ns is None or state is None:
            self.pending.leave(nsp, sid, room)
        else:
            self._leave(ns, state, room, changes)

    def update(self, nsp: str, sid: str, fields: dict[str, Any], changes: ChangeSet) -> None:
        _, state = self.find(nsp, sid)
        if state is None:
            return
        if "transport" in fields:
            state.transport = str(fields["transport"])
        if "data" in fields:
            state.data = fields["data"]
        changes.sockets_of(nsp).note_updated(sid)

    # --- mutations -----------------------------------------------------------

    def add(self, info: SocketInfo, at: float, changes: ChangeSet) -> None:
        """Add a socket, or refresh it if it is already known (python's re-sends)."""
        ns = self.namespace(info.nsp, changes)
        known = ns.sockets.get(info.id)
        if known is not None:
            self._refresh(ns, known, info, at, changes)
            return
        state = SocketState(info, {}, info.transport, info.data, info.connected_at or at, at)
        ns.sockets[info.id] = state
        self.socket_total += 1
        changes.sockets_of(ns.name).note_added(info.id)
        changes.namespaces.note_updated(ns.name)
        self._attach_client(ns.name, state, changes)
        for room in info.rooms:
            self._join(ns, state, room, changes)
        pending = self.pending.take(ns.name, info.id)
        if pending:
            for room in pending:
                self._join(ns, state, room, changes)

    def _refresh(
        self,
        ns: NamespaceState,
        state: SocketState,
        info: SocketInfo,
        at: float,
        changes: ChangeSet,
    ) -> None:
        """A re-send of a known socket: its rooms list is current, so it wins.

        Python's late room events that predate this re-send arrive after it
        but in their original order, so replaying them still ends in the
        server's state.
        """
        state.refreshed_at = at
        changed = state.transport != info.transport or not _same(state.data, info.data)
        state.transport = info.transport
        state.data = info.data
        if info.connected_at is not None and info.connected_at < state.connected_at:
            state.connected_at = info.connected_at
            changed = True
        if info.client_id != state.info.client_id:
            self._detach_client(ns.name, state, changes)
            state.info = info
            self._attach_client(ns.name, state, changes)
            changed = True
        state.info = info
        wanted = dict.fromkeys(info.rooms)
        if wanted.keys() != state.rooms.keys():
            for room in [r for r in state.rooms if r not in wanted]:
                self._leave(ns, state, room, changes)
            for room in wanted:
                self._join(ns, state, room, changes)
        if changed:
            changes.sockets_of(ns.name).note_updated(info.id)

    def _attach_client(self, nsp: str, state: SocketState, changes: ChangeSet) -> None:
        client_id = state.info.client_id
        client = self.clients.get(client_id)
        if client is None:
            client = self.clients[client_id] = ClientState(client_id)
            changes.clients.note_added(client_id)
        else:
            changes.clients.note_updated(client_id)
        client.sockets[(nsp, state.id)] = None

    def _detach_client(self, nsp: str, state: SocketState, changes: ChangeSet) -> None:
        client_id = state.info.client_id
        client = self.clients.get(client_id)
        if client is None:
            return
        client.sockets.pop((nsp, state.id), None)
        if client.sockets:
            changes.clients.note_updated(client_id)
        else:
            del self.clients[client_id]
            changes.clients.note_removed(client_id)

    def _remove(self, ns: NamespaceState, state: SocketState, changes: ChangeSet) -> None:
        for room in list(state.rooms):
            self._leave(ns, state, room, changes)
        del ns.sockets[state.id]
        self.socket_total -= 1
        self._detach_client(ns.name, state, changes)
        changes.sockets_of(ns.name).note_removed(state.id)
        changes.namespaces.note_updated(ns.name)

    def _join(self, ns: NamespaceState, state: SocketState, room: str, changes: ChangeSet) -> None:
        rooms = state.rooms
        if room in rooms:
            return
        rooms[room] = None
        sid = state.info.id
        existing = ns.rooms.get(room)
        if existing is None:
            existing = ns.rooms[room] = RoomState(room, ns.name, room == sid)
            ns.private_rooms += existing.private
            changes.rooms_of(ns.name).note_added(room)
        else:
            changes.rooms_of(ns.name).note_updated(room)
        existing.members[sid] = None
        changes.members_of(ns.name, room).note_added(sid)
        changes.sockets_of(ns.name).note_updated(sid)

    def _leave(self, ns: NamespaceState, state: SocketState, room: str, changes: ChangeSet) -> None:
        if room not in state.rooms:
            return
        del state.rooms[room]
        changes.sockets_of(ns.name).note_updated(state.id)
        existing = ns.rooms.get(room)
        if existing is None:
            return
        existing.members.pop(state.id, None)
        changes.members_of(ns.name, room).note_removed(state.id)
        if existing.members:
            changes.rooms_of(ns.name).note_updated(room)
        else:
            del ns.rooms[room]
            ns.private_rooms -= existing.private
            changes.rooms_of(ns.name).note_removed(room)


def _same(old: Any, new: Any) -> bool:
    """Equal socket data; data nested too deep for ``==`` counts as changed, not as a crash."""
    try:
        return bool(old == new)
    except RecursionError:
        return False
