"""Recordings in the main window: a recorder per connection tab, and replays in tabs of their own.

``install_recording`` adds it all to a window in one call. Every connection
tab gets a Recorder that starts a new file whenever its session connects
somewhere; the status bar shows the front tab's recording. Opening a
recording (File menu, recent files, drag and drop, ``--open``) checks the
file first, so a bad one is a sentence in the status bar and nothing else
changes, then replays it in a new tab whose session never connects: its
views (explorer, charts, log) show the recording while the live tabs go on.
Connecting from a replay tab ends its replay and makes it a live tab.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QDropEvent, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QMenu

from sio_monitor.domain.events import ConnectionChanged
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.net.task_keeper import TaskKeeper
from sio_monitor.qt.probe_session import ProbeSession
from sio_monitor.qt.recorder import Recorder
from sio_monitor.qt.replay import ReplayController
from sio_monitor.qt.session import MonitorSession
from sio_monitor.store.recording import (
    DEFAULT_CAP_BYTES,
    SUFFIX,
    RecordingError,
    recordings_dir,
)
from sio_monitor.store.recording_reader import open_recording
from sio_monitor.ui.recording.replay_bar import ReplayBar
from sio_monitor.ui.recording.retention_runner import RetentionRunner
from sio_monitor.ui.shell.main_window import MainWindow
from sio_monitor.ui.shell.preferences import Preferences
from sio_monitor.ui.shell.workspace import Workspace

log = logging.getLogger(__name__)

RECENT_KEY = "recordings/recent"
ENABLED_KEY = "recordings/enabled"
MAX_RECENT = 10
FILE_FILTER = f"SIO Monitor recordings (*{SUFFIX});;All files (*)"
#: Views of a workspace whose ``clock`` attribute (epoch seconds) says what "now" is.
CLOCKED_VIEWS = ("charts", "overview")


class RecordingUi(QObject):
    """What ``install_recording`` adds to a window; the app keeps it for ``--open`` and exit."""

    def __init__(
        self,
        window: MainWindow,
        *,
        directory: Path | None = None,
        cap_bytes: int = DEFAULT_CAP_BYTES,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.directory = directory
        self.cap_bytes = cap_bytes
        self.enabled = _setting_bool(ENABLED_KEY, True)
        self.recorders: dict[Workspace, Recorder] = {}
        self.replays: dict[Workspace, ReplayController] = {}
        self._replay_sessions: set[MonitorSession] = set()
        self._tasks = TaskKeeper("Recording", on_error=self._open_failed, logger=log)

        self.indicator = QLabel(objectName="recordingIndicator")
        self.indicator.setTextFormat(Qt.TextFormat.PlainText)
        window.statusBar().insertPermanentWidget(0, self.indicator)
        chosen = Preferences.load().recordings_folder
        if directory is None and chosen:
            self.directory = Path(chosen)
        # Retention at start and hourly; the space used stays in the status bar.
        self.retention = RetentionRunner(
            self._folder, lambda: Preferences.load().retention, self._in_use, self
        )
        window.statusBar().insertPermanentWidget(1, self.retention.label)
        self.retention.said.connect(self._say)
        window.preferences_applied.connect(self._preferences_applied)
        self._build_menu()
        window.setAcceptDrops(True)
        window.installEventFilter(self)
        window.connections.currentChanged.connect(self._tabs_changed)
        window.close_requested.connect(self._closing)
        self._tabs_changed()
        self.retention.run()

    # --- what the application calls ------------------------------------------------------

    async def open_recording(self, path: str | os.PathLike[str]) -> Workspace | None:
        """Replay ``path`` in a new tab; None (after saying why) when it cannot be opened."""
        try:
            with open_recording(path) as checked:  # before any tab appears
                info = checked.info
        except RecordingError as exc:
            self._say(str(exc))
            self._forget(str(path))
            return None
        replay: ReplayController | None = None
        # The session judges server health by the replay's clock, never the wall clock.
        session = MonitorSession(clock=lambda: replay.clock() if replay else time.time())
        self._replay_sessions.add(session)
        workspace = self.window.add_workspace(session, ProbeSession())
        replay = self.replays[workspace] = ReplayController(session.bridge, workspace)
        # Everything that labels what the replay feeds is in place before the first event.
        self._label_as_replay(workspace, f"{info.path.name} (recording)")
        log_view = workspace.event_log
        log_view.connection_settings_changed(
            ConnectionSettings(info.server_url, admin_namespace=info.admin_namespace)
        )
        replay.probe_events_replayed.connect(log_view.model.add_probe)
        replay.rewound.connect(log_view.model.clear)
        for view in CLOCKED_VIEWS:  # views that age what they show read the replay's clock
            getattr(workspace, view).clock = replay.clock
        try:
            replay.open(path)
        except RecordingError as exc:  # removed or damaged in the meantime
            self._say(str(exc))
            self.window.close_requested.emit(workspace)
            return None
        bar = ReplayBar(replay, workspace)
        workspace.layout().addWidget(bar)
        bar.close_requested.connect(lambda: self.window.close_requested.emit(workspace))
        session.settings_changed.connect(lambda settings: self._went_live(workspace, settings))
        self._remember(str(Path(path).resolve()))
        if info.dropped_events:
            self._say(
                f"This recording lacks its oldest {info.dropped_events:,} events: "
                "they were dropped to stay under its size cap."
            )
        replay.play()
        self._show_indicator()
        return workspace

    def close(self) -> None:
        """At exit: stop every replay, finish every recording (bounded per file)."""
        for replay in self.replays.values():
            replay.close()
        self.replays.clear()
        for recorder in self.recorders.values():
            recorder.close()

    # --- connection tabs -------------------------------------------------------------------

    def _tabs_changed(self, *_: object) -> None:
        for workspace in self.window.workspaces():
            if workspace not in self.recorders and workspace.session not in self._replay_sessions:
                self._record(workspace)
        self._show_indicator()

    def _record(self, workspace: Workspace) -> None:
        recorder = Recorder(
            workspace.session.bridge,
            workspace.probe,
            directory=self.directory,
            cap_bytes=self.cap_bytes,
            enabled=self.enabled,
            parent=self,
        )
        self.recorders[workspace] = recorder
        workspace.session.settings_changed.connect(recorder.start)
        recorder.status_changed.connect(self._show_indicator)
        recorder.recording_changed.connect(lambda path: self._remember(str(path)) if path else None)
        recorder.recording_changed.connect(lambda *_: self.retention.show_space())
        recorder.failed.connect(self._say)

    def _closing(self, workspace: Workspace) -> None:
        """A tab is being closed: its replay stops, its recording is finished."""
        replay = self.replays.pop(workspace, None)
        if replay is not None:
            replay.close()
            self._replay_sessions.discard(workspace.session)
        recorder = self.recorders.pop(workspace, None)
        if recorder is not None:
            recorder.stop()

    def _went_live(self, workspace: Workspace, settings: object) -> None:
        """A replay tab connected to a server: the replay ends and the tab records like any."""
        replay = self.replays.pop(workspace, None)
        if replay is None:
            return
        replay.close()
        for bar in workspace.findChildren(ReplayBar):
            bar.deleteLater()
        for view in CLOCKED_VIEWS:
            getattr(workspace, view).clock = time.time
        self._replay_sessions.discard(workspace.session)
        self._record(workspace)
        self.recorders[workspace].start(settings)  # type: ignore[arg-type]

    def _label_as_replay(self, workspace: Workspace, title: str) -> None:
        """Name the tab after the file, and say that its connection state is the recorded one.

        Connected after the window's own slots, these run after them and have the last word.
        """
        connections = self.window.connections

        def retitle(*_: object) -> None:
            if workspace in self.replays and connections.indexOf(workspace) >= 0:
                connections.setTabText(connections.indexOf(workspace), title.replace("&", "&&"))

        def recorded_state(change: ConnectionChanged) -> None:
            if workspace in self.replays:
                workspace.show_state(change.state, f"{change.message} (recorded)")

        workspace.state_changed.connect(retitle)
        workspace.session.bridge.connection_changed.connect(recorded_state)
        retitle()

    def _show_indicator(self, *_: object) -> None:
        workspace = self.window.current
        replay = self.replays.get(workspace)
        recorder = self.recorders.get(workspace)
        if replay is not None and replay.info is not None:
            self.indicator.setText(f"Replaying a recording of {replay.info.server_url}")
            self.indicator.setToolTip(str(replay.info.path))
        elif recorder is not None:
            self.indicator.setText(recorder.status)
            self.indicator.setToolTip(str(recorder.path) if recorder.path else "")

    # --- the menu ---------------------------------------------------------------------------

    def _in_use(self) -> list[Path]:
        return [r.path for r in self.recorders.values() if r.path is not None]

    def _preferences_applied(self, preferences: Preferences) -> None:
        """Recording on or off, the folder (for the next recording) and retention, at once."""
        if self.record_action.isChecked() != preferences.recordings_enabled:
            self.record_action.setChecked(preferences.recordings_enabled)
        folder = Path(preferences.recordings_folder) if preferences.recordings_folder else None
        self.directory = folder
        for recorder in self.recorders.values():
            recorder.directory = folder
        self.retention.run()

    def _build_menu(self) -> None:
        window = self.window
        existing = window.findChild(QMenu, "fileMenu")  # the window's, holding Quit
        menu = existing if existing is not None else QMenu("&File", window, objectName="fileMenu")
        before = menu.actions()[0] if menu.actions() else None
        open_action = QAction("&Open Recording…", window, objectName="openRecordingAction")
        open_action.setShortcut(QKeySequence.StandardKey.Open)
        open_action.triggered.connect(self._choose_file)
        self.recent_menu = QMenu("Open &Recent", menu, objectName="recentRecordingsMenu")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.record_action = QAction("Record &Sessions", window, objectName="recordSessionsAction")
        self.record_action.setCheckable(True)
        self.record_action.setChecked(self.enabled)
        self.record_action.setToolTip("Record every connection to a file in the recordings folder")
        self.record_action.toggled.connect(self._record_toggled)
        folder = QAction("Show Recordings &Folder", window, objectName="recordingsFolderAction")
        folder.triggered.connect(self._show_folder)
        for item in (open_action, self.recent_menu, None, self.record_action, folder, None):
            if item is None:
                menu.insertSeparator(before) if before is not None else menu.addSeparator()
            elif isinstance(item, QMenu):
                menu.insertMenu(before, item) if before is not None else menu.addMenu(item)
            else:
                menu.insertAction(before, item) if before is not None else menu.addAction(item)
        if existing is not None:
            return
        bar = window.menuBar()
        first = bar.actions()[0] if bar.actions() else None
        if first is not None:
            bar.insertMenu(first, menu)
        else:
            bar.addMenu(menu)

    def _choose_file(self) -> None:
        folder = str(self._folder())
        dialog = QFileDialog(self.window, "Open a recording", folder, FILE_FILTER)
        dialog.setObjectName("openRecordingDialog")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(lambda path: self._spawn(self.open_recording(path)))
        dialog.open()  # never exec() inside the asyncio loop

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        paths = recent_recordings()
        for path in paths:
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.setEnabled(Path(path).is_file())
            action.triggered.connect(lambda _=False, p=path: self._spawn(self.open_recording(p)))
        if not paths:
            self.recent_menu.addAction("No recordings yet").setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            clear = self.recent_menu.addAction("Clear This List")
            clear.triggered.connect(lambda: QSettings().setValue(RECENT_KEY, []))

    def _record_toggled(self, enabled: bool) -> None:
        self.enabled = enabled
        QSettings().setValue(ENABLED_KEY, enabled)
        for recorder in self.recorders.values():
            recorder.set_enabled(enabled)

    def _folder(self) -> Path:
        recorder = next(iter(self.recorders.values()), None)
        if recorder is not None:
            return recorder.folder
        return recordings_dir() if self.directory is None else self.directory

    def _show_folder(self) -> None:
        folder = self._folder()
        folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    # --- drag and drop ------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kinds = (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop)
        if watched is self.window and event.type() in kinds:
            path = _dropped_file(event)  # type: ignore[arg-type]
            if path is None:
                return False
            event.acceptProposedAction()  # type: ignore[attr-defined]
            if event.type() == QEvent.Type.Drop:
                self._spawn(self.open_recording(path))
            return True
        return super().eventFilter(watched, event)

    # --- helpers -------------------------------------------------------------------------------

    def _say(self, message: str) -> None:
        self.window.show_message(message)

    def _remember(self, path: str) -> None:
        paths = [path, *(p for p in recent_recordings() if p != path)]
        QSettings().setValue(RECENT_KEY, paths[:MAX_RECENT])

    def _forget(self, path: str) -> None:
        resolved = str(Path(path).resolve())
        QSettings().setValue(RECENT_KEY, [p for p in recent_recordings() if p != resolved])

    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        self._tasks.spawn(coroutine, name="open recording")

    def _open_failed(self, error: BaseException) -> None:
        self._say(f"Could not open the recording: {error}")


def recent_recordings() -> list[str]:
    """The recordings opened or written last, newest first."""
    value = QSettings().value(RECENT_KEY, [])
    if isinstance(value, str):  # QSettings hands back a one-item list as a string
        value = [value]
    return [str(p) for p in value or []]


def _setting_bool(key: str, default: bool) -> bool:
    value = QSettings().value(key, default)
    return value.lower() == "true" if isinstance(value, str) else bool(value)


def _dropped_file(event: QDropEvent) -> str | None:
    mime = event.mimeData()
    if not mime.hasUrls():
        return None
    files = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]
    return files[0] if len(files) == 1 else None


def install_recording(window: MainWindow, **options: Any) -> RecordingUi:
    """Add recording and replay to ``window``: one call, after the window is built."""
    return RecordingUi(window, **options)
