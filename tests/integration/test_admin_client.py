"""The admin client against real servers: it connects, and every failure reads as a sentence."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable

import pytest
import socketio
from aiohttp import web

from sio_monitor.domain.events import (
    AllSocketsReceived,
    ConfigReceived,
    ConnectionChanged,
    ConnectionState,
    DomainEvent,
    FailureKind,
    ServerStatsReceived,
    SessionReceived,
)
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.net.admin import AdminClient
from sio_monitor.net.demo import DemoServer
from tests.peers.launch import NodePeer, node_available
from tests.support.net import Recorder, free_port
from tests.support.skips import require

pytestmark = pytest.mark.network


def state_is(state: ConnectionState) -> Callable[[DomainEvent], bool]:
    return lambda e: isinstance(e, ConnectionChanged) and e.state is state


@contextlib.asynccontextmanager
async def python_server(**options: object) -> AsyncIterator[DemoServer]:
    server = DemoServer(clients=0, stats_interval=0.5, **options)  # type: ignore[arg-type]
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def node_peer(*args: str) -> NodePeer:
    require(node_available())
    return NodePeer("admin_server.js", *args)


def test_python_server_connects_and_streams_config_snapshot_and_stats() -> None:
    async def main() -> Recorder:
        recorder = Recorder()
        async with python_server() as server:
            settings = ConnectionSettings(
                server.url, username=server.username or "", password=server.password or ""
            )
            client = AdminClient(settings, recorder)
            assert await client.connect()
            await recorder.wait_for(lambda e: isinstance(e, ServerStatsReceived))
            await client.close()
        return recorder

    recorder = asyncio.run(main())
    kinds = {type(e) for e in recorder.events}
    assert {ConfigReceived, AllSocketsReceived, ServerStatsReceived} <= kinds
    assert recorder.states()[:2] == [ConnectionState.CONNECTING, ConnectionState.CONNECTED]
    config = next(e for e in recorder.events if isinstance(e, ConfigReceived))
    assert "ALL_EVENTS" in config.features


@pytest.mark.parametrize("flavour", ["python", "node"])
def test_wrong_credentials_are_named_as_such(flavour: str) -> None:
    async def attempt(url: str) -> ConnectionChanged:
        recorder = Recorder()
        settings = ConnectionSettings(url, username="admin", password="wrong")
        client = AdminClient(settings, recorder)
        assert not await client.connect()
        await client.close()
        failed = await recorder.wait_for(state_is(ConnectionState.FAILED))
        assert isinstance(failed, ConnectionChanged)
        return failed

    async def with_python() -> ConnectionChanged:
        async with python_server(admin_password="right") as server:
            return await attempt(server.url)

    if flavour == "python":
        failed = asyncio.run(with_python())
    else:
        with node_peer("--auth", "admin:right") as peer:
            failed = asyncio.run(attempt(peer.url))
    assert failed.failure is FailureKind.CREDENTIALS
    assert failed.message.startswith("The server refused these admin credentials")


def test_node_server_sends_a_session_that_a_reconnect_can_use() -> None:
    async def main(url: str) -> Recorder:
        recorder = Recorder()
        client = AdminClient(ConnectionSettings(url, username="admin", password="pw"), recorder)
        assert await client.connect()
        await recorder.wait_for(lambda e: isinstance(e, SessionReceived))
        await recorder.wait_for(lambda e: isinstance(e, ConfigReceived))
        assert client._auth() is not None and "sessionId" in client._auth()  # type: ignore[operator]
        await client.close()
        return recorder

    with node_peer("--auth", "admin:pw") as peer:
        recorder = asyncio.run(main(peer.url))
    assert any(isinstance(e, ConfigReceived) for e in recorder.events)


def test_a_refused_port_names_host_and_port() -> None:
    port = free_port()

    async def main() -> ConnectionChanged:
        recorder = Recorder()
        client = AdminClient(ConnectionSettings(f"http://127.0.0.1:{port}"), recorder)
        assert not await client.connect()
        await client.close()
        failed = await recorder.wait_for(state_is(ConnectionState.FAILED))
        assert isinstance(failed, ConnectionChanged)
        return failed

    failed = asyncio.run(main())
    assert failed.failure is FailureKind.UNREACHABLE
    assert f"127.0.0.1:{port}" in failed.message


def test_a_silent_host_times_out_within_the_connect_timeout() -> None:
    """A listening socket that never answers stands in for a black-holed host."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]

        async def main() -> ConnectionChanged:
            recorder = Recorder()
            settings = ConnectionSettings(f"http://127.0.0.1:{port}", connect_timeout=1.0)
            client = AdminClient(settings, recorder)
            # A generous bound, only so that an attempt that never ends fails the test.
            assert not await asyncio.wait_for(client.connect(), 60)
            await client.close()
            failed = await recorder.wait_for(state_is(ConnectionState.FAILED))
            assert isinstance(failed, ConnectionChanged)
            return failed

        failed = asyncio.run(main())
    assert failed.failure is FailureKind.TIMEOUT
    assert f"127.0.0.1:{port}" in failed.message


def test_a_server_without_instrumentation_is_explained() -> None:
    async def main() -> ConnectionChanged:
        sio = socketio.AsyncServer(async_mode="aiohttp")
        app = web.Application()
        sio.attach(app)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        try:
            recorder = Recorder()
            client = AdminClient(ConnectionSettings(f"http://127.0.0.1:{port}"), recorder)
            await client.connect()
            failed = await recorder.wait_for(state_is(ConnectionState.FAILED))
            await client.close()
        finally:
            await runner.cleanup()
        assert isinstance(failed, ConnectionChanged)
        return failed

    failed = asyncio.run(main())
    assert failed.failure is FailureKind.NOT_INSTRUMENTED
    assert "does not look instrumented" in failed.message
    assert "instrument(" in failed.message


def test_connecting_to_the_main_namespace_gets_a_hint() -> None:
    """An instrumented server whose main namespace accepts us but sends no admin events."""

    async def main() -> ConnectionChanged:
        async with python_server(auth=False) as server:
            recorder = Recorder()
            settings = ConnectionSettings(server.url, admin_namespace="/")
            client = AdminClient(settings, recorder, instrumented_timeout=1.0)
            await client.connect()
            failed = await recorder.wait_for(state_is(ConnectionState.FAILED))
            await client.close()
        assert isinstance(failed, ConnectionChanged)
        return failed

    failed = asyncio.run(main())
    assert failed.failure is FailureKind.NOT_INSTRUMENTED
    assert "usually /admin" in failed.message


def test_a_restarted_server_is_reconnected_by_itself() -> None:
    port = free_port()

    async def main() -> Recorder:
        recorder = Recorder()
        first = DemoServer(clients=0, port=port, auth=False, stats_interval=0.5)
        await first.start()
        client = AdminClient(ConnectionSettings(first.url), recorder)
        assert await client.connect()
        await recorder.wait_for(lambda e: isinstance(e, ConfigReceived))
        await first.stop()
        await recorder.wait_for(state_is(ConnectionState.RECONNECTING))
        configs_before = sum(isinstance(e, ConfigReceived) for e in recorder.events)
        second = DemoServer(clients=0, port=port, auth=False, stats_interval=0.5)
        await second.start()
        try:
            await recorder.wait_for(
                lambda e: (
                    isinstance(e, ConfigReceived)
                    and sum(isinstance(x, ConfigReceived) for x in recorder.events) > configs_before
                ),
                timeout=15,
            )
        finally:
            await client.close()
            await second.stop()
        return recorder

    recorder = asyncio.run(main())
    states = recorder.states()
    reconnecting = states.index(ConnectionState.RECONNECTING)
    assert ConnectionState.CONNECTED in states[reconnecting:]
    again = [
        e for e in recorder.events if isinstance(e, ConnectionChanged) and "again" in e.message
    ]
    assert again, "the second connect says it is a reconnection"
