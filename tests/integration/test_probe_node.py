"""The probe client against real Node servers: socket.io 4.8, and socket.io 2.5 for the mismatch.

The scenarios are the ones the python-socketio server passes
(test_probe_python.py); tests/peers/probe_server.js serves the same events.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from sio_monitor.domain.emit.probe_events import ProbeState, ProbeStateChanged
from sio_monitor.domain.events import FailureKind
from sio_monitor.net.probe import ProbeClient
from tests.integration.probe_servers import node_probe_server
from tests.integration.test_admin_client import Recorder
from tests.integration.test_probe_python import (
    TRANSPORTS,
    check_acks_both_ways,
    check_echo_binary_and_catch_all,
    check_handshake_arrives,
    check_refusal,
    check_server_closing_a_namespace,
    probe_settings,
)
from tests.peers.launch import NodePeer

pytestmark = [pytest.mark.node, pytest.mark.network]


@pytest.fixture(scope="module")
def peer() -> Iterator[NodePeer]:
    with node_probe_server() as running:
        yield running


@pytest.fixture(scope="module")
def peer_v2() -> Iterator[NodePeer]:
    with node_probe_server("--v2") as running:
        yield running


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_echo_binary_and_catch_all(peer: NodePeer, transport: str) -> None:
    asyncio.run(check_echo_binary_and_catch_all(peer.url, transport))


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_headers_query_and_auth_arrive(peer: NodePeer, transport: str) -> None:
    asyncio.run(check_handshake_arrives(peer.url, transport))


def test_acks_both_ways_refusal_and_server_close(peer: NodePeer) -> None:
    async def main() -> None:
        await check_acks_both_ways(peer.url)
        await check_refusal(peer.url)
        await check_server_closing_a_namespace(peer.url)

    asyncio.run(main())


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_socket_io_2_is_named_with_the_supported_versions(
    peer_v2: NodePeer, transport: str
) -> None:
    async def main() -> tuple[ProbeClient, Recorder]:
        recorder = Recorder()
        client = ProbeClient(probe_settings(peer_v2.url, transport), recorder)
        assert not await client.connect()
        await client.close()
        return client, recorder

    client, recorder = asyncio.run(main())
    assert client.failure is FailureKind.PROTOCOL
    message = client.failure_message or ""
    assert "speaks Engine.IO 3 (Socket.IO 2.x)" in message
    assert "supports Socket.IO 3 and 4 servers (Engine.IO 4)" in message
    states = [e for e in recorder.events if isinstance(e, ProbeStateChanged)]
    assert [s.state for s in states] == [ProbeState.CONNECTING, ProbeState.DISCONNECTED]
    assert states[-1].message == message and states[-1].failure is FailureKind.PROTOCOL
