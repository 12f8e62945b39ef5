"""Socket.IO 2.5 (Engine.IO 3) in the probe and ``sio-monitor emit``, against a real Node server.

tests/peers/probe_server.js --v2 serves the same events as the 4.x flavour. The
probe finds the version from the handshake and speaks it through net/eio3's
adaptation of python-socketio's client: every transport, binary both ways,
acks both ways, the catch-all, headers and query (Socket.IO 2 has no auth).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import pytest

from sio_monitor.domain.emit.probe_events import ProbeState, ProbeStateChanged
from tests.integration.probe_servers import (
    NAMESPACES,
    PROBE_HEADER,
    WELCOME_BLOB,
    node_probe_server,
)
from tests.peers.launch import NodePeer
from tests.support.probe_checks import (
    ACK,
    FINAL_TRANSPORT,
    TRANSPORTS,
    check_acks_both_ways,
    emit_command,
    probe_settings,
    probing,
    received,
)

pytestmark = [pytest.mark.node, pytest.mark.network]


@pytest.fixture(scope="module")
def peer_v2() -> Iterator[NodePeer]:
    with node_probe_server("--v2") as running:
        yield running


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_the_probe_speaks_socket_io_2_on_every_transport(peer_v2: NodePeer, transport: str) -> None:
    blob = bytes(range(256)) * 40 + os.urandom(3000)

    async def main() -> None:
        async with probing(probe_settings(peer_v2.url, transport)) as (client, recorder):
            assert client.socketio_version == 2
            assert client.transport == FINAL_TRANSPORT[transport]
            assert client.connected_namespaces == NAMESPACES
            assert client.sid_of("/chat") == f"/chat#{client.sid_of('/')}"
            for args in [
                (),
                ("one",),
                (1, 2.5, True, None, "två 😀", {"a": [1, {"b": None}]}, [[]]),
                (blob,),
                ("caption", {"file": blob, "parts": [b"", b"\x00", blob[:7]]}, blob[::-1]),
            ]:
                for namespace in NAMESPACES:
                    result = await client.emit(namespace, "echo", args, ack_timeout=ACK)
                    assert result.acked and result.reply == args
                    assert result.rtt_ms is not None and result.rtt_ms > 0
            for namespace in NAMESPACES:
                event = await recorder.wait_for(
                    lambda e, ns=namespace: (
                        getattr(e, "event", None) == "welcome" and e.namespace == ns
                    )
                )
                name, sid, data, nested = event.args
                assert (name, data, nested) == (namespace, WELCOME_BLOB, {"nested": b"\x00\xff"})
                assert sid == client.sid_of(namespace)
            states = [e for e in recorder.events if isinstance(e, ProbeStateChanged)]
            assert states[-1].state is ProbeState.CONNECTED
            assert states[-1].message.endswith("The server speaks Socket.IO 2 (Engine.IO 3).")

    asyncio.run(main())


def test_acks_both_ways_and_the_handshake_on_socket_io_2(peer_v2: NodePeer) -> None:
    async def main() -> None:
        await check_acks_both_ways(peer_v2.url)
        settings = probe_settings(
            peer_v2.url,
            "both",
            headers={PROBE_HEADER: "h-123"},
            query={"room": "lobby"},
            auth={"token": "never sent"},
        )
        async with probing(settings) as (client, recorder):
            states = [e for e in recorder.events if isinstance(e, ProbeStateChanged)]
            assert "takes no auth payload: the auth given was not sent" in states[-1].message
            for namespace in NAMESPACES:
                (seen,) = (await client.emit(namespace, "whoami", (), ack_timeout=ACK)).reply
                assert seen["headers"][PROBE_HEADER.lower()] == "h-123"
                assert seen["query"]["room"] == "lobby" and seen["query"]["EIO"] == "3"
                assert seen["requests"]["withHeader"] == seen["requests"]["total"]
            assert received(recorder, "welcome", "/chat")
            preview = dict(parse_qsl(urlsplit(settings.handshake_url(engine_io=3)).query))
            assert preview["EIO"] == "3" and preview["b64"] == "1"

    asyncio.run(main())


def test_emit_with_ack_prints_every_reply_argument_of_a_socket_io_2_server(
    peer_v2: NodePeer,
) -> None:
    async def main() -> None:
        code, out, err = await emit_command(
            peer_v2.url, "echo", "42", "hello", '{"a": [1, null]}', "--ack", "--json", "true"
        )
        assert (code, err) == (0, "")
        document = json.loads(out)
        assert document["reply"] == [42, "hello", {"a": [1, None]}, True]
        assert document["socketIO"] == "2" and document["acked"] is True

        code, out, err = await emit_command(
            peer_v2.url, "echo", "x", "2", "--ack", "--namespace", "/chat", "--transport", "polling"
        )
        assert (code, err) == (0, "")
        lines = out.splitlines()
        assert lines[1].startswith("Ack in ") and lines[1].endswith(" ms with 2 arguments:")
        assert lines[2:] == ['  1  "x"', "  2  2"]

    asyncio.run(main())
