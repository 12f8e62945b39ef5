"""A Flask-SocketIO server in threading mode: racing stats, and the monitor's own connection.

The server (``tests/support/sync_server.py``) runs python-socketio's sync
``instrument()`` with 50 clients that joined at once, so several stats tasks
race and each interval brings a burst of ``server_stats``. The monitor must
keep the server's 2 s interval, never judge it silent, and count 50 clients
in the overview and in ``watch`` alike, its own admin connection left out, in
development and in production mode.
"""

from __future__ import annotations

import asyncio
import io
import json
from typing import Any

import pytest

from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.domain.topology.servers import app_clients
from sio_monitor.qt.loop import BatchedQEventLoop
from sio_monitor.qt.session import MonitorSession
from sio_monitor.terminal.watch import run_watch
from sio_monitor.ui.overview.overview import OverviewPanel
from tests.peers.launch import fetch_truth
from tests.qt.screens import save_screenshot
from tests.qt.waiting import until
from tests.support.fixtures import sync_server  # noqa: F401
from tests.support.sync_server import SyncServer

pytestmark = pytest.mark.network

CLIENTS = 50
INTERVAL = 2.0


def test_racing_stats_keep_the_interval_and_the_server_healthy(
    sync_server: SyncServer,  # noqa: F811
    app_loop: BatchedQEventLoop,
) -> None:
    async def main() -> None:
        session = MonitorSession()
        bridge = session.bridge
        overview = OverviewPanel(bridge)
        overview.resize(1000, 340)
        verdicts: list[bool] = []
        seen: list[int] = []

        def note(*_: object) -> None:
            for server in bridge.topology.servers():
                verdicts.append(server.healthy)
                seen.append(server.stats_received)

        bridge.batch_applied.connect(note)
        try:
            settings = ConnectionSettings(sync_server.url, connect_timeout=5.0)
            assert await session.connect_to(settings)
            # Four intervals of bursts, each a chance to learn a wrong rhythm.
            await until(
                lambda: (
                    bool(bridge.topology.servers())
                    and bridge.topology.servers()[0].uptime >= 4 * INTERVAL
                ),
                bridge.batch_applied,
                60,
            )
            (server,) = bridge.topology.servers()
            assert server.stats_received > 4  # the race: more than one message per interval
            assert server.interval == pytest.approx(INTERVAL, abs=0.1)
            assert all(verdicts)
            truth = await fetch_truth(sync_server.url)
            assert len(truth["clients"]) == CLIENTS
            assert app_clients(bridge.topology.servers(), settings.admin_namespace) == CLIENTS
            overview.refresh()
            assert f"· {CLIENTS} clients · {CLIENTS} sockets in" in overview.summary.text()
            assert f"{sync_server.mode} mode" in overview.summary.text()
            assert "not reporting" not in overview.summary.text()
            save_screenshot(overview, f"sync_server_overview_{sync_server.mode}")
        finally:
            await session.disconnect()

    app_loop.run_until_complete(main())


def test_watch_counts_the_same_clients_as_the_server(
    sync_server: SyncServer,  # noqa: F811
) -> None:
    async def main() -> tuple[int, list[dict[str, Any]], dict[str, Any]]:
        out = io.StringIO()
        code = await run_watch(
            ConnectionSettings(sync_server.url, connect_timeout=10.0),
            interval=0.5,
            count=2,
            as_json=True,
            out=out,
            err=io.StringIO(),
        )
        truth = await fetch_truth(sync_server.url)
        return code, [json.loads(line) for line in out.getvalue().splitlines()], truth

    code, lines, truth = asyncio.run(main())
    assert code == 0
    assert lines[-1]["clients"] == len(truth["clients"]) == CLIENTS
    assert lines[-1]["sockets"] == {"/": CLIENTS}
