"""The Scenarios view: checking as you type, running against real servers with the same
verdicts as ``sio-monitor run``, the probe's events in the log, and the emit history saved
as a scenario. Screenshots go to tests/artifacts/."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from sio_monitor.domain.emit.emit_requests import ArgSpec, EmitRequest
from sio_monitor.domain.scenario import parse_scenario
from sio_monitor.domain.scenario.results import ScenarioResult
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.net.demo import DemoServer
from sio_monitor.qt.loop import BatchedQEventLoop
from sio_monitor.terminal.run import run_scenario
from sio_monitor.ui.scenarios.scenarios_panel import history_emits
from sio_monitor.ui.shell.workspace import Workspace
from tests.integration.probe_servers import require_node
from tests.peers.launch import NodePeer
from tests.qt.screens import save_screenshot
from tests.qt.waiting import until
from tests.support.scenarios import EVERY_STEP_KIND, EXAMPLES, NODE_SCENARIO


@pytest.fixture
def workspace(qtbot: QtBot) -> Workspace:
    workspace = Workspace()
    qtbot.addWidget(workspace)
    workspace.resize(1280, 720)
    workspace.show()
    workspace.show_view("scenarios")
    return workspace


def verdicts(result: ScenarioResult) -> list[tuple[str, str]]:
    return [(step.verdict.value, step.label) for step in result.steps]


def test_the_editor_checks_as_you_type_with_line_and_column(workspace: Workspace) -> None:
    panel = workspace.scenarios
    assert panel.scenario is not None and panel.run_button.isEnabled()
    panel.editor.setPlainText("name: x\nsteps:\n  - wait: soon\n")
    assert panel._check_timer.isActive()  # checked a moment after typing stops
    panel.check()
    assert panel.problem.isVisibleTo(panel)
    assert panel.problem.text() == 'Line 3, column 11: steps.0.wait: expected a number, got "soon".'
    assert not panel.run_button.isEnabled()
    assert len(panel.editor.extraSelections()) == 1  # the line is marked
    save_screenshot(workspace, "scenarios_bad_file")
    panel.editor.setPlainText("name: x\nsteps:\n  - wait: 0.1\n")
    panel.check()
    assert not panel.problem.isVisibleTo(panel) and panel.run_button.isEnabled()


def run_in_window(
    app_loop: BatchedQEventLoop,
    workspace: Workspace,
    body: Callable[[], Awaitable[None]],
) -> None:
    async def main() -> None:
        try:
            await body()
        finally:
            await workspace.session.disconnect()

    app_loop.run_until_complete(main())


async def window_run(workspace: Workspace, text: str, target: str) -> ScenarioResult:
    panel = workspace.scenarios
    panel.set_text(text)
    panel.target.setText(target)
    task = panel.start()
    assert task is not None
    return await task


@pytest.mark.network
def test_the_window_reaches_the_terminals_verdicts_on_the_demo_server(
    app_loop: BatchedQEventLoop, workspace: Workspace
) -> None:
    failing = (EXAMPLES / "failing.sio.yaml").read_text()

    async def body() -> None:
        async with DemoServer(clients=0, rate=0, auth=False, stats_interval=0.5) as server:
            assert await workspace.session.connect_to(ConnectionSettings(server.url))
            rows_before = workspace.event_log.model.total
            in_window = await window_run(workspace, EVERY_STEP_KIND, server.url)
            in_terminal = await run_scenario(parse_scenario(EVERY_STEP_KIND), server.url, None)
            assert in_window.passed, in_window.failure_text()
            assert verdicts(in_window) == verdicts(in_terminal)
            panel = workspace.scenarios
            assert [r.number for r in panel.timeline.results()] == list(range(1, 16))
            assert panel.verdict.text().startswith("Passed: every step kind, 15 of 15 steps")
            await until(
                lambda: workspace.event_log.model.total > rows_before + 10,
                workspace.event_log.model.rowsInserted,
            )

            workspace.remember(ConnectionSettings(server.url))
            elsewhere = await window_run(
                workspace, EVERY_STEP_KIND, server.url.replace("127.0.0.1", "localhost")
            )
            assert elsewhere.passed  # localhost is this same server
            other = f"http://127.0.0.1:{server.port + 1}"
            workspace.remember(ConnectionSettings(other))
            mismatch = await window_run(workspace, EVERY_STEP_KIND, server.url)
            assert f"This tab watches 127.0.0.1:{server.port + 1}, not the target" in (
                mismatch.steps[4].message
            )
            workspace.remember(ConnectionSettings(server.url))

            bad_window = await window_run(workspace, failing, server.url)
            bad_terminal = await run_scenario(parse_scenario(failing), server.url, None)
            assert verdicts(bad_window) == verdicts(bad_terminal)
            assert [v for v, _ in verdicts(bad_window)] == ["passed", "failed"]
            assert "first difference at: 0.ok" in panel.timeline.diff.toPlainText()
            assert panel.verdict.text().startswith("Failed: joining an unknown room")
            save_screenshot(workspace, "scenarios_failed_run")

    run_in_window(app_loop, workspace, body)


@pytest.mark.network
def test_stop_ends_a_run_at_the_current_step(
    app_loop: BatchedQEventLoop, workspace: Workspace
) -> None:
    text = "name: slow\nclients: {a: {}}\nsteps:\n  - connect: a\n  - wait: 30\n  - wait: 1\n"

    async def body() -> None:
        async with DemoServer(clients=0, rate=0, auth=False) as server:
            panel = workspace.scenarios
            panel.set_text(text)
            panel.target.setText(server.url)
            task = panel.start()
            assert task is not None
            await until(lambda: panel.timeline.tree.topLevelItemCount() == 2, panel.step_started)
            assert panel.stop_button.isEnabled()
            panel.stop_button.click()
            result = await task
            assert result.stopped and [s.message for s in result.steps][-1] == "Stopped."
            assert len(result.steps) == 2 and panel.run_button.isEnabled()
            assert panel.verdict.text() == "Stopped: slow after 2 steps."

    run_in_window(app_loop, workspace, body)


@pytest.mark.node
def test_the_window_reaches_the_terminals_verdicts_on_the_node_peer(
    app_loop: BatchedQEventLoop, workspace: Workspace
) -> None:
    require_node("@socket.io/admin-ui")

    async def body() -> None:
        with NodePeer("admin_server.js", "--no-auth") as peer:
            assert await workspace.session.connect_to(ConnectionSettings(peer.url))
            in_window = await window_run(workspace, NODE_SCENARIO, peer.url)
            in_terminal = await run_scenario(parse_scenario(NODE_SCENARIO), peer.url, None)
        assert in_window.passed, in_window.failure_text()
        assert verdicts(in_window) == verdicts(in_terminal)

    run_in_window(app_loop, workspace, body)


def test_open_shows_a_file_and_checks_it(workspace: Workspace, tmp_path: Path) -> None:
    panel = workspace.scenarios
    assert panel.open_file(EXAMPLES / "chat.sio.yaml")
    assert panel.scenario is not None and panel.scenario.name == "chat smoke"
    assert panel.file_label.text().endswith("chat.sio.yaml")
    assert panel.target_url() == "http://127.0.0.1:3000"  # the file's, until one is typed
    panel.target.setText("http://127.0.0.1:4000")
    assert panel.target_url() == "http://127.0.0.1:4000"
    assert not panel.open_file(tmp_path / "missing.sio.yaml")
    assert panel.scenario.name == "chat smoke"


def test_the_emit_history_saves_as_a_scenario(workspace: Workspace, tmp_path: Path) -> None:
    console = workspace.emit_console
    for request in (
        EmitRequest("join", "/chat", (ArgSpec("string", "lobby"),), ack=True, ack_timeout=2),
        EmitRequest("message", "/chat", (ArgSpec("json", '{"room": "lobby", "n": 1}'),)),
    ):
        console.history_panel.add(console.history.add(request, 1.0))
    assert [e.request.event for e in history_emits(console)] == ["join", "message"]
    console.history_panel.list.item(1).setSelected(True)
    assert [e.request.event for e in history_emits(console)] == ["message"]
    console.history_panel.list.clearSelection()

    panel = workspace.scenarios
    panel.load_emit_history()
    scenario = panel.scenario
    assert scenario is not None and not panel.problem.isVisibleTo(panel)
    steps = parse_scenario(panel.editor.toPlainText()).steps
    assert [type(s).__name__ for s in steps] == ["Connect", "Emit", "Emit", "Disconnect"]
    assert steps[1].ack is not None and steps[1].ack.within == 2  # type: ignore[union-attr]
    assert steps[2].args == [{"room": "lobby", "n": 1}]  # type: ignore[union-attr]
    assert panel.save_to(tmp_path / "history.sio.yaml")
    assert (tmp_path / "history.sio.yaml").read_text() == panel.editor.toPlainText()
    save_screenshot(workspace, "scenarios_from_history")
