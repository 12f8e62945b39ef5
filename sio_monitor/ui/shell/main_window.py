"""The main window: connection tabs, the connect flow, and a status bar that says what goes on.

Each connection is a ``Workspace`` in its own tab (the tab bar appears once
there are two), with the state at a glance as a coloured disc; closing one
leaves the others untouched. The window does not own the asyncio work: it
emits what the user asked for (``connect_requested``, ``disconnect_requested``,
``close_requested``, ``quit_requested``) and the application runs the
coroutines against the workspace named by ``connect_target``, so closing the
window never strands an await.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QTabWidget,
    QWidget,
)

from sio_monitor.domain.events import ConnectionState
from sio_monitor.domain.profiles import Profile
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.qt.models.tree_base import plain_tooltip
from sio_monitor.qt.probe_session import ProbeSession
from sio_monitor.qt.session import MonitorSession
from sio_monitor.ui.connection.connect_dialog import ConnectDialog
from sio_monitor.ui.connection.reconnect_banner import ReconnectBanner
from sio_monitor.ui.overview.overview import OverviewPanel
from sio_monitor.ui.shell.accessible_names import name_controls
from sio_monitor.ui.shell.preferences import SHORTCUT, Preferences, PreferencesDialog
from sio_monitor.ui.shell.theme import apply_font_scale, apply_theme
from sio_monitor.ui.shell.window_geometry import first_geometry
from sio_monitor.ui.shell.workspace import STATE_COLOURS, VIEW_NAMES, Workspace, state_icon

if TYPE_CHECKING:  # views and dialogs are imported when first shown
    from sio_monitor.ui.charts.charts import ThroughputCharts
    from sio_monitor.ui.emit.emit_console import EmitConsole
    from sio_monitor.ui.explorer.explorer import TopologyExplorer


class MainWindow(QMainWindow):
    connect_requested = Signal(object)  # ConnectionSettings, for connect_target
    disconnect_requested = Signal()  # the current workspace
    close_requested = Signal(object)  # Workspace whose tab the user closed
    quit_requested = Signal()
    preferences_applied = Signal(object)  # Preferences, after OK or Apply in Preferences

    def __init__(
        self,
        session: MonitorSession | None = None,
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
        self._last_settings: ConnectionSettings | None = None
        self._quitting = False

        self.connections = QTabWidget(self, objectName="connectionTabs")
        self.connections.setDocumentMode(True)
        self.connections.setTabsClosable(True)
        self.connections.setMovable(True)
        self.connections.setTabBarAutoHide(True)
        self.connections.tabCloseRequested.connect(self._tab_close_requested)
        self.connections.currentChanged.connect(self._current_changed)
        self.setCentralWidget(self.connections)

        # The connection state stays on the right; action results come and go on the left.
        self.state_label = QLabel(objectName="connectionState")
        self.state_label.setTextFormat(Qt.TextFormat.PlainText)
        self.state_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.rejected_label = QLabel(objectName="rejectedPayloads")
        self.rejected_label.setTextFormat(Qt.TextFormat.PlainText)
        self.rejected_label.hide()
        self.statusBar().addPermanentWidget(self.rejected_label)
        self.statusBar().addPermanentWidget(self.state_label)

        self.connect_dialog = ConnectDialog(self)
        self.connect_dialog.settings_chosen.connect(self._settings_chosen)
        self.connect_dialog.profile_chosen.connect(self._profile_chosen)
        #: The workspace the connect dialog was opened for: where its answer goes.
        self.connect_target: Workspace | None = None
        self.add_workspace(session, probe)
        self._build_actions()
        self._restore_layout()
        self.preferences = Preferences.load()
        if self.preferences.theme != "system":
            apply_theme(self.preferences.theme)
        if self.preferences.font_scale != 1.0:
            apply_font_scale(self.preferences.font_scale)
        self._apply_timeouts(self.preferences)
        name_controls(self)

    # --- workspaces ------------------------------------------------------------------------

    @property
    def current(self) -> Workspace:
        workspace = self.connections.currentWidget()
        assert isinstance(workspace, Workspace)
        return workspace

    def workspaces(self) -> list[Workspace]:
        found = (self.connections.widget(i) for i in range(self.connections.count()))
        return [w for w in found if isinstance(w, Workspace)]

    def add_workspace(
        self, session: MonitorSession | None = None, probe: ProbeSession | None = None
    ) -> Workspace:
        workspace = Workspace(session, probe, self)
        workspace.restore_layout()
        if self.connections.count():
            workspace.tabs.setCurrentIndex(self.current.tabs.currentIndex())
        workspace.state_changed.connect(self._workspace_changed)
        workspace.status_message.connect(self.show_message)
        workspace.rejected_changed.connect(self._workspace_changed)
        index = self.connections.addTab(workspace, state_icon(workspace.state), workspace.title())
        self.connections.setCurrentIndex(index)
        name_controls(workspace)
        return workspace

    def remove_workspace(self, workspace: Workspace) -> None:
        """Drop a closed connection's tab; the last one is replaced by an empty workspace."""
        workspace.save_layout()
        index = self.connections.indexOf(workspace)
        if index < 0:
            return
        if self.connections.count() == 1:
            self.add_workspace()
        self.connections.removeTab(self.connections.indexOf(workspace))
        if self.connect_target is workspace:
            self.connect_target = None
        workspace.deleteLater()

    # The current workspace's parts, as the application and the tests reach them.
    @property
    def session(self) -> MonitorSession:
        return self.current.session

    @property
    def probe(self) -> ProbeSession:
        return self.current.probe

    @property
    def overview(self) -> OverviewPanel:
        return self.current.overview

    @property
    def explorer(self) -> TopologyExplorer:
        return self.current.explorer

    @property
    def charts(self) -> ThroughputCharts:
        return self.current.charts

    @property
    def emit_console(self) -> EmitConsole:
        return self.current.emit_console

    @property
    def tabs(self) -> QTabWidget:
        return self.current.tabs

    @property
    def reconnect_banner(self) -> ReconnectBanner:
        return self.current.reconnect_banner

    # --- what the application calls --------------------------------------------

    def show_connect_dialog(
        self, settings: ConnectionSettings | None = None, *, target: Workspace | None = None
    ) -> None:
        self.connect_target = target or self.current
        if settings is not None:
            self.connect_dialog.fill(settings)
        elif self._last_settings is not None:
            self.connect_dialog.fill(self._last_settings)
        self.connect_dialog.open()
        if settings is not None and settings.username and not settings.password:
            self.connect_dialog.focus_password()

    def show_state(self, state: ConnectionState, message: str) -> None:
        """Say ``message`` for the current connection (the app's own sentences go here too)."""
        self.current.show_state(state, message)

    TAB_NAMES = VIEW_NAMES

    def show_tab(self, name: str) -> None:
        self.current.show_view(name)

    def show_message(self, message: str) -> None:
        """An action's result, for long enough to read it."""
        self.statusBar().showMessage(message, 10_000)

    def add_error_panel(self, panel: QDockWidget) -> None:
        """Dock the unexpected-error panel under the views (added after the layout is restored,
        so a panel left open at the last exit does not come back empty)."""
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, panel)

    def remember(self, settings: ConnectionSettings, workspace: Workspace | None = None) -> None:
        self._last_settings = settings
        (workspace or self.current).remember(settings)

    def new_connection(self) -> None:
        """A new tab, asking where to connect; the current connection stays as it is."""
        self.show_connect_dialog(target=self.add_workspace())

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
        new_tab = QAction("&New connection tab…", self, objectName="newConnectionAction")
        new_tab.setShortcut(QKeySequence("Ctrl+T"))
        new_tab.triggered.connect(self.new_connection)
        close_tab = QAction("C&lose connection tab", self, objectName="closeConnectionAction")
        close_tab.setShortcut(QKeySequence("Ctrl+W"))
        close_tab.triggered.connect(
            lambda: self._tab_close_requested(self.connections.currentIndex())
        )
        disconnect = QAction("&Disconnect", self, objectName="disconnectAction")
        disconnect.setShortcut(QKeySequence("Ctrl+D"))
        disconnect.triggered.connect(self.disconnect_requested)
        quit_action = QAction("&Quit", self, objectName="quitAction")
        quit_action.setShortcuts([QKeySequence("Ctrl+Q")])  # also where the platform has none
        quit_action.triggered.connect(self.close)
        self.quit_action = quit_action
        profiles = QAction("&Profiles…", self, objectName="profilesAction")
        profiles.triggered.connect(self.connect_dialog.manage_profiles)
        for action in (connect, new_tab, profiles, disconnect, close_tab):
            menu.addAction(action)
        file_menu = self.menuBar().addMenu("&File")
        file_menu.setObjectName("fileMenu")
        file_menu.addAction(quit_action)
        self.menuBar().insertMenu(menu.menuAction(), file_menu)
        edit = self.menuBar().addMenu("&Edit")
        edit.setObjectName("editMenu")
        preferences = QAction("&Preferences…", self, objectName="preferencesAction")
        preferences.setShortcut(SHORTCUT)
        preferences.setMenuRole(QAction.MenuRole.PreferencesRole)
        preferences.triggered.connect(self.show_preferences)
        edit.addAction(preferences)
        view = self.menuBar().addMenu("&View")
        for index, name in enumerate(VIEW_NAMES):  # every view, Ctrl+1 onwards
            action = QAction(name.capitalize(), self, objectName=f"view_{name}")
            action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            action.triggered.connect(lambda _=False, i=index: self.tabs.setCurrentIndex(i))
            view.addAction(action)
        help_menu = self.menuBar().addMenu("&Help")
        keys = QAction("&Keyboard Shortcuts", self, objectName="shortcutsAction")
        keys.setShortcut(QKeySequence("Ctrl+/"))
        keys.triggered.connect(self._shortcuts)
        help_menu.addAction(keys)
        about = QAction("&About SIO Monitor", self, objectName="aboutAction")
        about.setMenuRole(QAction.MenuRole.AboutRole)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def show_preferences(self) -> PreferencesDialog:
        dialog = PreferencesDialog(Preferences.load(), self)
        dialog.applied.connect(self.apply_preferences)
        dialog.open()
        return dialog

    def apply_preferences(self, preferences: Preferences) -> None:
        """Everything that can change without a restart changes now."""
        if preferences.theme != self.preferences.theme:
            apply_theme(preferences.theme)
        if preferences.font_scale != self.preferences.font_scale:
            apply_font_scale(preferences.font_scale)
        self._apply_timeouts(preferences)
        self.preferences = preferences
        self.preferences_applied.emit(preferences)

    def _apply_timeouts(self, preferences: Preferences) -> None:
        self.connect_dialog.timeout.setValue(preferences.connect_timeout)
        for workspace in self.workspaces():
            workspace.set_ack_timeout(preferences.ack_timeout)

    def _settings_chosen(self, settings: ConnectionSettings) -> None:
        if self.connect_target is None or self.connections.indexOf(self.connect_target) < 0:
            self.connect_target = self.current
        self.remember(settings, self.connect_target)
        self.connect_requested.emit(settings)

    def _profile_chosen(self, profile: Profile) -> None:
        """A profile carries the probe's settings too: the emit console takes them.

        Its alert rules are kept under its name, so the tab's alerts learn it too.
        """
        (self.connect_target or self.current).alerts.use_profile(profile.name, profile.admin.url)
        probe = profile.probe_settings()
        if probe is not None:
            missing = [s for s in profile.missing_secrets() if s.startswith("probe.")]
            (self.connect_target or self.current).emit_console.use_profile_probe(probe, missing)

    def _close_current(self) -> None:
        self._tab_close_requested(self.connections.currentIndex())

    def _tab_close_requested(self, index: int) -> None:
        workspace = self.connections.widget(index)
        if isinstance(workspace, Workspace):
            self.close_requested.emit(workspace)

    def _workspace_changed(self, workspace: Workspace) -> None:
        index = self.connections.indexOf(workspace)
        if index >= 0:
            self.connections.setTabIcon(index, state_icon(workspace.state))
            self.connections.setTabText(index, workspace.title().replace("&", "&&"))
            self.connections.setTabToolTip(index, plain_tooltip(workspace.message))
        if workspace is self.current:
            self._show_current()

    def _current_changed(self, _index: int) -> None:
        if self.connections.count():
            self._show_current()

    def _show_current(self) -> None:
        workspace = self.current
        self.state_label.setText(workspace.message)
        self.state_label.setToolTip(plain_tooltip(workspace.message))  # when cut off by the width
        self.state_label.setStyleSheet(f"color: {STATE_COLOURS[workspace.state]};")
        self.setWindowTitle(
            f"{workspace.title()} — SIO Monitor" if workspace.settings else "SIO Monitor"
        )
        rejection = workspace.last_rejection
        count = workspace.session.bridge.rejected_payloads
        self.rejected_label.setVisible(rejection is not None)
        if rejection is not None:
            last = rejection.describe()
            self.rejected_label.setText(
                f"{count} malformed payload part{'s' if count != 1 else ''} dropped; "
                f"last: {last[:60]}{'…' if len(last) > 60 else ''}"
            )
            self.rejected_label.setToolTip(plain_tooltip(f"Last: {last}"))

    def _about(self) -> None:
        from sio_monitor.ui.shell.help_dialogs import AboutDialog

        AboutDialog(self).open()

    def _shortcuts(self) -> None:
        from sio_monitor.ui.shell.help_dialogs import ShortcutsDialog

        ShortcutsDialog(self).open()

    def _restore_layout(self) -> None:
        geometry = QSettings().value("mainWindow/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.setGeometry(first_geometry(self.screen().availableGeometry()))
        state = QSettings().value("mainWindow/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        tab = QSettings().value("mainWindow/tab", 0)
        self.tabs.setCurrentIndex(int(tab) if str(tab).isdigit() else 0)

    def _save_layout(self) -> None:
        self.current.save_layout()
        settings = QSettings()
        settings.setValue("mainWindow/geometry", self.saveGeometry())
        settings.setValue("mainWindow/state", self.saveState())
        settings.setValue("mainWindow/tab", self.tabs.currentIndex())
