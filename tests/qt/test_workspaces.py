"""Several connections at once, each in its own tab, and the window state kept between runs."""

from __future__ import annotations

import asyncio
import time

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QSplitter
from pytestqt.qtbot import QtBot

from sio_monitor.app import Application, GuiOptions
from sio_monitor.domain.events import (
    ConfigReceived,
    ConnectionChanged,
    ConnectionState,
    SocketConnected,
)
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.net.demo import DemoServer
from sio_monitor.qt.loop import BatchedQEventLoop
from sio_monitor.ui.shell.main_window import MainWindow
from sio_monitor.ui.shell.window_state import load_open_connections, save_open_connections
from sio_monitor.ui.shell.workspace import Workspace
from tests.qt.screens import save_screenshot
from tests.qt.waiting import until
from tests.qt.window_events import DEV_FEATURES, socket_info, stats


@pytest.fixture
def window(qtbot: QtBot) -> MainWindow:
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1000, 600)
    window.show()
    return window


def feed(workspace: Workspace, *events: object) -> None:
    for event in events:
        workspace.session.bridge.sink(event)  # type: ignore[arg-type]
    workspace.session.bridge.flush()


def test_each_tab_has_its_own_connection_and_views(window: MainWindow) -> None:
    first = window.current
    assert not window.connections.tabBar().isVisible()  # one connection: no tab bar
    window.remember(ConnectionSettings("http://staging:3000"), first)
    second = window.add_workspace()
    window.remember(ConnectionSettings("http://qa:4000"), second)
    assert window.connections.tabBar().isVisible()
    assert window.current is second
    assert second.session is not first.session and second.probe is not first.probe

    now = time.time()
    feed(
        first,
        ConnectionChanged(ConnectionState.CONNECTED, "Connected to staging:3000.", now),
        ConfigReceived(DEV_FEATURES, now),
        stats("node-a", "staging-1", 12, {"/": 7}),
        SocketConnected(socket_info("s1", "/", ()), now),
    )
    feed(second, ConnectionChanged(ConnectionState.FAILED, "No answer from qa:4000.", now))
    assert first.overview.servers.rowCount() == 1
    assert second.overview.servers.rowCount() == 0
    assert window.state_label.text() == "No answer from qa:4000."  # the tab in front
    tabs = window.connections
    assert [tabs.tabText(i) for i in range(tabs.count())] == ["staging:3000", "qa:4000"]
    assert "Connected to staging:3000." in tabs.tabToolTip(0)
    assert tabs.tabIcon(0).pixmap(10, 10).toImage().pixelColor(5, 5).name() == "#2e7d32"
    assert tabs.tabIcon(1).pixmap(10, 10).toImage().pixelColor(5, 5).name() == "#c62828"
    tabs.setCurrentIndex(0)
    assert window.state_label.text() == "Connected to staging:3000."
    assert window.session is first.session
    save_screenshot(window, "main_window_two_connections")

    window.remove_workspace(first)
    assert window.workspaces() == [second]
    assert window.state_label.text() == "No answer from qa:4000."
    window.remove_workspace(second)  # the last one gives way to an empty workspace
    assert len(window.workspaces()) == 1 and window.current.settings is None


def test_open_connections_are_saved_without_secrets(qapp: QApplication) -> None:
    settings = ConnectionSettings(
        "https://prod.example:443",
        username="admin",
        password="hunter2-password",
        headers={"Authorization": "Bearer tok-123", "X-Trace": "1"},
    )
    save_open_connections(
        [settings, ConnectionSettings("http://u:pw@inline.example"), ConnectionSettings("http://b")]
    )
    QSettings().sync()
    with open(QSettings().fileName(), encoding="utf-8") as stream:
        written = stream.read()
    for secret in ("hunter2-password", "tok-123", "u:pw"):
        assert secret not in written
    restored = load_open_connections()
    assert [s.url for s in restored] == ["https://prod.example:443", "http://b"]
    assert restored[0].username == "admin" and restored[0].password == ""
    assert restored[0].headers.get("X-Trace") == "1"


def test_splitter_positions_are_remembered(qtbot: QtBot) -> None:
    first = MainWindow()
    qtbot.addWidget(first)
    first.resize(1000, 600)
    first.show()
    split = first.explorer.findChild(QSplitter)
    assert split is not None and split.objectName()
    split.setSizes([700, 300])
    wanted = split.sizes()
    first.close()
    second = MainWindow()
    qtbot.addWidget(second)
    second.resize(1000, 600)
    second.show()
    again = second.explorer.findChild(QSplitter, split.objectName())
    assert again is not None
    assert again.sizes() == wanted


@pytest.mark.network
def test_closing_one_connection_tab_leaves_the_other_live(app_loop: BatchedQEventLoop) -> None:
    async def main() -> None:
        demo = DemoServer(clients=4, rate=20, stats_interval=0.5)
        await demo.start()
        settings = ConnectionSettings(
            demo.url, username=demo.username or "", password=demo.password or ""
        )
        application = Application(GuiOptions(settings=settings))
        running = asyncio.ensure_future(application.run())
        try:
            window = application.window
            first = window.current
            await until(lambda: first.state is ConnectionState.CONNECTED, first.state_changed)
            second = window.add_workspace()
            assert await application.connect_to(settings, recent=False, workspace=second)
            window.close_requested.emit(first)
            await until(
                lambda: first not in window.workspaces(), second.session.bridge.batch_applied
            )
            applied = second.session.bridge.applied_events
            await until(
                lambda: second.session.bridge.applied_events > applied + 5,
                second.session.bridge.batch_applied,
            )
            assert second.state is ConnectionState.CONNECTED
            assert window.workspaces() == [second]
        finally:
            application.window.close()
            await asyncio.wait_for(running, 3.0)
            await demo.stop()

    app_loop.run_until_complete(main())
