"""The main window: the connect flow, the live overview, a status bar that says what goes on.

The window does not own the asyncio work. It emits what the user asked for
(``connect_requested``, ``disconnect_requested``, ``quit_requested``) and the
application runs the coroutines, so closing the window never strands an await.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QTabWidget, QWidget

from sio_monitor import __version__
from sio_monitor.domain.events import ConnectionChanged, ConnectionState, PayloadRejected
from sio_monitor.domain.profiles import Profile
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.qt.probe_session import ProbeSession
from sio_monitor.qt.session import MonitorSession
from sio_monitor.ui.charts import ThroughputCharts
from sio_monitor.ui.connect_dialog import ConnectDialog
from sio_monitor.ui.emit_console import EmitConsole
from sio_monitor.ui.explorer import TopologyExplorer
from sio_monitor.ui.overview import OverviewPanel
from sio_monitor.ui.reconnect_banner import ReconnectBanner, with_banner

STATE_COLOURS = {
    ConnectionState.CONNECTED: "#2e7d32",
    ConnectionState.CONNECTING: "#f9a825",
    ConnectionState.RECONNECTING: "#ef6c00",
    ConnectionState.FAILED: "#c62828",
    ConnectionState.DISCONNECTED: "#757575",
    ConnectionState.IDLE: "#757575",
}


class MainWindow(QMainWindow):
    connect_requested = Signal(object)  # ConnectionSettings
    disconnect_requested = Signal()
    quit_requested = Signal()

    def __init__(
        self,
        session: MonitorSession,
        icon: QIcon | None = None,
        parent: QWidget | None = None,
        *,
        probe: ProbeSession | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("SIO Monitor")
        if icon is not None:
            self.setWindowIcon(icon)
        self.session = session
        self._last_settings: ConnectionSettings | None = None
        self._quitting = False

        self.overview = OverviewPanel(session.bridge, self)
        self.explorer = TopologyExplorer(session, self)
        self.charts = ThroughputCharts(session.bridge, self)
        self.probe = probe or ProbeSession(self)
        self.emit_console = EmitConsole(session, self.probe, self.explorer.runner, parent=self)
        self.tabs = QTabWidget(self, objectName="mainTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.overview, "&Overview")
        self.tabs.addTab(self.explorer, "&Topology")
        self.tabs.addTab(self.charts, "T&hroughput")
        self.tabs.addTab(self.emit_console, "&Emit")
        self.reconnect_banner = ReconnectBanner(session, self)
        self.setCentralWidget(with_banner(self.reconnect_banner, self.tabs))

        # The connection state stays on the right; action results come and go on the left.
        self.state_label = QLabel(objectName="connectionState")
        self.state_label.setTextFormat(Qt.TextFormat.PlainText)
        self.rejected_label = QLabel(objectName="rejectedPayloads")
        self.rejected_label.setTextFormat(Qt.TextFormat.PlainText)
        self.rejected_label.hide()
        self.statusBar().addPermanentWidget(self.rejected_label)
        self.statusBar().addPermanentWidget(self.state_label)
        self.explorer.status_message.connect(self.show_message)
        self.emit_console.status_message.connect(self.show_message)
        self.show_state(ConnectionState.IDLE, "Not connected. Press Ctrl+K to connect to a server.")

        self.connect_dialog = ConnectDialog(self)
        self.connect_dialog.settings_chosen.connect(self._settings_chosen)
        self.connect_dialog.profile_chosen.connect(self._profile_chosen)
        self._build_actions()

        session.bridge.connection_changed.connect(self._connection_changed)
        session.bridge.payload_rejected.connect(self._payload_rejected)
        self._restore_layout()

    # --- what the application calls --------------------------------------------

    def show_connect_dialog(self, settings: ConnectionSettings | None = None) -> None:
        if settings is not None:
            self.connect_dialog.fill(settings)
        elif self._last_settings is not None:
            self.connect_dialog.fill(self._last_settings)
        self.connect_dialog.open()
        if settings is not None and settings.username and not settings.password:
            self.connect_dialog.focus_password()

    def show_state(self, state: ConnectionState, message: str) -> None:
        self.state_label.setText(message)
        self.state_label.setStyleSheet(f"color: {STATE_COLOURS[state]};")

    TAB_NAMES = ("overview", "topology", "throughput", "emit")

    def show_tab(self, name: str) -> None:
        self.tabs.setCurrentIndex(self.TAB_NAMES.index(name))

    def show_message(self, message: str) -> None:
        """An action's result, for long enough to read it."""
        self.statusBar().showMessage(message, 10_000)

    def remember(self, settings: ConnectionSettings) -> None:
        self._last_settings = settings
        host, port = settings.host_port
        self.setWindowTitle(f"{host}:{port} — SIO Monitor")

    # --- Qt ------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        self._save_layout()
        if not self._quitting:
            self._quitting = True
            self.quit_requested.emit()
        event.accept()

    # --- internals -------------------------------------------------------------

    def _build_actions(self) -> None:
        menu = self.menuBar().addMenu("&Connection")
        connect = QAction("&Connect…", self, objectName="connectAction")
        connect.setShortcut(QKeySequence("Ctrl+K"))
        connect.triggered.connect(lambda: self.show_connect_dialog())
        disconnect = QAction("&Disconnect", self, objectName="disconnectAction")
        disconnect.setShortcut(QKeySequence("Ctrl+D"))
        disconnect.triggered.connect(self.disconnect_requested)
        quit_action = QAction("&Quit", self, objectName="quitAction")
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        profiles = QAction("&Profiles…", self, objectName="profilesAction")
        profiles.triggered.connect(self.connect_dialog.manage_profiles)
        menu.addAction(connect)
        menu.addAction(profiles)
        menu.addAction(disconnect)
        menu.addSeparator()
        menu.addAction(quit_action)
        view = self.menuBar().addMenu("&View")
        for index, name in enumerate(("Overview", "Topology", "Throughput", "Emit")):
            action = QAction(name, self)
            action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            action.triggered.connect(lambda _=False, i=index: self.tabs.setCurrentIndex(i))
            view.addAction(action)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About SIO Monitor", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def _settings_chosen(self, settings: ConnectionSettings) -> None:
        self.remember(settings)
        self.connect_requested.emit(settings)

    def _profile_chosen(self, profile: Profile) -> None:
        """A profile carries the probe's settings too: the emit console takes them."""
        probe = profile.probe_settings()
        if probe is not None:
            missing = [s for s in profile.missing_secrets() if s.startswith("probe.")]
            self.emit_console.use_profile_probe(probe, missing)

    def _connection_changed(self, change: ConnectionChanged) -> None:
        self.show_state(change.state, change.message)

    def _payload_rejected(self, rejection: PayloadRejected) -> None:
        count = self.session.bridge.rejected_payloads
        self.rejected_label.setText(f"{count} malformed payload{'s' if count != 1 else ''} dropped")
        self.rejected_label.setToolTip(f"Last: {rejection.event_name}: {rejection.reason}")
        self.rejected_label.show()

    def _about(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle("About SIO Monitor")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(
            f"SIO Monitor {__version__}\n\n"
            "Monitor Socket.IO servers through the Admin protocol and emit test events."
        )
        box.open()

    def _restore_layout(self) -> None:
        geometry = QSettings().value("mainWindow/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1000, 640)
        state = QSettings().value("mainWindow/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        tab = QSettings().value("mainWindow/tab", 0)
        self.tabs.setCurrentIndex(int(tab) if str(tab).isdigit() else 0)

    def _save_layout(self) -> None:
        self.emit_console.save_layout()
        settings = QSettings()
        settings.setValue("mainWindow/geometry", self.saveGeometry())
        settings.setValue("mainWindow/state", self.saveState())
        settings.setValue("mainWindow/tab", self.tabs.currentIndex())
