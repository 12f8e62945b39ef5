"""``sio-monitor exporter`` scraped by a real Prometheus, checked against the server's own truth.

The demo server (python-socketio with ``instrument()``) runs in this process
with plain clients; the exporter runs as the real command in a child process;
Debian's Prometheus scrapes it every 500 ms. What Prometheus's query API
returns must equal what the server itself holds: engine clients, sockets per
namespace, and events counted one by one (each acked by the server). Every
wait is for Prometheus to agree, polled through its API, with a timeout only
to fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
from collections.abc import AsyncIterator, Callable

import pytest
import socketio

from sio_monitor.net.demo import DemoServer
from tests.integration.prometheus_server import PrometheusServer, require_prometheus
from tests.unit.test_metrics_packaging import dashboard_queries

pytestmark = pytest.mark.network

AGREEMENT_TIMEOUT = 30.0


def engine_clients(server: DemoServer) -> int:
    """The server's engine connections, its admin ones left out (as the exporter counts)."""
    admin = server.sio.manager.rooms.get(server.admin_namespace, {}).get(None, {})
    return len(server.sio.eio.sockets) - len(admin)


def sockets_in(server: DemoServer, nsp: str) -> int:
    return len(server.sio.manager.rooms.get(nsp, {}).get(None, {}))


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
    prometheus: PrometheusServer, expression: str, truth: Callable[[], float], what: str
) -> None:
    """Poll Prometheus until ``expression`` equals the truth; fail with both after the timeout."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + AGREEMENT_TIMEOUT
    seen: float | None = None
    while True:
        seen = await asyncio.to_thread(prometheus.value, expression)
        if seen is not None and seen == truth():
            return
        if loop.time() > deadline:
            raise AssertionError(f"{what}: Prometheus says {seen}, the server {truth()}")
        await asyncio.sleep(0.25)  # polling an outside process's API, no event to await


async def connect(url: str, nsp: str) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False, handle_sigint=False)
    await client.connect(url, transports=["websocket"], namespaces=[nsp], wait_timeout=10)
    return client


def test_prometheus_scrapes_the_servers_truth() -> None:
    require_prometheus()

    async def main() -> None:
        server = DemoServer(clients=0, auth=False, stats_interval=0.5)
        # python-engineio counts a closed connection until its service task reaps it, within
        # one ping timeout: a short one lets the server's own count follow the churn soon.
        server.sio.eio.ping_timeout = 2
        await server.start()
        clients: list[socketio.AsyncClient] = []
        try:
            clients += await asyncio.gather(*(connect(server.url, "/") for _ in range(6)))
            clients += await asyncio.gather(*(connect(server.url, "/chat") for _ in range(9)))
            async with exporter_child(server.url) as address:
                prometheus = PrometheusServer([address])
                await asyncio.to_thread(prometheus.start)
                try:
                    await check(server, prometheus, clients)
                finally:
                    await asyncio.to_thread(prometheus.stop)
        finally:
            await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)
            await server.stop()

    asyncio.run(main())


async def check(
    server: DemoServer, prometheus: PrometheusServer, clients: list[socketio.AsyncClient]
) -> None:
    target = f'target="{server.url}"'
    await agree(prometheus, f"sio_monitor_connected{{{target}}}", lambda: 1, "connected")
    await agree(prometheus, f"sio_server_up{{{target}}}", lambda: 1, "server up")
    clients_total = f"sum(sio_server_clients{{{target}}})"
    await agree(prometheus, clients_total, lambda: engine_clients(server), "clients")
    assert engine_clients(server) == 15
    for nsp in ("/", "/chat"):
        series = f'sio_namespace_sockets{{{target},namespace="{nsp}"}}'
        await agree(prometheus, series, lambda nsp=nsp: sockets_in(server, nsp), f"sockets {nsp}")

    # A counted event: every call is acked by the server, so the acks are its own count.
    root = clients[:6]
    acked = 0
    for _ in range(7):
        replies = await asyncio.gather(*(c.call("whoami", timeout=10) for c in root))
        acked += sum(1 for reply in replies if reply and reply.get("sid"))
    assert acked == 42
    whoami = f'sio_events_received_total{{{target},namespace="/",event="whoami"}}'
    await agree(prometheus, whoami, lambda: acked, "whoami events")

    # Churn: a third leave; the clients and /chat's sockets follow the server down.
    gone = f"sum(sio_disconnections_total{{{target}}})"
    closed = await asyncio.to_thread(prometheus.value, gone) or 0
    leaving = clients[9:]
    await asyncio.gather(*(c.disconnect() for c in leaving))
    del clients[9:]
    await agree(prometheus, clients_total, lambda: 9, "clients after churn")
    assert engine_clients(server) == 9
    await agree(prometheus, gone, lambda: closed + len(leaving), "engine connections closed")
    chat = f'sio_namespace_sockets{{{target},namespace="/chat"}}'
    await agree(prometheus, chat, lambda: sockets_in(server, "/chat"), "sockets /chat after churn")

    # Counters: three newcomers, whom /chat announces to those already there (user_joined:
    # events the server sends). What the servers reported before counts from the baseline.
    connections = f"sum(sio_connections_total{{{target}}})"
    before = await asyncio.to_thread(prometheus.value, connections)
    assert before is not None and before >= 1  # this exporter's own admin connection at least
    clients += await asyncio.gather(*(connect(server.url, "/chat") for _ in range(3)))
    await agree(prometheus, connections, lambda: before + 3, "engine connections opened")
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
