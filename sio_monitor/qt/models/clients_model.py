"""The engine clients tree: one row per engine.io connection, its sockets (one per namespace) below.

Same machinery as the rooms tree (``TreeModelBase.sync`` on touched keys), on
a shallower shape. The monitor's own connection, whose only socket is in the
admin namespace, is left out.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from PySide6.QtCore import QObject, Qt

from sio_monitor.domain.topology.changes import ChangeSet
from sio_monitor.domain.topology.filter_index import SocketFilter, SocketKey
from sio_monitor.domain.topology.nodes import ClientState, SocketState
from sio_monitor.qt.bridge import EventBridge
from sio_monitor.qt.models.topology_model import socket_cells, socket_tooltip
from sio_monitor.qt.models.tree_base import Node, TreeModelBase

_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)


class ClientsTreeModel(TreeModelBase):
    """Engine client > its sockets, in the order the clients first appeared."""

    def __init__(
        self, bridge: EventBridge, socket_filter: SocketFilter, parent: QObject | None = None
    ) -> None:
        super().__init__(bridge, socket_filter, parent)
        self.rebuild()

    def rebuild(self) -> None:
        self.beginResetModel()
        self.clear_nodes()
        self._topology = self._bridge.topology
        self.fill(self._root, [c.client_id for c in self._topology.clients()])
        self.endResetModel()

    def apply(self, changes: ChangeSet, flipped: set[SocketKey]) -> None:
        topology = self._bridge.topology
        if changes.reset:
            self.rebuild()
            return
        group = changes.clients
        touched: set[str] = set(group.added) | set(group.removed) | set(group.updated)
        self._arrived = set()
        for nsp, sockets in changes.sockets.items():
            for sid in sockets.added:
                self._arrived.add((nsp, sid))
            for sid in sockets.updated:
                state = self._socket(nsp, sid)
                if state is not None:
                    touched.add(state.client_id)
        for nsp, sid in flipped:
            state = self._socket(nsp, sid)
            if state is not None:
                touched.add(state.client_id)
        for client_id in touched:
            node = self._nodes.get(("client", client_id))
            client = topology.client(client_id)
            if node is not None and client is not None and node.children is not None:
                self.sync(node, set(node.by_key) | set(client.sockets))
        self.sync(self._root, touched)
        self._arrived = set()

    # --- shape ----------------------------------------------------------------------

    def _socket(self, nsp: str, sid: str) -> SocketState | None:
        return self._topology.socket(nsp, sid)

    def _shown(self, client: ClientState) -> list[tuple[str, str]]:
        admin = self._bridge.admin_namespace
        accepts = self._filter.accepts
        return [key for key in client.sockets if key[0] != admin and accepts(*key)]

    def wanted(self, parent: Node, key: Hashable) -> bool:
        if parent.kind == "client":
            client = self._topology.client(parent.key)  # type: ignore[arg-type]
            nsp, sid = key  # type: ignore[misc]
            return (
                client is not None
                and key in client.sockets
                and nsp != self._bridge.admin_namespace
                and self._filter.accepts(nsp, sid)
            )
        client = self._topology.client(key)  # type: ignore[arg-type]
        return client is not None and bool(self._shown(client))

    def build(self, parent: Node, key: Hashable) -> Node:
        if parent.kind == "client":
            nsp, sid = key  # type: ignore[misc]
            node = self.add_node(parent, "socket", key, ("socket", nsp, None, sid), key, leaf=True)
            if key in self._arrived:
                self.mark_node(node)
            return node
        client = self._topology.client(key)  # type: ignore[arg-type]
        first = 0.0
        if client is not None:
            times = [s.connected_at for s in map(self._state, client.sockets) if s is not None]
            first = min(times, default=0.0)
        node = self.add_node(parent, "client", key, ("client", key), (first, key))
        self.defer(node)
        return node

    def child_keys(self, node: Node) -> Any:
        client = self._topology.client(node.key)  # type: ignore[arg-type]
        return client.sockets if client is not None else ()

    def owner_path(self, path: tuple[Any, ...]) -> tuple[Any, ...] | None:
        state = self._socket(path[1], path[3]) if path[0] == "socket" else None
        return ("client", state.client_id) if state is not None else None

    def _state(self, key: tuple[str, str]) -> SocketState | None:
        return self._topology.socket(*key)

    # --- display ----------------------------------------------------------------------

    def _other_role(self, node: Node, role: int) -> Any:
        if role == _TOOLTIP and node.kind == "socket":
            state = self._state(node.key)  # type: ignore[arg-type]
            return socket_tooltip(state) if state is not None else None
        return None

    def _text(self, node: Node, column: int) -> str | None:
        if node.kind == "socket":
            nsp, sid = node.key  # type: ignore[misc]
            if column == 0:
                return f"{nsp}  {sid}"
            state = self._socket(nsp, sid)
        else:
            client = self._topology.client(node.key)  # type: ignore[arg-type]
            shown = self._shown(client) if client is not None else []
            if column == 0:
                count = len(shown)
                return f"{node.key} ({count} socket{'s' if count != 1 else ''})"
            state = self._state(shown[0]) if shown else None
        if state is None:
            return None
        return socket_cells(state)[column - 1]
