"""``sio-monitor exporter`` scraped by a real Prometheus, checked against the server's own truth.

Each flavour (the demo server, python-socketio with ``instrument()``, in this
process; the Node peer, socket.io 4 with admin-ui) gets plain clients; the
exporter runs as the real command in a child process; Debian's Prometheus
scrapes it every 500 ms. What Prometheus's query API returns must equal what
the server itself holds: engine clients, sockets per namespace, events counted
one by one (each acked by the server), connections and disconnections (with
their reasons from Node). Every wait is for Prometheus to agree, polled through
its API, with a timeout only to fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest
import socketio

from sio_monitor.net.demo import DemoServer
from tests.integration.prometheus_server import PrometheusServer, prometheus_missing
from tests.peers.launch import NodePeer, fetch_truth, node_available
from tests.support.dashboard import dashboard_queries
from tests.support.skips import require

pytestmark = pytest.mark.network

AGREEMENT_TIMEOUT = 30.0


@dataclass
class Served:
    """A server under test and its own truth, whichever flavour it is."""

    flavour: str
    url: str
    clients: Callable[[], Awaitable[int]]  # engine clients, the admin connections left out
    sockets: Callable[[str], Awaitable[int]]  # sockets of a namespace
    call: str  # an event the server acks (its reply is its count)


@contextlib.asynccontextmanager
async def serving(flavour: str) -> AsyncIterator[Served]:
    if flavour == "python":
        server = DemoServer(clients=0, auth=False, stats_interval=0.5)
        # python-engineio counts a closed connection until its service task reaps it, within
        # one ping timeout: a short one lets the server's own count follow the churn soon.
        server.sio.eio.ping_timeout = 2
        await server.start()

        async def python_clients() -> int:
            admin = server.sio.manager.rooms.get(server.admin_namespace, {}).get(None, {})
            return len(server.sio.eio.sockets) - len(admin)

        async def python_sockets(nsp: str) -> int:
            return len(server.sio.manager.rooms.get(nsp, {}).get(None, {}))

        try:
            yield Served("python", server.url, python_clients, python_sockets, "whoami")
        finally:
            await server.stop()
        return
    require(node_available())
    with NodePeer("admin_server.js") as peer:

        async def node_sockets(nsp: str) -> int:
            truth = await fetch_truth(peer.url)
            return len(truth["namespaces"].get(nsp, {}).get("sockets", []))

        async def node_clients() -> int:  # each test client joins one namespace only
            truth = await fetch_truth(peer.url)
            return sum(len(state["sockets"]) for state in truth["namespaces"].values())

        yield Served("node", peer.url, node_clients, node_sockets, "echo")


@contextlib.asynccontextmanager
async def exporter_child(url: str) -> AsyncIterator[str]:
    """The real command, listening on a free port; yields the host:port Prometheus scrapes."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sio_monitor",
        "exporter",
        url,
        "--listen",
        "127.0.0.1:0",
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "SIO_MONITOR_PASSWORD": ""},
    )
    try:
        assert child.stdout is not None
        line = (await asyncio.wait_for(child.stdout.readline(), 30)).decode()
        found = re.search(r"http://(127\.0\.0\.1:\d+)/metrics", line)
        assert found, f"the exporter announced no address: {line!r}"
        yield found.group(1)
    finally:
        if child.returncode is None:
            child.terminate()
        await asyncio.wait_for(child.wait(), 10)
        assert child.returncode == 0, "the exporter did not stop cleanly on SIGTERM"


async def agree(
    prometheus: PrometheusServer,
    expression: str,
    truth: Callable[[], Awaitable[float]] | float,
    what: str,
) -> None:
    """Poll Prometheus until ``expression`` equals the truth; fail with both after the timeout."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + AGREEMENT_TIMEOUT
    while True:
        seen = await asyncio.to_thread(prometheus.value, expression)
        wanted = truth if isinstance(truth, int | float) else await truth()
        if seen is not None and seen == wanted:
            return
        if loop.time() > deadline:
            raise AssertionError(f"{what}: Prometheus says {seen}, the server {wanted}")
        await asyncio.sleep(0.25)  # polling an outside process's API, no event to await


async def connect(url: str, nsp: str) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False, handle_sigint=False)
    await client.connect(url, transports=["websocket"], namespaces=[nsp], wait_timeout=10)
    return client


@pytest.mark.parametrize("flavour", ["python", pytest.param("node", marks=pytest.mark.node)])
def test_prometheus_scrapes_the_servers_truth(flavour: str) -> None:
    require(prometheus_missing())

    async def main() -> None:
        async with serving(flavour) as served:
            clients: list[socketio.AsyncClient] = []
            try:
                clients += await asyncio.gather(*(connect(served.url, "/") for _ in range(6)))
                clients += await asyncio.gather(*(connect(served.url, "/chat") for _ in range(9)))
                async with exporter_child(served.url) as address:
                    prometheus = PrometheusServer([address])
                    await asyncio.to_thread(prometheus.start)
                    try:
                        await check(served, prometheus, clients)
                    finally:
                        await asyncio.to_thread(prometheus.stop)
            finally:
                await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)

    asyncio.run(main())


async def check(
    served: Served, prometheus: PrometheusServer, clients: list[socketio.AsyncClient]
) -> None:
    target = f'target="{served.url}"'
    await agree(prometheus, f"sio_monitor_connected{{{target}}}", 1, "connected")
    await agree(prometheus, f"sio_server_up{{{target}}}", 1, "server up")
    clients_total = f"sum(sio_server_clients{{{target}}})"
    await agree(prometheus, clients_total, served.clients, "clients")
    assert await served.clients() == 15
    for nsp in ("/", "/chat"):
        series = f'sio_namespace_sockets{{{target},namespace="{nsp}"}}'
        await agree(prometheus, series, lambda nsp=nsp: served.sockets(nsp), f"sockets {nsp}")

    # A counted event: every call is acked by the server, so the acks are its own count.
    acked = 0
    for _ in range(7):
        replies = await asyncio.gather(
            *(c.call(served.call, "hi", timeout=10) for c in clients[:6])
        )
        acked += sum(1 for reply in replies if reply)
    assert acked == 42
    counted = f'sio_events_received_total{{{target},namespace="/",event="{served.call}"}}'
    await agree(prometheus, counted, acked, f"{served.call} events")

    # Churn: a third leave; the clients and /chat's sockets follow the server down.
    gone = f"sum(sio_disconnections_total{{{target}}})"
    closed = await asyncio.to_thread(prometheus.value, gone) or 0
    leaving = clients[9:]
    await asyncio.gather(*(c.disconnect() for c in leaving))
    del clients[9:]
    await agree(prometheus, clients_total, 9, "clients after churn")
    assert await served.clients() == 9
    await agree(prometheus, gone, closed + len(leaving), "engine connections closed")
    reasons = {
        series["metric"]["reason"]
        for series in await asyncio.to_thread(
            prometheus.query, f"sum by (reason) (sio_disconnections_total{{{target}}})"
        )
    }
    # Node names each disconnection's reason; python-socketio gives none.
    assert (reasons == {"(no reason given)"}) == (served.flavour == "python"), reasons
    chat = f'sio_namespace_sockets{{{target},namespace="/chat"}}'
    await agree(prometheus, chat, lambda: served.sockets("/chat"), "sockets /chat after churn")

    # Counters: three newcomers; what the servers reported before counts from the baseline.
    connections = f"sum(sio_connections_total{{{target}}})"
    before = await asyncio.to_thread(prometheus.value, connections)
    assert before is not None and before >= 1  # this exporter's own admin connection at least
    clients += await asyncio.gather(*(connect(served.url, "/chat") for _ in range(3)))
    await agree(prometheus, connections, before + 3, "engine connections opened")
    # Events the server sends: python's /chat announces newcomers; Node broadcasts on request.
    if served.flavour == "node":
        assert await clients[0].call("broadcast", ("", "news", {"n": 1}), timeout=10)
    await check_dashboard(prometheus)


async def check_dashboard(prometheus: PrometheusServer) -> None:
    """Every query of the Grafana dashboard runs in Prometheus and finds series."""
    loop = asyncio.get_running_loop()
    for title, expression in dashboard_queries():
        query = expression.replace("$target", ".*").replace("$__rate_interval", "5s")
        deadline = loop.time() + AGREEMENT_TIMEOUT
        # A rate needs two scrapes of a series that the last moments may have started.
        while not await asyncio.to_thread(prometheus.query, query):
            assert loop.time() < deadline, f"the panel {title!r} stays empty: {query}"
            await asyncio.sleep(0.25)  # polling an outside process's API, no event to await
