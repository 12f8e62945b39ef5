"""The probe client against a real Node socket.io 4.8 server (2.5: test_socketio_2.py).

The scenarios are the ones the python-socketio server passes
(test_probe_python.py); tests/peers/probe_server.js serves the same events.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from tests.integration.probe_servers import node_probe_server
from tests.peers.launch import NodePeer
from tests.support.probe_checks import (
    TRANSPORTS,
    check_acks_both_ways,
    check_echo_binary_and_catch_all,
    check_handshake_arrives,
    check_refusal,
    check_server_closing_a_namespace,
)

pytestmark = [pytest.mark.node, pytest.mark.network]


@pytest.fixture(scope="module")
def peer() -> Iterator[NodePeer]:
    with node_probe_server() as running:
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
