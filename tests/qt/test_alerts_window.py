"""Alerts in the window, driven by a real server: real clients come and go, rules fire and clear.

The demo server (python-socketio with ``instrument()``) runs on the app's own
loop with no simulated users; plain Socket.IO clients connect and leave. A rule
on the clients fires once more than two are connected for a second, and clears
when they leave: said on the line over the overview, in the event log, and to
the desktop notifier (which keeps what it said, tray or not). Every wait is on
a signal.
"""

from __future__ import annotations

import asyncio

import pytest
import socketio

from sio_monitor.app import Application, GuiOptions
from sio_monitor.domain.alerts import AlertChanged, AlertRule, Comparison, Figure
from sio_monitor.domain.eventlog.rows import Kind
from sio_monitor.domain.events import ConnectionState
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.net.demo import DemoServer
from sio_monitor.qt.loop import BatchedQEventLoop
from sio_monitor.store.alerts_store import AlertStore, server_key
from sio_monitor.ui.alerts.alerts_dialog import AlertsDialog
from sio_monitor.ui.shell.workspace import Workspace
from tests.qt.screens import save_screenshot
from tests.qt.waiting import until

pytestmark = pytest.mark.network


async def connect(url: str) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False, handle_sigint=False)
    await client.connect(url, transports=["websocket"], namespaces=["/"], wait_timeout=10)
    return client


def test_a_rule_fires_and_clears_with_real_clients(app_loop: BatchedQEventLoop) -> None:
    async def main() -> None:
        demo = DemoServer(clients=0, stats_interval=0.5)
        demo.sio.eio.ping_timeout = 2  # closed connections are reaped (and uncounted) soon
        await demo.start()
        settings = ConnectionSettings(
            demo.url, username=demo.username or "", password=demo.password or ""
        )
        application = Application(GuiOptions(settings=settings))
        running = asyncio.ensure_future(application.run())
        clients: list[socketio.AsyncClient] = []
        changes: list[AlertChanged] = []
        try:
            window = application.window
            workspace = window.current
            await until(
                lambda: workspace.state is ConnectionState.CONNECTED, workspace.state_changed
            )
            alerts = workspace.alerts
            alerts.alert_changed.connect(changes.append)
            workspace.show_view("overview")
            assert alerts.line.isVisibleTo(window)  # the top line of the overview
            assert "No alert rules" in alerts.line.text.text()

            # The rule is made in the dialog, as a person would.
            alerts.edit()
            dialog = alerts.dialog
            assert isinstance(dialog, AlertsDialog)
            dialog.figure.setCurrentIndex(dialog.figure.findData(Figure.CLIENTS))
            dialog.comparison.setCurrentIndex(dialog.comparison.findData(Comparison.ABOVE))
            dialog.threshold.setValue(2)
            dialog.for_seconds.setValue(1)
            dialog.add.click()
            assert [r.describe() for r in alerts.rules] == ["clients above 2 for 1 s"]
            save_screenshot(dialog, "alerts_dialog")
            dialog.close()
            saved = AlertStore().load(server_key(demo.url, "/admin"))
            assert [r.describe() for r in saved] == ["clients above 2 for 1 s"]
            assert "(1 rule watched)" in alerts.line.text.text()

            clients += await asyncio.gather(*(connect(demo.url) for _ in range(4)))
            await until(lambda: any(c.firing for c in changes), alerts.alert_changed, 30)
            [fired] = changes
            assert fired.message.startswith("Alert: clients above 2 for 1 s (now ")
            assert fired.message in top_of_overview(workspace)
            assert any(fired.message in said for said in alerts.notifier.said)
            workspace.show_view("overview")
            save_screenshot(window, "alerts_firing_overview")
            assert logged(workspace, fired.message)

            await asyncio.gather(*(c.disconnect() for c in clients[1:]))
            del clients[1:]
            await until(lambda: len(changes) == 2, alerts.alert_changed, 60)
            cleared = changes[1]
            assert not cleared.firing
            assert cleared.message == "Cleared: clients above 2 for 1 s (now 1)."
            assert "No alert firing" in alerts.line.text.text()
            assert cleared.message not in top_of_overview(workspace)
            assert fired.message not in top_of_overview(workspace)
            assert any(cleared.message in said for said in alerts.notifier.said)
            assert logged(workspace, cleared.message)
        finally:
            await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)
            application.window.close()
            await asyncio.wait_for(running, 3.0)
            await demo.stop()

    app_loop.run_until_complete(main())


def top_of_overview(workspace: Workspace) -> str:
    """What the top of the overview says: its attention line, else the alerts' own line."""
    attention = getattr(workspace.overview, "attention", None)
    line = workspace.alerts.line.text.text()
    if attention is None:
        return line
    assert attention.isVisibleTo(workspace) == bool(attention.items())
    return f"{attention.plain_text()}\n{line}"


def logged(workspace: object, message: str) -> bool:
    """The event log holds an alert row with this sentence."""
    model = workspace.event_log.model  # type: ignore[attr-defined]
    model.sync()
    rows = [model.log_row(row) for row in range(model.rowCount())]
    return any(row.kind is Kind.ALERT and row.text == message for row in rows)


def test_rules_load_for_the_connection_and_need_their_parameter(qtbot: object) -> None:
    dialog = AlertsDialog()
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    dialog.set_rules([AlertRule(Figure.CLIENTS, Comparison.BELOW, 5)], "web:3000")
    assert dialog.list.count() == 1 and dialog.list.item(0).text() == "clients below 5"
    dialog.figure.setCurrentIndex(dialog.figure.findData(Figure.SOCKETS))
    assert dialog.parameter.isEnabled() and dialog.parameter.placeholderText() == "namespace"
    dialog.add.click()
    assert (
        dialog.error.text() == "Say which namespace the rule watches." and dialog.list.count() == 1
    )
