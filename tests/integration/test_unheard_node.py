"""A Node cluster worker the monitor never heard from dies: its sockets go from the window.

Three workers on node:cluster with the Redis adapter (``tests/support/node_cluster.py``)
report as usual; a fourth joins after the monitor connected (so the monitor's
own connection is never on it) and never sends ``server_stats``. Clients
connect across all four; admin-ui's snapshot and socket events bring every
socket to the monitor. The silent worker is then killed: its sockets must
leave the window, which holds what the cluster itself holds.
"""

from __future__ import annotations

import asyncio
import contextlib

import pytest
import socketio

from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.qt.loop import BatchedQEventLoop
from sio_monitor.qt.session import MonitorSession
from sio_monitor.ui.overview.overview import OverviewPanel
from tests.peers.launch import fetch_truth
from tests.qt.screens import save_screenshot
from tests.qt.waiting import until
from tests.support.fixtures import node_cluster  # noqa: F401
from tests.support.node_cluster import NodeCluster

pytestmark = [pytest.mark.network, pytest.mark.node]

CLIENTS = 48


def connected(clients: list[socketio.AsyncClient]) -> set[str]:
    """The socket ids in "/" of the clients that are still connected."""
    return {sid for c in clients if c.connected and (sid := c.get_sid("/")) is not None}


async def cluster_sockets(url: str) -> set[str]:
    return set((await fetch_truth(url))["namespaces"]["/"]["sockets"])


def test_a_worker_never_heard_from_is_judged_when_it_dies(
    node_cluster: NodeCluster,  # noqa: F811
    app_loop: BatchedQEventLoop,
) -> None:
    async def main() -> None:
        session = MonitorSession()
        bridge = session.bridge
        overview = OverviewPanel(bridge)
        overview.resize(1000, 340)
        clients: list[socketio.AsyncClient] = []

        def shown() -> set[str]:
            return {s.id for s in bridge.topology.sockets("/")}

        try:
            settings = ConnectionSettings(node_cluster.url, connect_timeout=10.0)
            assert await session.connect_to(settings)
            reporting = {w["serverId"] for w in node_cluster.workers}
            await until(
                lambda: {s.server_id for s in bridge.topology.servers()} == reporting,
                bridge.batch_applied,
                30,
            )
            silent = node_cluster.add_late_worker()
            for _ in range(CLIENTS):  # round-robin: a quarter land on the silent worker
                client = socketio.AsyncClient(reconnection=False)
                await client.connect(node_cluster.url, transports=["websocket"])
                clients.append(client)
            everyone = await cluster_sockets(node_cluster.url)
            assert everyone == connected(clients) and len(everyone) == CLIENTS
            await until(lambda: shown() == everyone, bridge.batch_applied, 30)
            assert bridge.topology.reported_socket_count("/") < CLIENTS  # the silent one uncounted
            assert silent["serverId"] not in {s.server_id for s in bridge.topology.servers()}

            node_cluster.kill_worker(silent["pid"])
            # The truth is the clients still connected: those on the dead worker lost it.
            await until(
                lambda: shown() == connected(clients) and len(shown()) < CLIENTS,
                bridge.batch_applied,
                90,
            )
            survivors = connected(clients)
            assert len(survivors) == CLIENTS - CLIENTS // 4  # round-robin over four workers
            assert bridge.topology.socket_count("/") == bridge.topology.reported_socket_count("/")
            overview.refresh()
            assert f"{len(survivors)} socket" in overview.summary.text()
            save_screenshot(overview, "cluster_unheard_worker_killed")
        finally:
            for client in clients:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(client.disconnect(), 2.0)
            await session.disconnect()

    app_loop.run_until_complete(main())
