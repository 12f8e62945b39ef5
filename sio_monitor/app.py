"""Composition of the desktop app: QApplication, the batched loop, the session and the window.

The main coroutine owns the lifetime: it starts what the command line asked
for, waits for a quit request (window closed, Ctrl+C, SIGTERM), and then does
the asynchronous clean-up while the loop still runs, each step bounded, so the
process leaves within three seconds whatever the network is doing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, QThread, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from sio_monitor import __version__
from sio_monitor.domain.events import ConnectionState
from sio_monitor.domain.secrets import settings_secrets
from sio_monitor.domain.settings import DEFAULT_ADMIN_NAMESPACE, ConnectionSettings
from sio_monitor.gc_policy import (
    FREEZE_EVERY_MS,
    SETTLE_AFTER_S,
    collect_on_gui_thread_only,
    freeze_survivors,
    settle_after_start_up,
)
from sio_monitor.net.task_keeper import TaskKeeper
from sio_monitor.qt.demo_process import DemoServerProcess
from sio_monitor.qt.error_reporting import ErrorReporter
from sio_monitor.qt.loop import new_event_loop
from sio_monitor.qt.probe_session import ProbeSession
from sio_monitor.qt.session import MonitorSession
from sio_monitor.store.profiles_store import ProfileStore
from sio_monitor.ui.recording.recording_menu import install_recording
from sio_monitor.ui.shell.error_panel import ErrorPanel
from sio_monitor.ui.shell.icons import app_icon
from sio_monitor.ui.shell.main_window import MainWindow
from sio_monitor.ui.shell.window_state import load_open_connections, save_open_connections
from sio_monitor.ui.shell.workspace import Workspace

log = logging.getLogger(__name__)

#: The freedesktop application id, as packaging/ names the desktop entry and metainfo.
DESKTOP_ID = "io.github.sio_monitor.SioMonitor"


@dataclass(frozen=True)
class GuiOptions:
    settings: ConnectionSettings | None = None  # connect straight away
    ask_password: bool = False  # settings lack a password the user must type
    demo: bool = False
    screenshot: str | None = None  # save the window here once live data shows, then quit
    screenshot_delay: float = 3.0  # seconds of live data before the screenshot
    tab: str | None = None  # overview, topology, throughput or emit
    profile: str | None = None  # the name of a saved profile to connect with
    open_recording: str | None = None  # replay this recording in a tab of its own


class Application:
    """Wires the window to the session and runs connect/disconnect requests as tasks."""

    def __init__(self, options: GuiOptions, profiles: ProfileStore | None = None) -> None:
        self.options = options
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.setQuitOnLastWindowClosed(False)  # quitting is run()'s job, after clean-up
        self.window = MainWindow(MonitorSession(), app_icon(), probe=ProbeSession())
        self.profiles = profiles or ProfileStore()
        self.window.connect_dialog.set_profile_store(self.profiles)
        if self.profiles.problem:
            self.window.show_message(self.profiles.problem)
        self.quit_event = asyncio.Event()
        self.exit_code = 0  # what the process exits with once the window is gone
        self.demo: DemoServerProcess | None = None
        # The error reporter logs each failure itself, redacted and without repeats.
        self._tasks = TaskKeeper("Background", on_error=self._task_failed, log_failures=False)
        self.window.connect_requested.connect(
            lambda s: self.spawn(self.connect_to(s, workspace=self.window.connect_target))
        )
        self.window.disconnect_requested.connect(lambda: self.spawn(self.session.disconnect()))
        self.window.close_requested.connect(lambda w: self.spawn(self.close_workspace(w)))
        self.window.quit_requested.connect(self._quit_requested)
        self.recordings = install_recording(self.window)
        # Unexpected errors: run_gui installs the hooks; the panel says each kind once.
        self.errors = ErrorReporter(self.window, secrets=self._secrets)
        self.window.add_error_panel(ErrorPanel(self.errors, self.window))
        # Collections run on this timer only, never on a worker thread: see gc_policy.
        collect_on_gui_thread_only()
        self._gc_timer = QTimer(self.window, interval=FREEZE_EVERY_MS)
        self._gc_timer.timeout.connect(freeze_survivors)
        self._gc_timer.start()

    def _secrets(self) -> list[str]:
        """What the log must never show: every open connection's password, headers, auth."""
        workspaces = self.window.workspaces()
        return [
            secret
            for w in workspaces
            for settings in (w.settings, w.probe.settings)
            for secret in settings_secrets(settings)
        ]

    @property
    def session(self) -> MonitorSession:
        """The monitoring session of the connection tab in front."""
        return self.window.session

    @property
    def probe(self) -> ProbeSession:
        return self.window.probe

    def spawn(self, coroutine: Coroutine[Any, Any, object]) -> None:
        """Run a coroutine from a Qt slot, keeping a reference until it ends."""
        self._tasks.spawn(coroutine)

    def _task_failed(self, error: BaseException) -> None:
        self.errors.report(error, "In a background task:")

    async def connect_to(
        self, settings: ConnectionSettings, recent: bool = True, workspace: Workspace | None = None
    ) -> bool:
        workspace = workspace or self.window.current
        self.window.remember(settings, workspace)
        if recent:
            self.profiles.remember(settings)
            self.window.connect_dialog.refresh_profiles()
        return await workspace.session.connect_to(settings)

    async def close_workspace(self, workspace: Workspace) -> None:
        """Close one connection tab: its connections end, the other tabs carry on."""
        await _bounded(workspace.session.disconnect(), workspace.probe.disconnect())
        self.window.remove_workspace(workspace)

    def restore_connections(self) -> None:
        """Reopen the connection tabs of the last run; ask for what was not stored."""
        saved = load_open_connections()
        if not saved:
            self.window.show_connect_dialog()
            return
        ask: list[tuple[Workspace, ConnectionSettings]] = []
        for number, settings in enumerate(saved):
            workspace = self.window.current if number == 0 else self.window.add_workspace()
            if settings.username:  # the password was not stored: it must be typed
                self.window.remember(settings, workspace)
                workspace.show_state(
                    ConnectionState.IDLE, f"Press Ctrl+K to connect to {settings.url} again."
                )
                ask.append((workspace, settings))
            else:
                self.spawn(self.connect_to(settings, workspace=workspace))
        self.window.connections.setCurrentIndex(0)
        if ask:
            workspace, settings = ask[0]
            self.window.connections.setCurrentWidget(workspace)
            self.window.show_connect_dialog(settings, target=workspace)

    def _quit_requested(self) -> None:
        if not self.options.demo and self.options.screenshot is None:
            save_open_connections(w.settings for w in self.window.workspaces() if w.settings)
        self.quit_event.set()

    def open_profile(self, name: str) -> None:
        """Connect with a saved profile, or show the connect dialog asking what it lacks."""
        profile = self.profiles.find(name)
        if profile is None:
            self.window.show_state(ConnectionState.FAILED, f"No profile is named {name!r}.")
            self.window.show_connect_dialog()
        else:
            self.window.connect_dialog.connect_profile(profile.id)

    async def start_demo(self) -> None:
        self.window.show_state(ConnectionState.CONNECTING, "Starting the demo server…")
        self.demo = DemoServerProcess(self.window)
        try:
            info = await self.demo.start()
        except RuntimeError as exc:
            self.window.show_state(
                ConnectionState.FAILED, f"{exc} Try again with sio-monitor --demo."
            )
            return
        settings = ConnectionSettings(
            url=str(info["url"]),
            admin_namespace=str(info.get("admin_namespace") or DEFAULT_ADMIN_NAMESPACE),
            username=str(info.get("username") or ""),
            password=str(info.get("password") or ""),
        )
        if await self.connect_to(settings, recent=False):  # its port is gone next time
            await self.window.emit_console.try_demo(settings.url)

    async def run(self) -> None:
        options = self.options
        if options.tab is not None:
            self.window.show_tab(options.tab)
        self.window.show()
        if options.demo:
            self.spawn(self.start_demo())
        elif options.profile is not None:
            self.open_profile(options.profile)
        elif options.settings is not None and options.ask_password:
            self.window.show_connect_dialog(options.settings)
        elif options.settings is not None:
            self.spawn(self.connect_to(options.settings))
        elif options.open_recording is not None:
            self.spawn(self.replay_alone(options.open_recording))
        else:
            self.restore_connections()
        if options.screenshot:
            self.spawn(self.take_screenshot(options.screenshot, options.screenshot_delay))
        await self.quit_event.wait()
        await self.shutdown()

    async def replay_alone(self, path: str) -> None:
        """Open a recording at start-up in place of the empty tab the window begins with."""
        empty = self.window.current
        if await self.recordings.open_recording(path) is not None:
            await self.close_workspace(empty)

    async def take_screenshot(self, path: str, settle: float = 3.0, limit: float = 60.0) -> None:
        """Wait for live figures, let a few stats arrive, save the window, quit."""
        bridge = self.session.bridge
        arrived, failed = asyncio.Event(), asyncio.Event()
        bridge.batch_applied.connect(
            lambda *_: arrived.set() if bridge.topology.servers() else None
        )
        workspace = self.window.current
        workspace.state_changed.connect(
            lambda shown: failed.set() if shown.state is ConnectionState.FAILED else None
        )
        waits = [asyncio.ensure_future(arrived.wait()), asyncio.ensure_future(failed.wait())]
        await asyncio.wait(waits, timeout=limit, return_when=asyncio.FIRST_COMPLETED)
        for wait in waits:
            wait.cancel()
        if failed.is_set() and not arrived.is_set():  # no live data will come: say why, end now
            log.error("%s", workspace.message)
            self.exit_code = 1
            self.window.resize(1200, 760)
            self.window.grab().save(path)
            self.quit_event.set()
            return
        if not arrived.is_set():
            log.error("No live data within %g s: the screenshot shows none.", limit)
            self.exit_code = 1
        self.window.resize(1200, 760)  # the same frame whatever size was remembered
        await asyncio.sleep(settle)  # several stats intervals: counts and uptimes settle
        self.window.overview.refresh()
        self._select_a_busy_socket()
        if self.window.current.current_view() == "emit":
            await self.window.emit_console.demo_exchange()
        await asyncio.sleep(0.2)  # one more batch and paint with the details shown
        if not self.window.grab().save(path):
            log.error("Could not save the screenshot to %s", path)
        self.quit_event.set()

    def _select_a_busy_socket(self) -> None:
        """Show a representative explorer: a socket of the busiest public room, with details."""
        topology = self.session.bridge.topology
        rooms = [
            (len(room.members), nsp, room)
            for nsp in topology.namespaces()
            if nsp != self.session.bridge.admin_namespace
            for room in topology.rooms(nsp)
        ]
        if not rooms:
            return
        _, nsp, room = max(rooms, key=lambda entry: entry[0])
        self.window.explorer.select_socket(nsp, min(room.members))

    async def shutdown(self) -> None:
        self._tasks.cancel_all()
        await _bounded(
            *(w.session.disconnect() for w in self.window.workspaces()),
            *(w.probe.disconnect() for w in self.window.workspaces()),
        )
        self.recordings.close()
        if self.demo is not None:
            self.demo.stop()
        if self.window.isVisible():
            self.window.close()


async def _bounded(*closing: Coroutine[Any, Any, None], limit: float = 2.0) -> None:
    """Run clean-up steps together, never longer than ``limit``: exit must not hang."""
    with contextlib.suppress(Exception, asyncio.TimeoutError):
        await asyncio.wait_for(asyncio.gather(*closing), limit)


def run_gui(options: GuiOptions) -> int:
    QCoreApplication.setOrganizationName("sio-monitor")
    QCoreApplication.setApplicationName("SIO Monitor")
    QCoreApplication.setApplicationVersion(__version__)
    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(qt_app, QApplication)
    qt_app.setWindowIcon(app_icon())
    QGuiApplication.setDesktopFileName(DESKTOP_ID)  # Wayland docks match the desktop entry
    loop = new_event_loop(qt_app)
    asyncio.set_event_loop(loop)
    application = Application(options)
    application.errors.install(loop)
    loop.call_later(SETTLE_AFTER_S, settle_after_start_up)  # once the window has painted
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, application.quit_event.set)
    try:
        loop.run_until_complete(application.run())
    finally:
        application.errors.uninstall()
        _close_loop(loop, application.exit_code)
    return application.exit_code


def _close_loop(loop: asyncio.AbstractEventLoop, exit_code: int = 0) -> None:
    """Close without waiting on executor threads: a DNS look-up of a dead host can hang."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(Exception):
            loop.remove_signal_handler(signum)
    executor = getattr(loop, "_QEventLoop__default_executor", None)
    busy_workers = False
    if executor is not None:
        workers = list(getattr(executor, "_QThreadExecutor__workers", ()))
        executor.shutdown(wait=False)
        loop.set_default_executor(None)  # type: ignore[arg-type]
        # A QThread destroyed while it runs aborts the process: give idle workers
        # a moment to take their stop order, and leave a busy one behind below.
        busy_workers = not all(QThread.wait(worker, 500) for worker in workers)
    loop.close()
    stragglers = [
        t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon
    ]
    if stragglers or busy_workers:
        log.debug("Leaving %d threads behind at exit", len(stragglers))
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(exit_code)
