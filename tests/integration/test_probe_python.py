"""The probe client against a real python-socketio server on 127.0.0.1.

The scenarios (tests/support/probe_checks.py) take a server URL and are
shared with the Node tests (test_probe_node.py, test_socketio_2.py). Nothing
sleeps; every wait is for an event, with a timeout.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from sio_monitor.domain.emit.probe_events import (
    ProbeEmitted,
    ProbeState,
    ProbeStateChanged,
)
from sio_monitor.domain.events import FailureKind
from sio_monitor.net.probe import EmitError, ProbeClient
from tests.integration.probe_servers import (
    NAMESPACES,
    PythonProbeServer,
    python_probe_server,
    self_signed_certificate,
)
from tests.support.net import Recorder, free_port
from tests.support.probe_checks import (
    ACK,
    FINAL_TRANSPORT,
    TRANSPORTS,
    check_acks_both_ways,
    check_echo_binary_and_catch_all,
    check_handshake_arrives,
    check_refusal,
    check_server_closing_a_namespace,
    probe_settings,
    probing,
)

pytestmark = pytest.mark.network

# --- the python-socketio server ------------------------------------------------------------


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_echo_binary_and_catch_all(transport: str) -> None:
    async def main() -> None:
        async with python_probe_server() as server:
            await check_echo_binary_and_catch_all(server.url, transport)

    asyncio.run(main())


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_headers_query_and_auth_arrive(transport: str) -> None:
    async def main() -> None:
        async with python_probe_server() as server:
            await check_handshake_arrives(server.url, transport)

    asyncio.run(main())


def test_acks_both_ways_refusal_and_server_close() -> None:
    async def main() -> None:
        async with python_probe_server() as server:
            await check_acks_both_ways(server.url)
            await check_refusal(server.url)
            await check_server_closing_a_namespace(server.url)

    asyncio.run(main())


def test_emit_refuses_what_cannot_be_sent() -> None:
    async def main() -> None:
        async with (
            python_probe_server() as server,
            probing(probe_settings(server.url, namespaces=("/",))) as (client, recorder),
        ):
            for namespace, event, timeout, sentence in [
                ("/", "connect", None, "reserved"),
                ("/", "", None, "event name"),
                ("/chat", "echo", None, "not one of the namespaces"),
                ("/", "echo", 0.0, "more than 0"),
            ]:
                with pytest.raises(EmitError, match=sentence):
                    await client.emit(namespace, event, (), ack_timeout=timeout)
            assert not [e for e in recorder.events if isinstance(e, ProbeEmitted)]

    asyncio.run(main())


def test_unreachable_and_silent_servers_are_told_apart() -> None:
    async def main() -> None:
        held: list[asyncio.StreamWriter] = []  # accepted, never answered

        async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            held.append(writer)

        silent = await asyncio.start_server(hold, "127.0.0.1", 0)
        port = silent.sockets[0].getsockname()[1]
        try:
            results = {}
            for name, url, timeout in [
                ("refused", f"http://127.0.0.1:{free_port()}", 5.0),
                ("silent", f"http://127.0.0.1:{port}", 0.5),
            ]:
                client = ProbeClient(probe_settings(url, connect_timeout=timeout), Recorder())
                assert not await client.connect()
                await client.close()
                results[name] = (client.failure, client.failure_message or "")
        finally:
            silent.close()
            for writer in held:
                writer.close()
        assert results["refused"][0] is FailureKind.UNREACHABLE
        assert "the connection was refused" in results["refused"][1]
        assert results["silent"][0] is FailureKind.TIMEOUT
        assert "No answer" in results["silent"][1]

    asyncio.run(main())


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_tls_with_a_ca_bundle_or_without_verification(tmp_path: Path, transport: str) -> None:
    context, bundle = self_signed_certificate(tmp_path)

    async def main() -> None:
        async with python_probe_server(tls=context) as server:
            for options in ({"ca_file": str(bundle)}, {"verify_tls": False}):
                settings = probe_settings(server.url, transport, **options)
                async with probing(settings) as (client, _recorder):
                    assert client.transport == FINAL_TRANSPORT[transport]
                    result = await client.emit("/", "echo", (b"\x00tls",), ack_timeout=ACK)
                    assert result.reply == (b"\x00tls",)
            client = ProbeClient(probe_settings(server.url, transport), Recorder())
            assert not await client.connect()
            await client.close()
            assert client.failure is FailureKind.UNREACHABLE
            assert "TLS certificate of 127.0.0.1 could not be verified" in (
                client.failure_message or ""
            )

    asyncio.run(main())


def test_reconnects_when_the_server_comes_back() -> None:
    def state(wanted: ProbeState, text: str = "") -> Any:
        return lambda e: (
            isinstance(e, ProbeStateChanged) and e.state is wanted and text in e.message
        )

    async def main() -> None:
        first = await PythonProbeServer().start()
        recorder = Recorder()
        settings = probe_settings(
            first.url, reconnection=True, reconnection_delay=0.1, reconnection_delay_max=0.5
        )
        client = ProbeClient(settings, recorder)
        try:
            assert await client.connect()
            await first.stop()
            lost = await recorder.wait_for(state(ProbeState.RECONNECTING))
            assert isinstance(lost, ProbeStateChanged) and lost.namespaces == ()
            second = await PythonProbeServer(port=first.port).start()
            try:
                back = await recorder.wait_for(state(ProbeState.CONNECTED, "Connected again"))
                assert isinstance(back, ProbeStateChanged) and back.namespaces == NAMESPACES
                reply = await client.emit("/chat", "echo", ("back",), ack_timeout=ACK)
                assert reply.reply == ("back",)
            finally:
                await second.stop()
        finally:
            await client.close()
        assert recorder.events[-1] == ProbeStateChanged(
            ProbeState.DISCONNECTED, "Disconnected.", recorder.events[-1].at
        )

    asyncio.run(main())
