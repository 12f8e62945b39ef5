"""The first view: servers and namespaces of the connected deployment, live from ``server_stats``.

Few rows (a server per cluster node, a row per namespace), so plain item
widgets updated in place are enough: no model reset, no lost selection. It
refreshes once per applied batch and once a second for the ages and health
that change with time alone.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sio_monitor.domain.events import ConnectionState
from sio_monitor.domain.format import format_duration
from sio_monitor.qt.bridge import EventBridge

SERVER_COLUMNS = ("Server", "Hostname", "PID", "Uptime", "Clients", "Polling", "Health")
NAMESPACE_COLUMNS = ("Namespace", "Sockets", "Rooms")

PRODUCTION_NOTE = (
    "This server runs the admin instrumentation in production mode: counts and rates only. "
    'Rooms, sockets and events need development mode (mode: "development").'
)


def _table(name: str, columns: tuple[str, ...], stretch: int) -> QTableWidget:
    table = QTableWidget(0, len(columns), objectName=name)
    table.setHorizontalHeaderLabels(list(columns))
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    header.setMinimumSectionSize(64)
    return table


def _set_row(table: QTableWidget, row: int, values: tuple[str, ...], right: set[int]) -> None:
    for column, text in enumerate(values):
        item = table.item(row, column)
        if item is None:
            item = QTableWidgetItem()
            if column in right:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(row, column, item)
        if item.text() != text:
            item.setText(text)  # QTableWidgetItem text is plain: markup is never rendered


class OverviewPanel(QWidget):
    """Servers with health and uptime, namespaces with socket counts."""

    def __init__(self, bridge: EventBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("overviewPanel")
        self._bridge = bridge
        self._stale = False

        self.summary = QLabel(objectName="overviewSummary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setStyleSheet("font-size: 15px; font-weight: 600; padding: 4px 2px;")
        self.note = QLabel(PRODUCTION_NOTE, objectName="modeNote")
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setWordWrap(True)
        self.note.hide()
        self.servers = _table("serversTable", SERVER_COLUMNS, stretch=1)
        self.namespaces = _table("namespacesTable", NAMESPACE_COLUMNS, stretch=0)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.servers)
        split.addWidget(self.namespaces)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.summary)
        layout.addWidget(self.note)
        layout.addWidget(split, 1)

        bridge.batch_applied.connect(self.refresh)
        bridge.connection_changed.connect(self._connection_changed)
        self._clock = QTimer(self, interval=1000)
        self._clock.timeout.connect(self.refresh)
        self._clock.start()
        self.refresh()

    def refresh(self, *_: object) -> None:
        topology = self._bridge.topology
        now = time.time()
        servers = topology.servers()
        self.servers.setRowCount(len(servers))
        for row, server in enumerate(servers):
            healthy = server.is_healthy(now)
            _set_row(
                self.servers,
                row,
                (
                    server.server_id,
                    server.hostname,
                    "" if server.pid is None else str(server.pid),
                    format_duration(server.uptime + (server.silent_for(now) if healthy else 0.0)),
                    str(server.clients_count),
                    str(server.polling_clients_count),
                    "healthy" if healthy else "no stats",
                ),
                {2, 3, 4, 5},
            )
            health = self.servers.item(row, len(SERVER_COLUMNS) - 1)
            health.setForeground(QColor("#2e7d32" if healthy else "#c62828"))

        names = [n for n in topology.namespaces() if n != self._bridge.admin_namespace]
        development = topology.mode == "development"
        self.namespaces.setRowCount(len(names))
        for row, name in enumerate(names):
            rooms = topology.room_count(name) if development else None
            count = (
                topology.socket_count(name) if development else topology.reported_socket_count(name)
            )
            _set_row(
                self.namespaces,
                row,
                (name, str(count), "—" if rooms is None else str(rooms)),
                {1, 2},
            )
        self.note.setVisible(bool(servers) and not development)
        clients = sum(server.clients_count for server in servers)
        sockets = sum(
            topology.socket_count(n) if development else topology.reported_socket_count(n)
            for n in names
        )
        if servers:
            plural = "s" if len(servers) != 1 else ""
            self.summary.setText(
                f"{len(servers)} server{plural} · {clients} clients · {sockets} sockets "
                f"in {len(names)} namespaces · {topology.mode} mode"
            )
        elif not self.summary.text():
            self.summary.setText("Not connected.")
        self._apply_staleness()

    def _connection_changed(self, change: object) -> None:
        state = getattr(change, "state", None)
        self._stale = state in (ConnectionState.RECONNECTING, ConnectionState.FAILED)
        if state is ConnectionState.CONNECTING:
            self.summary.setText("Connecting…")
        self._apply_staleness()

    def _apply_staleness(self) -> None:
        """Greyed, not emptied: the last figures stay readable while the server is away."""
        for table in (self.servers, self.namespaces):
            table.setEnabled(not self._stale)
