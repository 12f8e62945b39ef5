"""The window shown the events of a scripted session, through the real bridge."""

from __future__ import annotations

import time

import pytest
from pytestqt.qtbot import QtBot

from sio_monitor.domain.events import (
    ConfigReceived,
    ConnectionChanged,
    ConnectionState,
    PayloadRejected,
    SocketConnected,
)
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.qt.session import MonitorSession
from sio_monitor.ui.shell.main_window import MainWindow
from tests.qt.screens import save_screenshot
from tests.qt.window_events import DEV_FEATURES, socket_info, stats


@pytest.fixture
def window(qtbot: QtBot) -> MainWindow:
    session = MonitorSession()
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.resize(900, 560)
    window.show()
    return window


def feed(window: MainWindow, *events: object) -> None:
    for event in events:
        window.session.bridge.sink(event)  # type: ignore[arg-type]
    window.session.bridge.flush()


def connected(message: str = "Connected to 127.0.0.1:3000.") -> ConnectionChanged:
    return ConnectionChanged(ConnectionState.CONNECTED, message, time.time())


def test_server_stats_fill_the_servers_and_namespaces(window: MainWindow) -> None:
    feed(
        window,
        connected(),
        ConfigReceived(DEV_FEATURES, time.time()),
        stats("node-a", "staging-1", 12, {"/": 7, "/chat": 5}),
        SocketConnected(socket_info("s1", "/chat", ("lobby",)), time.time()),
    )
    servers = window.overview.servers
    assert servers.rowCount() == 1
    assert [servers.item(0, c).text() for c in (0, 1, 2, 4)] == [
        "node-a",
        "staging-1",
        "4242",
        "12",
    ]
    assert servers.item(0, 6).text() == "healthy"
    names = window.overview.namespaces
    assert [names.item(r, 0).text() for r in range(names.rowCount())] == ["/", "/chat"]
    assert window.state_label.text() == "Connected to 127.0.0.1:3000."
    summary = window.overview.summary.text()
    assert summary.startswith("1 server · ") and " in 2 namespaces · " in summary
    assert not window.overview.note.isVisibleTo(window.overview)
    save_screenshot(window, "main_window_connected")


def test_production_mode_says_what_is_missing(window: MainWindow) -> None:
    feed(
        window,
        connected(),
        ConfigReceived(frozenset({"AGGREGATED_EVENTS"}), time.time()),
        stats("prod-1", "api-1", 3, {"/": 3}),
    )
    assert window.overview.note.isVisibleTo(window.overview)
    assert "development mode" in window.overview.note.text()
    assert window.overview.namespaces.item(0, 1).text() == "3"


def test_lost_server_greys_the_figures_but_keeps_them(window: MainWindow) -> None:
    feed(
        window, connected(), ConfigReceived(DEV_FEATURES, time.time()), stats("a", "h", 5, {"/": 5})
    )
    feed(
        window,
        ConnectionChanged(ConnectionState.RECONNECTING, "Lost the connection; reconnecting.", 0.0),
    )
    assert not window.overview.servers.isEnabled()
    assert window.overview.servers.item(0, 0).text() == "a"
    assert "reconnecting" in window.state_label.text()
    feed(window, connected("Connected again to 127.0.0.1:3000."))
    assert window.overview.servers.isEnabled()


def test_markup_from_the_network_is_shown_as_plain_text(window: MainWindow) -> None:
    hostname = "<b>bold</b><img src=x>"
    feed(window, connected(), stats("<i>id</i>", hostname, 1, {"/<script>": 1}))
    assert window.overview.servers.item(0, 1).text() == hostname
    feed(window, PayloadRejected("server_stats", "<b>not a dict</b>", time.time()))
    assert window.rejected_label.text() == (
        "1 malformed payload part dropped; last: server_stats: <b>not a dict</b>"
    )
    assert window.rejected_label.textFormat().name == "PlainText"


def test_connect_dialog_keeps_input_and_explains_a_bad_url(
    window: MainWindow, qtbot: QtBot
) -> None:
    chosen: list[ConnectionSettings] = []
    window.connect_requested.connect(chosen.append)
    window.show_connect_dialog()
    dialog = window.connect_dialog
    dialog.url.setText("localhost:3000")
    dialog.username.setText("admin")
    dialog._try_accept()
    assert dialog.isVisible()
    assert dialog.error.isVisible()
    assert "http://" in dialog.error.text()
    assert dialog.username.text() == "admin"
    dialog.url.setText("https://staging.example:8443")
    dialog.headers.setPlainText("X-Api-Key: secret\n\nX-Trace: 1")
    dialog.transport.setCurrentIndex(dialog.transport.findData("both"))
    save_screenshot(dialog, "connect_dialog")
    dialog._try_accept()
    assert not dialog.isVisible()
    assert len(chosen) == 1
    settings = chosen[0]
    assert settings.headers == {"X-Api-Key": "secret", "X-Trace": "1"}
    assert settings.transports == ["polling", "websocket"]
    assert settings.verify_tls
    assert settings.host_port == ("staging.example", 8443)


def test_a_bad_header_line_is_named(window: MainWindow) -> None:
    window.show_connect_dialog()
    dialog = window.connect_dialog
    dialog.url.setText("http://localhost:3000")
    dialog.headers.setPlainText("X-Good: 1\nnot a header")
    dialog._try_accept()
    assert dialog.isVisible()
    assert "line 2" in dialog.error.text()


def test_the_application_icon_loads_from_resources() -> None:
    from sio_monitor.ui.shell.icons import ICON_NAME, app_icon, resource_path

    assert resource_path(ICON_NAME).is_file()
    assert not app_icon().isNull()
    assert not app_icon().pixmap(64, 64).isNull()
