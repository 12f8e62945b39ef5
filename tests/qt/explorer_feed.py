"""Events for the explorer's models and widgets, fed through the real bridge.

``sock`` builds a socket as a phone app's would look (handshake, agent,
address), ``Harness`` does per batch what the explorer does without its
widgets, and ``outline`` reads a tree model back as nested lists.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QModelIndex

from sio_monitor.domain.events import (
    Handshake,
    ServerStatsReceived,
    SocketConnected,
    SocketInfo,
)
from sio_monitor.domain.topology.changes import ChangeSet
from sio_monitor.domain.topology.filter_index import SocketFilter
from sio_monitor.qt.bridge import EventBridge
from sio_monitor.qt.models.clients_model import ClientsTreeModel
from sio_monitor.qt.models.server_table_model import ServerTableModel
from sio_monitor.qt.models.socket_table_model import SocketTableModel
from sio_monitor.qt.models.topology_model import RoomsTreeModel
from tests.support import events as build

T0 = time.time() - 600
ACTIONS = frozenset({"EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT"})
DEV = frozenset({"ALL_EVENTS", "AGGREGATED_EVENTS", *ACTIONS})
PROD = frozenset({"AGGREGATED_EVENTS"})


def sock(
    sid: str,
    nsp: str = "/chat",
    *rooms: str,
    client: str | None = None,
    agent: str = "DemoChat/2.4.1 (Android 14; Pixel 8)",
    address: str = "::ffff:10.0.0.5",
    data: Any = None,
    query: dict[str, str] | None = None,
    at: float | None = None,
) -> SocketInfo:
    return build.info(
        sid,
        nsp,
        rooms,
        client=client or f"eng-{sid}",
        at=at or T0,
        transport="websocket",
        data=data if data is not None else {},
        handshake=Handshake(
            address=address,
            headers={"host": "chat.example:443", "user-agent": agent, "accept": "*/*"},
            query=query if query is not None else {"EIO": "4", "transport": "websocket"},
            issued=at or T0,
            url="/socket.io/?EIO=4&transport=websocket",
            secure=True,
        ),
    )


def connected(info: SocketInfo) -> SocketConnected:
    return SocketConnected(info, time.time())


def stats(server_id: str, counts: dict[str, int], clients: int = 0) -> ServerStatsReceived:
    return build.stats(
        server_id,
        time.time(),
        hostname=f"host-{server_id}",
        pid=4100,
        uptime=7260.0,
        clients=clients or sum(counts.values()),
        counts=counts,
    )


def feed(bridge: EventBridge, *events: object) -> ChangeSet | None:
    for event in events:
        bridge.sink(event)  # type: ignore[arg-type]
    return bridge.flush()


class Harness:
    """What the explorer does per batch, without its widgets: filter first, then every model."""

    def __init__(self) -> None:
        self.bridge = EventBridge()
        self.filter = SocketFilter()
        self.rooms = RoomsTreeModel(self.bridge, self.filter)
        self.clients = ClientsTreeModel(self.bridge, self.filter)
        self.table = SocketTableModel(self.bridge, self.filter)
        self.servers = ServerTableModel(self.bridge)
        self.bridge.batch_applied.connect(self._applied)

    def _applied(self, changes: ChangeSet) -> None:
        if changes.reset:
            self.filter.rebuild(self.bridge.topology)
            flipped: set[tuple[str, str]] = set()
        else:
            flipped = self.filter.apply(self.bridge.topology, changes)
        for model in (self.rooms, self.clients, self.table):
            model.apply(changes, flipped)
        self.servers.apply(changes)

    def feed(self, *events: object) -> None:
        feed(self.bridge, *events)

    def set_filter(self, text: str) -> None:
        if self.filter.set_pattern(self.bridge.topology, text):
            for model in (self.rooms, self.clients, self.table):
                model.rebuild()


def outline(model: Any, parent: QModelIndex | None = None) -> list[Any]:
    """Column 0 as nested lists: a label, followed by the list of its children when it has any."""
    parent = parent or QModelIndex()
    rows: list[Any] = []
    for row in range(model.rowCount(parent)):
        index = model.index(row, 0, parent)
        rows.append(index.data())
        if model.rowCount(index):
            rows.append(outline(model, index))
    return rows
