"""The first view: servers and namespaces of the connected deployment, live from ``server_stats``.

Few rows (a server per cluster node, a row per namespace), so plain item
widgets updated in place are enough: no model reset, no lost selection. It
refreshes once per applied batch and once a second for the ages and health
that change with time alone. Behind a cluster adapter every node is a row; a
node that stopped reporting stays listed, in red, with how long it has been
silent, and the totals count only the nodes still reporting. A server whose
clock is off says by how much in its Clock column and in a note above the
tables, which also says that the times shown are this computer's.

Above the tables it is a dashboard for a second screen: the attention line
(``attention.AttentionLine``, whose ``add_item``/``remove_item`` other parts
of the app feed too) names anything wrong with a link to where it shows, and
the tiles (``tiles.TileGrid``) give each figure with its last minute and its
change, computed Qt-free by ``domain.throughput.overview_figures``. The
namespaces table draws its numbers over small bars.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
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
from sio_monitor.domain.format import counted, format_duration
from sio_monitor.domain.throughput.overview_figures import OverviewFigures, namespace_rows
from sio_monitor.domain.topology.clock_skew import describe_offset, relative_offset
from sio_monitor.qt.bridge import EventBridge
from sio_monitor.qt.models.tree_base import plain_tooltip
from sio_monitor.ui.overview.attention import AttentionLine
from sio_monitor.ui.overview.bar_delegate import BAR_ROLE, BarDelegate
from sio_monitor.ui.overview.tiles import TileGrid

SERVER_COLUMNS = (
    "Server",
    "Hostname",
    "PID",
    "Uptime",
    "Clients",
    "Polling",
    "Health",
    "Last stats",
    "Clock",
)
HEALTH_COLUMN = SERVER_COLUMNS.index("Health")
CLOCK_COLUMN = SERVER_COLUMNS.index("Clock")
IN_STEP = "in step"
HEALTHY = QColor("#2e7d32")
UNHEALTHY = QColor("#c62828")
LAST_KNOWN = QColor("#9e9e9e")  # figures no longer current
NAMESPACE_COLUMNS = ("Namespace", "Sockets", "Rooms", "Events/s")

PRODUCTION_NOTE = (
    "This server runs the admin instrumentation in production mode: counts and rates only. "
    'Rooms, sockets and events need development mode (mode: "development").'
)


def unreported_note(server_ids: list[str]) -> str:
    """Why the socket list is not whole yet, and when it will be."""
    names = ", ".join(server_ids)
    return (
        f"Not every socket of {names} is listed yet: a python-socketio server shows its "
        "sockets to a monitor connected to another node at their next ping."
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

    #: A view the attention line pointed to ("topology", "log", ...): the workspace shows it.
    show_view = Signal(str)

    def __init__(self, bridge: EventBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("overviewPanel")
        self._bridge = bridge
        self._stale = False
        #: The time ages are measured against: a replay sets its own.
        self.clock: Callable[[], float] = time.time

        self.summary = QLabel(objectName="overviewSummary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setStyleSheet("font-size: 15px; font-weight: 600; padding: 4px 2px;")
        self.note = QLabel(PRODUCTION_NOTE, objectName="modeNote")
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setWordWrap(True)
        self.note.hide()
        self.cluster_note = QLabel(objectName="clusterNote")
        self.cluster_note.setTextFormat(Qt.TextFormat.PlainText)
        self.cluster_note.setWordWrap(True)
        self.cluster_note.hide()
        self.clock_note = QLabel(objectName="clockNote")
        self.clock_note.setTextFormat(Qt.TextFormat.PlainText)
        self.clock_note.setWordWrap(True)
        self.clock_note.hide()
        self.servers = _table("serversTable", SERVER_COLUMNS, stretch=1)
        self.namespaces = _table("namespacesTable", NAMESPACE_COLUMNS, stretch=0)
        self.servers.setAccessibleName("Servers")
        self.namespaces.setAccessibleName("Namespaces")
        self._bars = BarDelegate(self.namespaces)
        for column in (1, 2, 3):
            self.namespaces.setItemDelegateForColumn(column, self._bars)
        self.namespaces.horizontalHeader().setMinimumSectionSize(110)
        self.attention = AttentionLine(self)
        self.attention.link_activated.connect(self.show_view)
        self.tiles = TileGrid(self)
        self.figures = OverviewFigures()
        self._reconnecting = False

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.servers)
        split.addWidget(self.namespaces)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.attention)
        layout.addWidget(self.summary)
        layout.addWidget(self.tiles)
        layout.addWidget(self.note)
        layout.addWidget(self.cluster_note)
        layout.addWidget(self.clock_note)
        layout.addWidget(split, 1)

        bridge.batch_applied.connect(self.refresh)
        bridge.connection_changed.connect(self._connection_changed)
        self._clock = QTimer(self, interval=1000)
        self._clock.timeout.connect(self.refresh)
        self._clock.start()
        self.refresh()

    def refresh(self, *_: object) -> None:
        topology = self._bridge.topology
        now = self.clock()
        servers = topology.servers()
        self.servers.setRowCount(len(servers))
        healthy_servers = 0
        clients = 0
        for row, server in enumerate(servers):
            healthy = topology.is_server_healthy(server, now)
            silent = server.silent_for(now)
            if healthy:
                healthy_servers += 1
                clients += server.app_clients(self._bridge.admin_namespace)
            offset = topology.clock_of(server)
            _set_row(
                self.servers,
                row,
                (
                    server.server_id,
                    server.hostname,
                    "" if server.pid is None else str(server.pid),
                    format_duration(server.uptime + (silent if healthy else 0.0)),
                    str(server.clients_count),
                    str(server.polling_clients_count),
                    "healthy" if healthy else f"no stats for {format_duration(silent)}",
                    f"{format_duration(silent)} ago",
                    IN_STEP if offset is None else describe_offset(offset),
                ),
                {2, 3, 4, 5, 7},
            )
            self._tint(row, healthy)
            self._clock_tip(row, offset)

        names = [n for n in topology.namespaces() if n != self._bridge.admin_namespace]
        development = topology.is_production is False
        admin = self._bridge.admin_namespace
        self._show_namespaces(namespace_rows(topology, self._bridge.rates, admin))
        self.tiles.show_tiles(
            self.figures.tiles(topology, self._bridge.rates, self._bridge.admin_namespace, now)
        )
        self._attend(len(servers) - healthy_servers, bool(topology.clock_sentence.said))
        self.note.setVisible(bool(servers) and not development)
        unreported = topology.unreported_servers() if development else []
        if unreported:
            self.cluster_note.setText(unreported_note(unreported))
        self.cluster_note.setVisible(bool(unreported))
        clocks = topology.clock_sentence.said
        if clocks and self.clock_note.text() != clocks:
            self.clock_note.setText(clocks)
        self.clock_note.setVisible(bool(clocks))
        sockets = sum(
            topology.socket_count(n) if development else topology.reported_socket_count(n)
            for n in names
        )
        if servers:
            silent = len(servers) - healthy_servers
            silent_part = f" ({silent} not reporting)" if silent else ""
            self.summary.setText(
                f"{counted(len(servers), 'server')}{silent_part} · {counted(clients, 'client')} · "
                f"{counted(sockets, 'socket')} in {counted(len(names), 'namespace')} · "
                + (f"{topology.mode} mode" if topology.mode else "mode not yet known")
            )
        elif not self.summary.text():
            self.summary.setText("Not connected.")
        self._apply_staleness()

    def _show_namespaces(self, rows: list[tuple[str, int, int | None, float | None]]) -> None:
        self.namespaces.setRowCount(len(rows))
        tops = [max((r[i] or 0 for r in rows), default=0) or 1 for i in (1, 2, 3)]
        for row, (name, sockets, rooms, events) in enumerate(rows):
            _set_row(
                self.namespaces,
                row,
                (
                    name,
                    str(sockets),
                    "—" if rooms is None else str(rooms),
                    "—" if events is None else f"{events:.1f}",
                ),
                {1, 2, 3},
            )
            for column, value, top in zip((1, 2, 3), (sockets, rooms, events), tops, strict=True):
                fraction = None if value is None else float(value) / top
                item = self.namespaces.item(row, column)
                if item.data(BAR_ROLE) != fraction:
                    item.setData(BAR_ROLE, fraction)

    def _attend(self, silent: int, clock_off: bool) -> None:
        """The overview's own attention items; other keys are left to their owners."""
        line = self.attention
        if silent:
            line.add_item(
                "overview:silent",
                f"{counted(silent, 'server')} not reporting",
                "overview",
            )
        else:
            line.remove_item("overview:silent")
        dropped = self._bridge.rejected_payloads
        if dropped:
            line.add_item(
                "overview:dropped",
                f"{counted(dropped, 'malformed payload part')} dropped",
                "log",
            )
        else:
            line.remove_item("overview:dropped")
        if clock_off:
            line.add_item("overview:clock", "a server's clock is off", "overview")
        else:
            line.remove_item("overview:clock")
        if self._reconnecting:
            line.add_item("overview:reconnecting", "reconnecting to the server", "")
        else:
            line.remove_item("overview:reconnecting")

    def _tint(self, row: int, healthy: bool) -> None:
        """Green or red health; a silent server's last figures in grey; all grey while away."""
        for column in range(len(SERVER_COLUMNS)):
            item = self.servers.item(row, column)
            if column == HEALTH_COLUMN and not self._stale:
                colour: QColor | None = HEALTHY if healthy else UNHEALTHY
            else:
                colour = None if healthy and not self._stale else LAST_KNOWN
            if item.data(Qt.ItemDataRole.ForegroundRole) != colour:
                item.setData(Qt.ItemDataRole.ForegroundRole, colour)

    def _clock_tip(self, row: int, offset: float | None) -> None:
        item = self.servers.item(row, CLOCK_COLUMN)
        tip = (
            ""
            if offset is None
            else plain_tooltip(
                f"This server's clock is {relative_offset(offset)} this computer's, by the "
                "times it sends; every time shown is this computer's."
            )
        )
        if item.toolTip() != tip:
            item.setToolTip(tip)

    def _connection_changed(self, change: object) -> None:
        state = getattr(change, "state", None)
        self._stale = state in (ConnectionState.RECONNECTING, ConnectionState.FAILED)
        self._reconnecting = state is ConnectionState.RECONNECTING
        if state is ConnectionState.CONNECTING:
            self.figures.clear()
        if state is ConnectionState.CONNECTING:
            self.summary.setText("Connecting…")
        self.refresh()

    def _apply_staleness(self) -> None:
        """Greyed, not emptied: the last figures stay readable while the server is away."""
        for table in (self.servers, self.namespaces):
            table.setEnabled(not self._stale)
