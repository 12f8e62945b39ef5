"""The whole app: live on the demo server, and a prompt, quiet exit however it is asked to stop."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from sio_monitor.app import Application, GuiOptions
from sio_monitor.domain import actions as act
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.net.demo import DemoServer
from sio_monitor.qt.loop import BatchedQEventLoop
from tests.qt.screens import save_screenshot
from tests.qt.waiting import until

pytestmark = pytest.mark.network


def test_window_shows_the_demo_servers_namespaces_live_and_closes(
    app_loop: BatchedQEventLoop,
) -> None:
    async def main() -> bool:
        demo = DemoServer(clients=8, rate=20, stats_interval=0.5)
        await demo.start()
        settings = ConnectionSettings(
            demo.url, username=demo.username or "", password=demo.password or ""
        )
        application = Application(GuiOptions(settings=settings))
        running = asyncio.ensure_future(application.run())
        try:
            overview = application.window.overview
            bridge = application.session.bridge

            def namespaces_live() -> bool:
                table = overview.namespaces
                rows = {
                    table.item(r, 0).text(): table.item(r, 1).text()
                    for r in range(table.rowCount())
                }
                return (
                    int(rows.get("/chat", "0")) > 0
                    and "/" in rows
                    and overview.servers.rowCount() == 1
                )

            await until(namespaces_live, bridge.batch_applied)
            assert "Connected" in application.window.state_label.text()
            shown = overview.namespaces
            assert "/admin" not in {shown.item(r, 0).text() for r in range(shown.rowCount())}
            save_screenshot(application.window, "main_window_demo")
            application.window.close()
            await asyncio.wait_for(running, 60)  # only a failure timeout: an exit that hangs
            return not application.window.isVisible()
        finally:
            await demo.stop()

    assert app_loop.run_until_complete(main())


def _start_app_against_silent_host() -> tuple[subprocess.Popen[str], list[socket.socket]]:
    """The app mid-connect to a host that accepts TCP and then says nothing."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    silent.settimeout(30)
    port = silent.getsockname()[1]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", SIO_MONITOR_PASSWORD="x")
    process = subprocess.Popen(
        [sys.executable, "-m", "sio_monitor", f"http://127.0.0.1:{port}", "--timeout", "60"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    connection, _ = silent.accept()  # the app is now inside its connect attempt
    return process, [silent, connection]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_mid_connect_exits_without_traceback(signum: int) -> None:
    process, sockets = _start_app_against_silent_host()
    try:
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=60)  # only a failure timeout
    finally:
        if process.poll() is None:
            process.kill()
        for sock in sockets:
            sock.close()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr


def test_demo_command_runs_end_to_end_and_leaves_no_child_behind(tmp_path: Path) -> None:
    """The README's first command, made to end by itself with --screenshot."""
    shot = tmp_path / "demo.png"
    tag = f"demo-test-{uuid.uuid4()}"  # inherited by the demo child: tells ours from others'
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", SIO_MONITOR_TEST_TAG=tag)
    result = subprocess.run(
        [sys.executable, "-m", "sio_monitor", "--demo", "--screenshot", str(shot)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    image = QImage(str(shot))
    assert not image.isNull() and image.width() > 300
    assert not _demo_server_processes(tag), "the demo server outlived the window"


def _demo_server_processes(tag: str) -> list[int]:
    """Process ids of running demo servers started under ``tag``, read from /proc."""
    marker = f"SIO_MONITOR_TEST_TAG={tag}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            environment = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"demo-server" in argv and marker in environment:
            found.append(int(entry.name))
    return found


def test_explorer_on_the_demo_server_shows_its_sockets_and_joins_one_for_real(
    app_loop: BatchedQEventLoop,
) -> None:
    """The whole chain: real server, admin client, bridge, explorer, action, observed effect."""

    async def main() -> tuple[str, list[str], set[str]]:
        demo = DemoServer(clients=6, rate=0, stats_interval=0.5)
        await demo.start()
        assert await demo.wait_ready(clients=6)
        settings = ConnectionSettings(
            demo.url, username=demo.username or "", password=demo.password or ""
        )
        application = Application(GuiOptions(settings=settings, tab="topology"))
        running = asyncio.ensure_future(application.run())
        messages: list[str] = []
        try:
            bridge = application.session.bridge
            explorer = application.window.explorer
            explorer.runner.status_message.connect(messages.append)  # the workspace's runner
            await until(
                lambda: (
                    bridge.topology.mode == "development"
                    and len(bridge.topology.sockets("/chat")) >= 6
                ),
                bridge.batch_applied,
            )
            tree = explorer.view.tree.model()
            labels = {tree.index(r, 0).data() for r in range(tree.rowCount())}
            assert any(label.startswith("/chat (") for label in labels), labels
            sid = min(state.info.id for state in bridge.topology.sockets("/chat"))
            assert explorer.runner.run(act.join("/chat", "support", act.Target.socket(sid)))
            await until(
                lambda: any(m.startswith(f"Socket {sid} joined") for m in messages),
                bridge.batch_applied,
            )
            truth = set(demo.sio.manager.rooms["/chat"].get("support", {}))
        finally:
            application.window.close()
            await asyncio.wait_for(running, 3.0)
            await demo.stop()
        return sid, messages, truth

    sid, messages, truth = app_loop.run_until_complete(main())
    assert sid in truth, "the server itself has the socket in the room"
    assert any("joined" in m for m in messages), messages
