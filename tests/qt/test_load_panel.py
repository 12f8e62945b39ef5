"""The Load panel in the real window: users against the Node peer, figures over the charts.

A run from the panel shows its virtual users, emits and acks on the
Throughput charts beside the server's own figures, Stop ends every Locust
process, and the app killed with SIGKILL takes its run along. A target
elsewhere is confirmed first; a wrong field is said under the form.
"""

from __future__ import annotations

import asyncio
import os
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QImage, QPainter
from pytestqt.qtbot import QtBot

from sio_monitor.app import Application, GuiOptions
from sio_monitor.domain.emit.probe_settings import ProbeSettings
from sio_monitor.domain.load.plan import LoadPlan
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.load.runner import process_group
from sio_monitor.qt.loop import BatchedQEventLoop
from sio_monitor.ui.charts.charts import ThroughputCharts
from sio_monitor.ui.load.load_panel import LoadPanel
from tests.peers.launch import NodePeer, node_available
from tests.qt.screens import ARTIFACTS
from tests.qt.waiting import until
from tests.support.skips import require

# Locust's master and workers start slowly on a busy machine: generous failure timeouts.
pytestmark = [pytest.mark.node, pytest.mark.network, pytest.mark.timeout(900)]

TIMEOUT = 240.0
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def peer() -> Iterator[NodePeer]:
    require(node_available())
    with NodePeer("admin_server.js") as server:
        yield server


def side_by_side(left: QImage, right: QImage, name: str) -> Path:
    """One image of two views, for a person to compare (and for the README)."""
    canvas = QImage(left.width() + right.width(), max(left.height(), right.height()), left.format())
    canvas.fill(0xFFFFFFFF)
    painter = QPainter(canvas)
    painter.drawImage(QPoint(0, 0), left)
    painter.drawImage(QPoint(left.width(), 0), right)
    painter.end()
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    assert canvas.save(str(path))
    return path


def test_a_run_from_the_panel_shows_over_the_servers_charts_and_stop_ends_it(
    app_loop: BatchedQEventLoop, peer: NodePeer
) -> None:
    async def main() -> tuple[list[int], list[int], str]:
        application = Application(GuiOptions(settings=ConnectionSettings(peer.url)))
        running = asyncio.ensure_future(application.run())
        window = application.window
        window.resize(1200, 860)
        workspace = window.current
        panel, charts = workspace.load_panel, workspace.charts
        try:
            await until(
                lambda: "Connected" in window.state_label.text(), window.current.state_changed
            )
            panel.users.setValue(60)
            panel.spawn_rate.setValue(20)
            panel.duration.setValue(600)
            panel.every.setValue(0.5)
            workspace.show_view("load")
            panel.start_button.click()
            session = panel.session
            await until(lambda: session.figures.peak_users >= 60, session.figures_changed, TIMEOUT)
            # A few seconds of figures at full strength, then the charts with the overlay.
            full = session.figures.version
            await until(
                lambda: session.figures.version >= full + 4, session.figures_changed, TIMEOUT
            )
            load_view = panel.grab().toImage()
            workspace.show_view("throughput")
            await until(
                lambda: (
                    "load:users" in charts.plots["clients"].curves
                    and "load:acks" in charts.plots["events"].curves
                ),
                session.figures_changed,
                TIMEOUT,
            )
            charts.redraw(force=True)
            side_by_side(load_view, charts.grab().toImage(), "load_panel_beside_charts")
            _, users = charts.plots["clients"].curves["load:users"].getData()
            assert users is not None and max(users) == 60
            _, acks = charts.plots["events"].curves["load:acks"].getData()
            assert acks is not None and max(acks) > 0
            running_pids = session.pids()
            finished: asyncio.Future[str] = asyncio.get_running_loop().create_future()
            session.finished.connect(lambda text: finished.done() or finished.set_result(text))
            panel.stop_button.click()
            message = await asyncio.wait_for(finished, TIMEOUT)
            workspace.show_view("load")
            left = session.pids()
            from tests.qt.screens import save_screenshot

            save_screenshot(panel, "load_panel_after_stop")
            return running_pids, left, message
        finally:
            panel.session.kill()
            window.close()
            await asyncio.wait_for(running, 10.0)

    running_pids, left, message = app_loop.run_until_complete(main())
    assert len(running_pids) >= 2
    assert left == []
    assert message.startswith("Stopped; 60 users")


def test_a_target_elsewhere_is_confirmed_before_any_user_starts(qtbot: QtBot) -> None:
    from sio_monitor.qt.bridge import EventBridge

    charts = ThroughputCharts(EventBridge())
    remote = ProbeSettings(url="http://192.0.2.10:3000")
    panel = LoadPanel(charts, lambda: remote)
    qtbot.addWidget(panel)
    asked: list[LoadPlan] = []
    panel.confirm = lambda plan, answer: (asked.append(plan), answer(False))  # type: ignore[func-returns-value]
    panel.start_button.click()
    assert [plan.probe.where for plan in asked] == ["192.0.2.10:3000"]
    assert panel.session.run is None
    assert panel.start_button.isEnabled()


def test_a_wrong_field_is_said_under_the_form_and_nothing_starts(qtbot: QtBot) -> None:
    from sio_monitor.qt.bridge import EventBridge

    panel = LoadPanel(ThroughputCharts(EventBridge()), lambda: None)
    qtbot.addWidget(panel)
    panel.start_button.click()
    assert panel.error.text() == "Connect to a server first: the load goes to its address."
    panel.target = lambda: ProbeSettings(url="http://127.0.0.1:9")
    panel.args.setText('["unclosed"')
    panel.start_button.click()
    assert panel.error.text().startswith("Arguments:")
    panel.action.setCurrentIndex(panel.action.findData("scenario"))
    assert not panel.event_name.isEnabled() and panel.scenario.isEnabled()
    panel.start_button.click()
    assert panel.error.text() == "Scenario: choose the scenario file the users replay."
    panel.scenario.setText(str(REPO / "no-such.sio.yaml"))
    panel.start_button.click()
    assert panel.error.text().startswith("The scenario cannot run:")
    assert panel.session.run is None


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="needs Linux pidfds")
def test_the_app_killed_with_sigkill_takes_its_load_run_along(peer: NodePeer) -> None:
    app = subprocess.Popen(
        [sys.executable, "-m", "tests.qt.load_app", peer.url],
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    )
    try:
        assert app.stdout is not None
        said = app.stdout.readline().split()
        assert said and all(f.isdigit() for f in said), " ".join(said) or "the app ended early"
        pids = [int(pid) for pid in said]
        assert len(pids) == 3, pids  # the master and two workers
        master = min(pids)
        assert sorted(process_group(master)) == sorted(pids)
        app.send_signal(signal.SIGKILL)
        app.wait(TIMEOUT)
        for pid in pids:
            try:
                fd = os.pidfd_open(pid)
            except ProcessLookupError:
                continue
            try:
                readable, _, _ = select.select([fd], [], [], TIMEOUT)
                assert readable, f"Locust process {pid} outlived the killed app"
            finally:
                os.close(fd)
        assert process_group(master) == []
    finally:
        if app.poll() is None:
            app.kill()
        app.wait(TIMEOUT)
        if app.stdout is not None:
            app.stdout.close()
