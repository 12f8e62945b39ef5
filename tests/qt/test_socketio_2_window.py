"""The window on a Socket.IO 2 server: monitoring is refused by name, the emit console opens.

Against a real Node socket.io 2.5 server (tests/peers/probe_server.js --v2):
the admin connection fails with the sentence that monitoring needs Socket.IO 3
or newer, the Emit tab comes to the front with the server's URL and that
sentence, and the probe connects there, its handshake shown with the version.
"""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtWidgets import QApplication

from sio_monitor.domain.compatibility import SOCKETIO_2_NAMED
from sio_monitor.domain.emit.probe_events import ProbeState
from sio_monitor.domain.events import ConnectionState
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.qt.loop import BatchedQEventLoop
from sio_monitor.ui.shell.workspace import Workspace
from tests.integration.probe_servers import node_probe_server
from tests.qt.screens import save_screenshot

pytestmark = [pytest.mark.network, pytest.mark.node]


def test_a_socket_io_2_server_opens_the_emit_console(app_loop: BatchedQEventLoop) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)

    async def main() -> None:
        with node_probe_server("--v2") as peer:
            workspace = Workspace()
            workspace.resize(1100, 700)
            workspace.show()
            try:
                settings = ConnectionSettings(peer.url, connect_timeout=8)
                workspace.remember(settings)
                assert not await workspace.session.connect_to(settings)
                workspace.session.bridge.flush()
                assert workspace.state is ConnectionState.FAILED
                assert SOCKETIO_2_NAMED in workspace.message
                assert workspace.current_view() == "emit"
                panel = workspace.emit_console.connection
                assert panel.url.text() == peer.url
                assert SOCKETIO_2_NAMED in panel.state.text()
                assert "not sent there" in panel.auth_note.text()
                panel.more.setChecked(True)
                save_screenshot(workspace, "emit_console_socket_io_2_refused")

                assert await workspace.probe.connect_to(panel.settings())
                async with asyncio.timeout(15):
                    while workspace.probe.state is not ProbeState.CONNECTED:
                        await asyncio.sleep(0)
                    while "Socket.IO 2" not in panel.preview.text():
                        await asyncio.sleep(0)
                assert "EIO=3" in panel.preview.text()
                assert panel.preview.text().endswith("(Socket.IO 2, Engine.IO 3)")
                save_screenshot(workspace, "emit_console_socket_io_2")
            finally:
                await workspace.probe.disconnect()
                await workspace.session.disconnect()
                workspace.close()

    app_loop.run_until_complete(main())
