"""The monitor's own admin connection is not an application client, in any view.

Against Node socket.io 4.8 and 3.1 with admin-ui and against python-socketio,
the overview's client figure, ``watch``'s and the server's own count of its
application's clients are one number: the servers' ``clientsCount`` counts
the admin connection too, and every view reads the domain's figure
(``servers.app_clients``), which leaves it out.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
from collections.abc import AsyncIterator, Iterator

import pytest
import socketio

from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.domain.topology.servers import app_clients
from sio_monitor.qt.loop import BatchedQEventLoop
from sio_monitor.qt.session import MonitorSession
from sio_monitor.terminal.watch import run_watch
from sio_monitor.ui.overview.overview import OverviewPanel
from tests.integration.broken_server import BrokenServer
from tests.peers.launch import fetch_truth
from tests.qt.waiting import until
from tests.support.node_admin import node_admin, node_admin_missing
from tests.support.skips import require

pytestmark = pytest.mark.network

CLIENTS = 5
FLAVOURS = [
    pytest.param("node-4.8", marks=pytest.mark.node),
    pytest.param("node-3.1", marks=pytest.mark.node),
    pytest.param("python"),
]


@contextlib.contextmanager
def served(flavour: str) -> Iterator[tuple[str, bool]]:
    """The server's URL, and whether the test must bring the clients (Node) itself."""
    if flavour == "python":
        server = BrokenServer("--clients", str(CLIENTS), "--stats-interval", "0.5")
        server.start()
        try:
            yield server.url, False
        finally:
            server.kill()
        return
    version = flavour.removeprefix("node-")
    require(node_admin_missing(version))
    with node_admin(version) as peer:
        yield peer.url, True


@contextlib.asynccontextmanager
async def crowd(url: str, bring: bool) -> AsyncIterator[None]:
    clients = [socketio.AsyncClient(reconnection=False) for _ in range(CLIENTS if bring else 0)]
    for client in clients:
        await client.connect(url, transports=["websocket"])
    try:
        yield
    finally:
        for client in clients:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.disconnect(), 2.0)


async def server_count(url: str) -> int:
    """The application's clients by the server's own account: one per socket in "/"."""
    truth = await fetch_truth(url)
    if "namespaces" in truth:  # admin_server.js
        return len(truth["namespaces"]["/"]["sockets"])
    return len(truth["sockets"])


async def watch_count(url: str) -> int:
    out = io.StringIO()
    code = await run_watch(
        ConnectionSettings(url, connect_timeout=10.0),
        interval=0.5,
        count=2,
        as_json=True,
        out=out,
        err=io.StringIO(),
    )
    assert code == 0
    return int(json.loads(out.getvalue().splitlines()[-1])["clients"])


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_the_overview_watch_and_the_server_count_the_same_clients(
    flavour: str,
    app_loop: BatchedQEventLoop,
) -> None:
    async def main(url: str, bring: bool) -> None:
        async with crowd(url, bring):
            truth = await server_count(url)
            assert truth == CLIENTS
            session = MonitorSession()
            bridge = session.bridge
            overview = OverviewPanel(bridge)
            try:
                settings = ConnectionSettings(url, connect_timeout=10.0)
                assert await session.connect_to(settings)
                admin = settings.admin_namespace

                def counted() -> bool:
                    servers = bridge.topology.servers()
                    # Stats taken after the monitor joined: its own connection is in them.
                    return bool(servers) and all(s.namespaces.get(admin) for s in servers)

                await until(counted, bridge.batch_applied, 30)
                (server,) = bridge.topology.servers()
                assert server.clients_count == CLIENTS + 1  # the server's figure, monitor in
                assert app_clients(bridge.topology.servers(), admin) == CLIENTS
                overview.refresh()
                assert f"· {CLIENTS} clients ·" in overview.summary.text()
            finally:
                await session.disconnect()
            assert await watch_count(url) == CLIENTS

    with served(flavour) as (url, bring):
        app_loop.run_until_complete(main(url, bring))
