"""One connection's workspace: its own sessions, views and state, side by side with others.

Everything a connection shows lives here (overview, explorer, charts, emit
console, event log, reconnect banner), built around the workspace's own monitoring
session and probe, so closing one connection tab tears down exactly that
connection and nothing the others hold. The window only arranges workspaces
and says which one a menu command applies to.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QFrame, QScrollArea, QSplitter, QTabWidget, QVBoxLayout, QWidget

from sio_monitor.domain.compatibility import names_socketio_2
from sio_monitor.domain.eventlog.log import EventLog
from sio_monitor.domain.events import ConnectionChanged, ConnectionState, PayloadRejected
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.qt.action_runner import ActionRunner
from sio_monitor.qt.models.eventlog_model import EventLogModel
from sio_monitor.qt.probe_session import ProbeSession
from sio_monitor.qt.session import MonitorSession
from sio_monitor.ui.alerts.alerts_controller import AlertsController
from sio_monitor.ui.charts.charts import ThroughputCharts
from sio_monitor.ui.connection.reconnect_banner import ReconnectBanner
from sio_monitor.ui.emit.emit_console import EmitConsole
from sio_monitor.ui.explorer.explorer import TopologyExplorer
from sio_monitor.ui.load.load_panel import LoadPanel, probe_target
from sio_monitor.ui.log.event_log_view import EventLogPanel
from sio_monitor.ui.overview.overview import OverviewPanel
from sio_monitor.ui.scenarios.scenarios_panel import ScenariosPanel, history_emits
from sio_monitor.ui.shell.preferences import event_log_capacity

STATE_COLOURS = {
    ConnectionState.CONNECTED: "#2e7d32",
    ConnectionState.CONNECTING: "#f9a825",
    ConnectionState.RECONNECTING: "#ef6c00",
    ConnectionState.FAILED: "#c62828",
    ConnectionState.DISCONNECTED: "#757575",
    ConnectionState.IDLE: "#757575",
}
VIEW_NAMES = ("overview", "topology", "throughput", "emit", "log", "load", "scenarios")
IDLE_MESSAGE = "Not connected. Press Ctrl+K to connect to a server."
#: Splitters whose positions are remembered, by the object name given to each here.
SPLITTER_SETTINGS = "workspace/splitters/"


def state_icon(state: ConnectionState) -> QIcon:
    """A small disc in the state's colour, for the connection tab."""
    pixmap = QPixmap(10, 10)
    pixmap.fill(QColor(STATE_COLOURS[state]))
    return QIcon(pixmap)


def scrolled(page: QWidget) -> QScrollArea:
    """A tall form in a scroll area, so it cannot hold the window taller than a small screen."""
    area = QScrollArea(objectName=f"{page.objectName() or 'page'}Scroll")
    area.setWidget(page)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    return area


class Workspace(QWidget):
    """A connection's views; ``state_changed`` whenever its connection says something new."""

    state_changed = Signal(object)  # Workspace
    status_message = Signal(str)
    rejected_changed = Signal(object)  # Workspace

    def __init__(
        self,
        session: MonitorSession | None = None,
        probe: ProbeSession | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("workspace")
        self.session = session or MonitorSession(self)
        self.probe = probe or ProbeSession(self)
        self.settings: ConnectionSettings | None = None
        self.state = ConnectionState.IDLE
        self.message = IDLE_MESSAGE
        self.last_rejection: PayloadRejected | None = None

        #: Admin actions of the explorer and the Emit tab alike, followed to their effect.
        self.runner = ActionRunner(self.session, self)
        self.overview = OverviewPanel(self.session.bridge, self)
        self.explorer = TopologyExplorer(self.session, self, runner=self.runner)
        self.charts = ThroughputCharts(self.session.bridge, self)
        self.emit_console = EmitConsole(self.session, self.probe, self.runner, parent=self)
        self.event_log = EventLogPanel(
            EventLogModel(EventLog(capacity=event_log_capacity())), parent=self
        )
        self.event_log.attach(self.session, self.probe)
        attention = getattr(self.overview, "attention", None)  # the overview's line, if any
        self.alerts = AlertsController(
            self.session.bridge, self.event_log.model.add_admin, attention=attention, parent=self
        )
        overview_layout = self.overview.layout()
        if overview_layout is not None:  # the alerts' line: at the top, under the attention line
            at = overview_layout.indexOf(attention) + 1 if attention is not None else 0
            overview_layout.insertWidget(at, self.alerts.line)  # type: ignore[attr-defined]
        self.tabs = QTabWidget(self, objectName="mainTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.overview, "&Overview")
        self.tabs.addTab(self.explorer, "&Topology")
        self.tabs.addTab(self.charts, "T&hroughput")
        self.tabs.addTab(self.emit_console, "&Emit")
        self.tabs.addTab(self.event_log, "&Log")
        self.load_panel = LoadPanel(
            self.charts, lambda: probe_target(self.probe.settings, self.settings), self
        )
        self.tabs.addTab(scrolled(self.load_panel), "Loa&d")
        self.scenarios = ScenariosPanel(
            self.session,
            emits=lambda: history_emits(self.emit_console),
            probe_settings=lambda: probe_target(self.probe.settings, self.settings),
            default_target=lambda: self.settings.url if self.settings is not None else None,
            log_probe=self.event_log.model.add_probe,
            parent=self,
        )
        self.tabs.addTab(self.scenarios, "S&cenarios")
        self.reconnect_banner = ReconnectBanner(self.session, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.reconnect_banner)
        layout.addWidget(self.tabs, 1)
        self._name_splitters()

        self.runner.status_message.connect(self.status_message)
        self.explorer.status_message.connect(self.status_message)
        self.emit_console.status_message.connect(self.status_message)
        self.event_log.status_message.connect(self.status_message)
        self.load_panel.status_message.connect(self.status_message)
        self.scenarios.status_message.connect(self.status_message)
        self.event_log.show_socket.connect(self._show_socket)
        self.overview.show_view.connect(
            lambda name: self.show_view(name) if name in VIEW_NAMES else None
        )
        self.session.bridge.connection_changed.connect(self._connection_changed)
        self.session.bridge.payload_rejected.connect(self._payload_rejected)
        self.session.bridge.notice.connect(self.status_message)
        self.alerts.status_message.connect(self.status_message)
        self.probe.events_arrived.connect(self.alerts.note_probe)

    # --- what the window asks -------------------------------------------------------------

    def title(self) -> str:
        if self.settings is None:
            return "Not connected"
        host, port = self.settings.host_port
        return f"{host}:{port}"

    def remember(self, settings: ConnectionSettings) -> None:
        self.settings = settings
        self.alerts.connected_to(settings)
        self.state_changed.emit(self)

    def show_state(self, state: ConnectionState, message: str) -> None:
        """Set what the status bar says for this connection (also for the app's own sentences)."""
        self.state, self.message = state, message
        self.state_changed.emit(self)

    def show_view(self, name: str) -> None:
        self.tabs.setCurrentIndex(VIEW_NAMES.index(name))

    def save_layout(self) -> None:
        settings = QSettings()
        for splitter in self.findChildren(QSplitter):
            if splitter.objectName():
                settings.setValue(SPLITTER_SETTINGS + splitter.objectName(), splitter.saveState())

    def restore_layout(self) -> None:
        settings = QSettings()
        for splitter in self.findChildren(QSplitter):
            state = settings.value(SPLITTER_SETTINGS + splitter.objectName())
            if splitter.objectName() and isinstance(state, QByteArray) and not state.isEmpty():
                splitter.restoreState(state)

    # --- internals ---------------------------------------------------------------------------

    def _name_splitters(self) -> None:
        """Give every splitter of the views a stable name, so its position can be remembered."""
        for panel, prefix in (
            (self.overview, "overview"),
            (self.explorer, "explorer"),
            (self.charts, "charts"),
            (self.emit_console, "emit"),
            (self.event_log, "log"),
        ):
            for number, splitter in enumerate(panel.findChildren(QSplitter)):
                if not splitter.objectName():
                    splitter.setObjectName(f"{prefix}Split{number}")

    def _show_socket(self, nsp: str, sid: str) -> None:
        self.tabs.setCurrentWidget(self.explorer)
        self.explorer.select_socket(nsp, sid)

    def _connection_changed(self, change: ConnectionChanged) -> None:
        self.show_state(change.state, change.message)
        if change.state is ConnectionState.FAILED and names_socketio_2(change.message):
            self._offer_the_emit_console(change.message)

    def _offer_the_emit_console(self, sentence: str) -> None:
        """A Socket.IO 2 server cannot be monitored (admin-ui needs 3+), but the probe speaks it."""
        self.tabs.setCurrentWidget(self.emit_console)
        panel = self.emit_console.connection
        if self.settings is not None:
            panel.follow_url(self.settings.url)
        panel.show_note(sentence)

    def _payload_rejected(self, rejection: PayloadRejected) -> None:
        self.last_rejection = rejection
        self.rejected_changed.emit(self)
