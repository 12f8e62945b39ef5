"""Clusters behind a real Redis adapter, and reconnection, against real server processes.

Three python-socketio nodes (``tests/integration/cluster_node.py``) or three
Node ``admin_server.js --redis`` nodes share one Redis; clients are spread
over them and the monitor's session connects to one node. Every check holds
the monitor's picture against the servers' own truth (``GET /truth`` of each
live node), and every wait re-checks a condition each time the bridge applies
a batch, within a deadline: nothing sleeps to synchronise.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import socketio

from sio_monitor.domain.events import (
    ClockTicked,
    ConnectionChanged,
    ConnectionState,
    DomainEvent,
    FailureKind,
    ReconnectScheduled,
)
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.domain.topology.topology import Topology
from sio_monitor.net.admin import AdminClient, Backoff
from sio_monitor.net.demo import DemoServer
from sio_monitor.qt.loop import BatchedQEventLoop
from sio_monitor.qt.session import HEALTH_MARGIN, MonitorSession
from sio_monitor.ui.connection.reconnect_banner import ReconnectBanner
from sio_monitor.ui.overview.overview import OverviewPanel
from tests.integration.cluster_node import ClusterNode
from tests.integration.redis_server import RedisServer, redis_server  # noqa: F401
from tests.peers.launch import NodePeer, fetch_truth, node_available
from tests.qt.screens import save_screenshot
from tests.qt.waiting import until
from tests.support.net import Recorder
from tests.support.skips import require

pytestmark = pytest.mark.network

APP_NAMESPACES = ("/", "/chat")
STATS_INTERVAL = 0.5
PING_INTERVAL = 1.0  # python nodes re-announce each socket at every ping
SPREAD = (2, 3, 4)  # clients per node
Picture = dict[str, set[str]]


# --- helpers ------------------------------------------------------------------------------


async def connect_clients(url: str, count: int) -> list[socketio.AsyncClient]:
    clients = []
    for _ in range(count):
        client = socketio.AsyncClient(
            reconnection_delay=0.2, reconnection_delay_max=1.0, handle_sigint=False
        )
        await client.connect(
            f"{url}?rooms=lobby", namespaces=list(APP_NAMESPACES), transports=["websocket"]
        )
        clients.append(client)
    return clients


async def drop_clients(clients: list[socketio.AsyncClient]) -> None:
    for client in clients:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.shutdown(), 2.0)


async def truth(*urls: str) -> tuple[Picture, set[str], int]:
    """The live nodes' sockets per namespace, /chat's lobby, and their engine clients."""
    picture: Picture = {nsp: set() for nsp in APP_NAMESPACES}
    lobby: set[str] = set()
    clients = 0
    for document in [await fetch_truth(url) for url in urls]:
        for nsp in APP_NAMESPACES:
            picture[nsp] |= set(document["namespaces"][nsp]["sockets"])
        lobby |= set(document["namespaces"]["/chat"]["rooms"].get("lobby", []))
        clients += document.get("clients", 0)  # python nodes only
    return picture, lobby, clients


def picture_of(topology: Topology) -> Picture:
    return {nsp: {s.id for s in topology.sockets(nsp)} for nsp in APP_NAMESPACES}


def lobby_of(topology: Topology) -> set[str]:
    room = topology.room("/chat", "lobby")
    return set(room.members) if room is not None else set()


def healthy_ids(topology: Topology) -> set[str]:
    return {server.server_id for server in topology.servers() if server.healthy}


class Journal:
    """Every event the bridge applied, and the moment each server was judged down."""

    def __init__(self, session: MonitorSession) -> None:
        self.session = session
        self.events: list[DomainEvent] = []
        self.verdicts: dict[str, tuple[float | None, float | None]] = {}  # id: (tick, armed)
        self._tick: float | None = None
        self._armed: float | None = session.health_due
        session.bridge.events_applied.connect(self._events)
        session.bridge.batch_applied.connect(self._batch)

    def _events(self, batch: list[DomainEvent]) -> None:
        self.events.extend(batch)
        ticks = [event.at for event in batch if isinstance(event, ClockTicked)]
        self._tick = ticks[-1] if ticks else None

    def _batch(self, changes: object) -> None:
        topology = self.session.bridge.topology
        for server in topology.servers():
            if not server.healthy and server.server_id not in self.verdicts:
                self.verdicts[server.server_id] = (self._tick, self._armed)
        self._armed = self.session.health_due


async def settled(session: MonitorSession, urls: list[str], timeout: float = 20.0) -> None:
    """Wait until the monitor's sockets and lobby equal the live nodes' own."""
    expected, lobby, _ = await truth(*urls)
    topology = lambda: session.bridge.topology  # noqa: E731
    try:
        await until(
            lambda: picture_of(topology()) == expected and lobby_of(topology()) == lobby,
            session.bridge.batch_applied,
            timeout,
        )
    except TimeoutError:
        shown = picture_of(topology())
        missing = {nsp: sorted(expected[nsp] - shown[nsp]) for nsp in APP_NAMESPACES}
        extra = {nsp: sorted(shown[nsp] - expected[nsp]) for nsp in APP_NAMESPACES}
        lobby_diff = sorted(lobby ^ lobby_of(topology()))
        raise AssertionError(
            f"the monitor never matched the servers: missing {missing}, extra {extra}, "
            f"lobby differs by {lobby_diff}"
        ) from None
    for nsp in APP_NAMESPACES:  # one row per socket: nothing twice
        assert topology().socket_count(nsp) == len(expected[nsp])


@contextlib.asynccontextmanager
async def cluster(start: Callable[[int], Any]) -> AsyncIterator[tuple[list[Any], list[Any]]]:
    """Three nodes from ``start(index)``, with SPREAD clients on each; all stopped after."""
    nodes: list[Any] = []
    clients: list[list[socketio.AsyncClient]] = []
    try:
        for index, count in enumerate(SPREAD):
            nodes.append(start(index))
            clients.append(await connect_clients(nodes[-1].url, count))
        yield nodes, clients
    finally:
        for group in clients:
            await drop_clients(group)
        for node in nodes:
            node.stop()


def python_cluster(redis_url: str) -> contextlib.AbstractAsyncContextManager[Any]:
    options = ("--stats-interval", str(STATS_INTERVAL), "--ping-interval", str(PING_INTERVAL))
    return cluster(lambda i: ClusterNode(redis_url, f"node-{i}", *options).start())


# --- python-socketio cluster ----------------------------------------------------------------


def test_python_cluster_node_dies_and_comes_back(
    app_loop: BatchedQEventLoop,
    redis_server: RedisServer,  # noqa: F811
) -> None:
    async def main() -> None:
        async with python_cluster(redis_server.url) as (nodes, _):
            session = MonitorSession()
            journal = Journal(session)
            topology = lambda: session.bridge.topology  # noqa: E731
            try:
                assert await session.connect_to(ConnectionSettings(nodes[0].url))
                await check_cluster(session, journal, nodes, topology)
            finally:
                await session.disconnect()

    app_loop.run_until_complete(main())


async def check_cluster(
    session: MonitorSession,
    journal: Journal,
    nodes: list[ClusterNode],
    topology: Callable[[], Topology],
) -> None:
    everyone = ["node-0", "node-1", "node-2"]
    urls = [node.url for node in nodes]
    await until(lambda: healthy_ids(topology()) == set(everyone), session.bridge.batch_applied)
    await settled(session, urls)
    _, _, engine_clients = await truth(*urls)
    assert engine_clients == sum(SPREAD) + 1  # the monitor's own admin connection too
    await until(
        lambda: sum(s.clients_count for s in topology().servers()) == engine_clients,
        session.bridge.batch_applied,
    )
    assert topology().is_complete() and topology().unreported_servers() == []

    # SIGKILL: no goodbye, so only the silence can tell.
    doomed, _, _ = await truth(nodes[2].url)
    nodes[2].kill()
    await until(lambda: "node-2" not in healthy_ids(topology()), session.bridge.batch_applied)
    server = topology().server("node-2")
    assert server is not None and server.went_down == 1
    assert abs(server.interval - STATS_INTERVAL) < 0.2, "the interval is learnt from its stats"
    tick, armed = journal.verdicts["node-2"]
    deadline = server.deadline(0.0)
    assert tick is not None, "a verdict comes from the clock, not from a message"
    assert tick >= deadline, "never judged before three intervals of silence"
    assert armed == pytest.approx(deadline + HEALTH_MARGIN, abs=1e-6), "armed for the deadline"
    assert healthy_ids(topology()) == {"node-0", "node-1"}

    await settled(session, urls[:2])
    for nsp in APP_NAMESPACES:
        assert not doomed[nsp] & picture_of(topology())[nsp], "the dead node's sockets are gone"
    assert session.resyncs >= 1
    overview = OverviewPanel(session.bridge)
    overview.resize(900, 300)
    assert "3 servers (1 not reporting)" in overview.summary.text()
    assert overview.servers.item(2, 6).text().startswith("no stats for")
    save_screenshot(overview, "overview_cluster_node_down")
    assert topology().reported_socket_count("/") == SPREAD[0] + SPREAD[1]
    assert topology().is_complete()

    # The node comes back on its port; its clients reconnect by themselves.
    before = len(journal.events)
    nodes[2].start(port=nodes[2].port)
    await until(lambda: healthy_ids(topology()) == set(everyone), session.bridge.batch_applied)
    assert topology().server("node-2").went_down == 1  # type: ignore[union-attr]
    await until(
        lambda: len(picture_of(topology())["/"]) == sum(SPREAD), session.bridge.batch_applied
    )
    await settled(session, urls)
    states = [e.state for e in journal.events[before:] if isinstance(e, ConnectionChanged)]
    assert states == [], "healthy again without a reconnect"


# --- reconnection ---------------------------------------------------------------------------


class CuttableProxy:
    """A TCP relay to a server that a test can cut and restore: a network outage on demand."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._writers |= {writer, up_writer}

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


def test_reconnect_rebuilds_the_cluster_picture_without_ghosts(
    app_loop: BatchedQEventLoop,
    redis_server: RedisServer,  # noqa: F811
) -> None:
    async def main() -> None:
        async with python_cluster(redis_server.url) as (nodes, clients):
            proxy = CuttableProxy(nodes[0].port)
            await proxy.open()
            # A wait far longer than the test: only "reconnect now" can bring it back in time.
            session = MonitorSession(backoff=Backoff(first=600.0, cap=600.0))
            banner = ReconnectBanner(session)
            journal = Journal(session)
            topology = lambda: session.bridge.topology  # noqa: E731
            urls = [node.url for node in nodes]
            try:
                assert await session.connect_to(ConnectionSettings(proxy.url))
                await settled(session, urls)

                await proxy.cut()
                await until(lambda: topology().reconnect is not None, session.bridge.batch_applied)
                scheduled = topology().reconnect
                assert scheduled is not None and scheduled.attempt == 1
                assert 300.0 <= scheduled.retry_at - scheduled.at <= 600.0  # jittered, capped
                assert not banner.isHidden() and "Reconnecting in" in banner.message.text()

                # While away: one client leaves each of two nodes, a new one joins each.
                gone = [clients[0].pop(), clients[2].pop()]
                gone_ids = {client.get_sid("/") for client in gone}
                await drop_clients(gone)
                clients[0] += await connect_clients(nodes[0].url, 1)
                clients[2] += await connect_clients(nodes[2].url, 1)
                new_ids = {clients[0][-1].get_sid("/"), clients[2][-1].get_sid("/")}

                await proxy.open()
                banner.button.click()  # "Reconnect now": the 300 s wait is cut short
                await until(
                    lambda: topology().connection is ConnectionState.CONNECTED,
                    session.bridge.batch_applied,
                )
                assert topology().reconnect is None and banner.isHidden()
                await settled(session, urls)
                shown = picture_of(topology())["/"]
                assert not gone_ids & shown and new_ids <= shown
                assert topology().reported_socket_count("/") == sum(SPREAD)
                schedules = [e for e in journal.events if isinstance(e, ReconnectScheduled)]
                assert [s.attempt for s in schedules] == [1]
            finally:
                await session.disconnect()
                await proxy.cut()

    app_loop.run_until_complete(main())


def test_a_server_back_with_other_credentials_ends_the_retries() -> None:
    def refused(event: DomainEvent) -> bool:
        return isinstance(event, ConnectionChanged) and event.failure is not None

    async def main() -> list[DomainEvent]:
        recorder = Recorder()
        first = DemoServer(clients=0, port=0, admin_password="first", stats_interval=0.5)
        await first.start()
        settings = ConnectionSettings(first.url, username="admin", password="first")
        client = AdminClient(settings, recorder, backoff=Backoff(first=0.05, cap=0.2))
        second = DemoServer(clients=0, port=first.port, admin_password="second")
        try:
            assert await client.connect()
            await first.stop()
            await second.start()
            await recorder.wait_for(refused, timeout=15)
            assert not client.reconnecting, "a refusal ends the retries"
        finally:
            await client.close()
            await second.stop()
        return recorder.events

    events = asyncio.run(main())
    failed = next(e for e in events if refused(e))
    assert isinstance(failed, ConnectionChanged)
    assert failed.failure is FailureKind.CREDENTIALS and "refused" in failed.message
    attempts = [e.attempt for e in events if isinstance(e, ReconnectScheduled)]
    assert attempts == list(range(1, len(attempts) + 1)), "each wait announced, in order"


# --- Node socket.io with @socket.io/redis-adapter -------------------------------------------


def node_cluster_peer(redis_url: str, index: int, port: int = 0) -> NodePeer:
    """A Node node; serverIds are set because admin-ui gives every node the hostname."""
    args = ("--redis", redis_url, "--server-id", f"node-{index}", "--no-auth")
    return NodePeer("admin_server.js", *args, "--port", str(port))


@pytest.mark.node
def test_node_cluster_node_dies_and_comes_back(
    app_loop: BatchedQEventLoop,
    redis_server: RedisServer,  # noqa: F811
) -> None:
    require(node_available())

    async def main() -> None:
        start = lambda i: node_cluster_peer(redis_server.url, i).start()  # noqa: E731
        async with cluster(start) as (peers, _):
            session = MonitorSession()
            topology = lambda: session.bridge.topology  # noqa: E731
            urls = [peer.url for peer in peers]
            everyone = {"node-0", "node-1", "node-2"}
            try:
                assert await session.connect_to(ConnectionSettings(peers[0].url))
                await until(
                    lambda: healthy_ids(topology()) == everyone, session.bridge.batch_applied
                )
                await settled(session, urls)  # one snapshot holds the cluster: fetchSockets
                assert topology().is_complete()

                doomed, _, _ = await truth(peers[2].url)
                assert peers[2].process is not None
                peers[2].process.kill()  # SIGKILL
                await until(
                    lambda: "node-2" not in healthy_ids(topology()),
                    session.bridge.batch_applied,
                    timeout=30,  # admin-ui's stats interval is a fixed 2 s
                )
                await settled(session, urls[:2])
                for nsp in APP_NAMESPACES:
                    assert not doomed[nsp] & picture_of(topology())[nsp]
                assert session.resyncs >= 1

                port = peers[2].port
                peers[2].stop()
                peers[2] = node_cluster_peer(redis_server.url, 2, port).start()
                await until(
                    lambda: healthy_ids(topology()) == everyone, session.bridge.batch_applied
                )
                await until(
                    lambda: len(picture_of(topology())["/"]) == sum(SPREAD),
                    session.bridge.batch_applied,
                )
                await settled(session, urls)
            finally:
                await session.disconnect()

    app_loop.run_until_complete(main())
