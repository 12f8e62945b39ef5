"""The servers table: one row per server id seen in ``server_stats``, with health and uptime.

Servers are few and only ever added within one topology, so rows are
inserted in id order and updated in place; the columns that age by
themselves (health, uptime, last stats) are refreshed by a one-second timer
that runs only while a view shows the table. The Clock column says how far a
server's clock is off, when it is (its times are shown on this computer's).
"""

from __future__ import annotations

import time
from bisect import bisect_left
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Qt, QTimer
from PySide6.QtGui import QColor

from sio_monitor.domain.format import format_duration
from sio_monitor.domain.topology.changes import ChangeSet
from sio_monitor.domain.topology.clock_skew import describe_offset
from sio_monitor.domain.topology.servers import ServerState
from sio_monitor.domain.topology.topology import Topology
from sio_monitor.qt.bridge import EventBridge
from sio_monitor.qt.models.column_table import ColumnTableModel
from sio_monitor.qt.models.tree_base import PATH_ROLE, Index

COLUMNS = (
    "Server",
    "Hostname",
    "Health",
    "Clients",
    "Sockets",
    "Uptime",
    "Last stats",
    "PID",
    "Clock",
)
AGING = (2, 5, 6)  # columns that change with time alone

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_PATH = int(PATH_ROLE)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_UNHEALTHY = QColor(198, 40, 40)
_HEALTHY = QColor(46, 125, 50)


def server_cells(
    server: ServerState, now: float, healthy: bool, clock: float | None = None
) -> tuple[str, ...]:
    """The row's texts; uptime runs on from the last report while the server is healthy.

    ``clock`` is the server's clock offset while it is off (``Topology.clock_of``).
    """
    silent = server.silent_for(now)
    uptime = server.uptime + (silent if healthy else 0.0)
    return (
        server.server_id,
        server.hostname,
        "healthy" if healthy else f"silent for {format_duration(silent)}",
        str(server.clients_count),
        str(server.sockets_count),
        format_duration(uptime),
        f"{format_duration(silent)} ago",
        "" if server.pid is None else str(server.pid),
        "in step" if clock is None else describe_offset(clock),
    )


class ServerTableModel(ColumnTableModel):
    """Servers in id order; ``set_live`` starts and stops the ageing refresh."""

    def __init__(self, bridge: EventBridge, parent: QObject | None = None) -> None:
        super().__init__(COLUMNS, parent)
        self._bridge = bridge
        self._topology: Topology = bridge.topology
        self._ids: list[str] = []
        self._clock = time.time
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._age)
        self.rebuild()

    def set_live(self, live: bool) -> None:
        if live:
            self._timer.start()
        else:
            self._timer.stop()

    def row_count(self) -> int:
        return len(self._ids)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        server = self._topology.server(self._ids[index.row()])
        if server is None:
            return None
        column = index.column()
        if role == _DISPLAY:
            now = self._clock()
            healthy = self._topology.is_server_healthy(server, now)
            return server_cells(server, now, healthy, self._topology.clock_of(server))[column]
        if role == _FOREGROUND and column == 2:
            healthy = self._topology.is_server_healthy(server, self._clock())
            return _HEALTHY if healthy else _UNHEALTHY
        if role == _ALIGN and column in (3, 4, 7):
            return _RIGHT
        if role == _PATH:
            return ("server", None, server.server_id)
        return None

    def rebuild(self) -> None:
        self.beginResetModel()
        self._topology = self._bridge.topology
        self._ids = [server.server_id for server in self._topology.servers()]
        self.endResetModel()

    def apply(self, changes: ChangeSet) -> None:
        if changes.replaced:
            self.rebuild()
            return
        for server_id in sorted(changes.servers.added):
            if server_id in self._ids:
                continue
            row = bisect_left(self._ids, server_id)
            self.beginInsertRows(QModelIndex(), row, row)
            self._ids.insert(row, server_id)
            self.endInsertRows()
        if changes.servers.updated:
            # A handful of rows: one block from the first to the last changed is enough.
            rows = [bisect_left(self._ids, s) for s in changes.servers.updated if s in self._ids]
            if rows:
                self.dataChanged.emit(
                    self.index(min(rows), 0), self.index(max(rows), len(COLUMNS) - 1)
                )

    def _age(self) -> None:
        if self._ids:
            last = len(self._ids) - 1
            self.dataChanged.emit(self.index(0, AGING[0]), self.index(last, AGING[-1]))
