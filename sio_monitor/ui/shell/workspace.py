"""One connection's workspace: its own sessions, views and state, side by side with others.

Everything a connection shows lives here (overview, explorer, charts, emit
console, event log, reconnect banner), built around the workspace's own monitoring
session and probe, so closing one connection tab tears down exactly that
connection and nothing the others hold. The window only arranges workspaces
and says which one a menu command applies to.

The overview, the event log and the alerts are built with the workspace (they
record from the first event). The other views are built, and their modules
imported, the first time their tab is shown or something asks for them, which
keeps the charting library and the load and scenario machinery out of start-up;
until then the workspace samples what the charts show over time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QByteArray, QSettings, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap, QShowEvent
from PySide6.QtWidgets import QFrame, QScrollArea, QSplitter, QTabWidget, QVBoxLayout, QWidget

from sio_monitor.domain.compatibility import names_socketio_2
from sio_monitor.domain.eventlog.log import EventLog
from sio_monitor.domain.events import ConnectionChanged, ConnectionState, PayloadRejected
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.domain.throughput.chart_series import ChartSampler
from sio_monitor.domain.topology.changes import ChangeSet
from sio_monitor.qt.action_runner import ActionRunner
from sio_monitor.qt.models.eventlog_model import EventLogModel
from sio_monitor.qt.probe_session import ProbeSession
from sio_monitor.qt.session import MonitorSession
from sio_monitor.ui.alerts.alerts_controller import AlertsController
from sio_monitor.ui.connection.reconnect_banner import ReconnectBanner
from sio_monitor.ui.log.event_log_view import EventLogPanel
from sio_monitor.ui.overview.overview import OverviewPanel
from sio_monitor.ui.shell.accessible_names import name_controls
from sio_monitor.ui.shell.preferences import event_log_capacity

if TYPE_CHECKING:
    from sio_monitor.domain.emit.probe_settings import ProbeSettings
    from sio_monitor.ui.charts.charts import ThroughputCharts
    from sio_monitor.ui.emit.emit_console import EmitConsole
    from sio_monitor.ui.explorer.explorer import TopologyExplorer
    from sio_monitor.ui.load.load_panel import LoadPanel
    from sio_monitor.ui.scenarios.scenarios_panel import ScenariosPanel

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


class LazyPage(QWidget):
    """A view's tab page: the view is built the first time the page is shown or asked for."""

    def __init__(self, build: Callable[[], QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._build = build
        #: The view, once built.
        self.view: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)

    def built(self) -> QWidget:
        if self.view is None:
            self.view = self._build()
            layout = self.layout()
            assert layout is not None
            layout.addWidget(self.view)
        return self.view

    def showEvent(self, event: QShowEvent) -> None:
        self.built()
        super().showEvent(event)


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
        #: What the charts show over time, sampled from the start, charts built or not.
        self.chart_sampler = ChartSampler()
        self._sample_timer = QTimer(self, interval=1000)
        self._sample_timer.timeout.connect(self._sample_for_charts)
        self._sample_timer.start()
        #: Until the emit console is built, the ack timeout it takes when it is.
        self._ack_timeout: float | None = None
        self._pages: dict[str, LazyPage] = {
            "topology": LazyPage(self._build_explorer, self),
            "throughput": LazyPage(self._build_charts, self),
            "emit": LazyPage(self._build_emit_console, self),
            "load": LazyPage(self._build_load_panel, self),
            "scenarios": LazyPage(self._build_scenarios, self),
        }
        self.tabs = QTabWidget(self, objectName="mainTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.overview, "&Overview")
        self.tabs.addTab(self._pages["topology"], "&Topology")
        self.tabs.addTab(self._pages["throughput"], "T&hroughput")
        self.tabs.addTab(self._pages["emit"], "&Emit")
        self.tabs.addTab(self.event_log, "&Log")
        self.tabs.addTab(self._pages["load"], "Loa&d")
        self.tabs.addTab(self._pages["scenarios"], "S&cenarios")
        self.reconnect_banner = ReconnectBanner(self.session, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.reconnect_banner)
        layout.addWidget(self.tabs, 1)
        self._name_splitters(self.overview, "overview")
        self._name_splitters(self.event_log, "log")

        self.runner.status_message.connect(self.status_message)
        self.event_log.status_message.connect(self.status_message)
        self.event_log.show_socket.connect(self._show_socket)
        self.overview.show_view.connect(
            lambda name: self.show_view(name) if name in VIEW_NAMES else None
        )
        self.session.bridge.batch_applied.connect(self._forget_samples)
        # The probe speaking before the Emit tab was shown: the emit console's log keeps it.
        self.probe.state_changed.connect(self._probe_spoke)
        self.probe.events_arrived.connect(self._probe_events)
        self.session.bridge.connection_changed.connect(self._connection_changed)
        self.session.bridge.payload_rejected.connect(self._payload_rejected)
        self.session.bridge.notice.connect(self.status_message)
        self.alerts.status_message.connect(self.status_message)
        self.probe.events_arrived.connect(self.alerts.note_probe)

    # --- the views built on first showing ---------------------------------------------------

    @property
    def explorer(self) -> TopologyExplorer:
        return cast("TopologyExplorer", self._pages["topology"].built())

    @property
    def charts(self) -> ThroughputCharts:
        return cast("ThroughputCharts", self._pages["throughput"].built())

    @property
    def emit_console(self) -> EmitConsole:
        return cast("EmitConsole", self._pages["emit"].built())

    @property
    def load_panel(self) -> LoadPanel:
        scroll = cast(QScrollArea, self._pages["load"].built())
        return cast("LoadPanel", scroll.widget())

    @property
    def scenarios(self) -> ScenariosPanel:
        return cast("ScenariosPanel", self._pages["scenarios"].built())

    def built_views(self) -> list[QWidget]:
        """The views built so far (a view not yet shown has nothing to save or follow)."""
        return [page.view for page in self._pages.values() if page.view is not None]

    def set_ack_timeout(self, seconds: float) -> None:
        """The emit console's ack timeout, now or when it is built."""
        self._ack_timeout = seconds
        page = self._pages["emit"]
        if page.view is not None:
            self.emit_console.form.ack_timeout.setValue(seconds)

    def current_view(self) -> str:
        return VIEW_NAMES[self.tabs.currentIndex()]

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

    @staticmethod
    def _name_splitters(panel: QWidget, prefix: str) -> None:
        """Give every splitter of a view a stable name, so its position can be remembered."""
        for number, splitter in enumerate(panel.findChildren(QSplitter)):
            if not splitter.objectName():
                splitter.setObjectName(f"{prefix}Split{number}")

    def _built(self, view: QWidget, prefix: str | None) -> None:
        """A view just built: its splitters named and where they were left, its controls named."""
        if prefix is not None:
            self._name_splitters(view, prefix)
        settings = QSettings()
        for splitter in view.findChildren(QSplitter):
            state = settings.value(SPLITTER_SETTINGS + splitter.objectName())
            if splitter.objectName() and isinstance(state, QByteArray) and not state.isEmpty():
                splitter.restoreState(state)
        name_controls(view)

    def _build_explorer(self) -> QWidget:
        from sio_monitor.ui.explorer.explorer import TopologyExplorer

        explorer = TopologyExplorer(self.session, self, runner=self.runner)
        explorer.status_message.connect(self.status_message)
        self._built(explorer, "explorer")
        return explorer

    def _build_charts(self) -> QWidget:
        from sio_monitor.ui.charts.charts import ThroughputCharts

        self._sample_timer.stop()  # the charts sample from now on
        charts = ThroughputCharts(self.session.bridge, self, sampler=self.chart_sampler)
        self._built(charts, "charts")
        return charts

    def _build_emit_console(self) -> QWidget:
        from sio_monitor.ui.emit.emit_console import EmitConsole

        console = EmitConsole(self.session, self.probe, self.runner, parent=self)
        if self._ack_timeout is not None:
            console.form.ack_timeout.setValue(self._ack_timeout)
        console.status_message.connect(self.status_message)
        self._built(console, "emit")
        return console

    def _build_load_panel(self) -> QWidget:
        from sio_monitor.ui.load.load_panel import LoadPanel

        panel = LoadPanel(self.charts, self._probe_target, self)
        panel.status_message.connect(self.status_message)
        page = scrolled(panel)
        self._built(page, None)
        return page

    def _build_scenarios(self) -> QWidget:
        from sio_monitor.ui.scenarios.scenarios_panel import ScenariosPanel, history_emits

        scenarios = ScenariosPanel(
            self.session,
            emits=lambda: history_emits(self.emit_console),
            probe_settings=self._probe_target,
            default_target=lambda: self.settings.url if self.settings is not None else None,
            log_probe=self.event_log.model.add_probe,
            parent=self,
        )
        scenarios.status_message.connect(self.status_message)
        self._built(scenarios, None)
        return scenarios

    def _probe_target(self) -> ProbeSettings | None:
        from sio_monitor.ui.load.load_panel import probe_target

        return probe_target(self.probe.settings, self.settings)

    def _probe_spoke(self, _change: object) -> None:
        if self._pages["emit"].view is None:
            self._pages["emit"].built()  # it catches up with the probe's state itself

    def _probe_events(self, batch: list[object]) -> None:
        if self._pages["emit"].view is None:  # built now, it missed this batch's signal
            self.emit_console.take_probe_events(batch)

    def _sample_for_charts(self) -> None:
        bridge = self.session.bridge
        hidden = (bridge.admin_namespace,)
        self.chart_sampler.sample(bridge.rates, bridge.topology, int(time.time()), hidden)

    def _forget_samples(self, changes: ChangeSet) -> None:
        """A new connection brings new rates (once built, the charts forget for themselves)."""
        if changes.replaced and self._pages["throughput"].view is None:
            self.chart_sampler.clear()

    def _show_socket(self, nsp: str, sid: str) -> None:
        self.tabs.setCurrentWidget(self._pages["topology"])
        self.explorer.select_socket(nsp, sid)

    def _connection_changed(self, change: ConnectionChanged) -> None:
        self.show_state(change.state, change.message)
        if change.state is ConnectionState.FAILED and names_socketio_2(change.message):
            self._offer_the_emit_console(change.message)

    def _offer_the_emit_console(self, sentence: str) -> None:
        """A Socket.IO 2 server cannot be monitored (admin-ui needs 3+), but the probe speaks it."""
        self.tabs.setCurrentWidget(self._pages["emit"])
        panel = self.emit_console.connection
        if self.settings is not None:
            panel.follow_url(self.settings.url)
        panel.show_note(sentence)

    def _payload_rejected(self, rejection: PayloadRejected) -> None:
        self.last_rejection = rejection
        self.rejected_changed.emit(self)
