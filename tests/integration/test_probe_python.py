"""The probe client against a real python-socketio server on 127.0.0.1.

The scenarios here take a server URL and are shared with the Node tests
(test_probe_node.py): each one connects a ProbeClient, drives the server's
test events (see probe_servers.py) and checks both what the client reports
and what the server says it received. Nothing sleeps; every wait is for an
event, with a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from sio_monitor.domain.emit.probe_events import (
    ProbeAckReceived,
    ProbeAckTimedOut,
    ProbeEmitted,
    ProbeEventReceived,
    ProbeState,
    ProbeStateChanged,
)
from sio_monitor.domain.emit.probe_settings import ProbeSettings
from sio_monitor.domain.events import FailureKind
from sio_monitor.net.probe import EmitError, ProbeClient
from tests.integration.probe_servers import (
    DENIED,
    NAMESPACES,
    PROBE_HEADER,
    WELCOME_BLOB,
    PythonProbeServer,
    python_probe_server,
    self_signed_certificate,
)
from tests.support.net import Recorder, free_port

pytestmark = pytest.mark.network

TRANSPORTS = ["websocket", "polling", "both"]
ACK = 10.0  # generous ack timeout for calls that must be acked
#: What each transport setting ends on (both: polling, then the upgrade).
FINAL_TRANSPORT = {"websocket": "websocket", "polling": "polling", "both": "websocket"}


def probe_settings(url: str, transport: str = "websocket", **overrides: Any) -> ProbeSettings:
    values: dict[str, Any] = {
        "namespaces": NAMESPACES,
        "transport": transport,
        "connect_timeout": 10.0,
        "reconnection": False,
    }
    return ProbeSettings(url, **{**values, **overrides}).validated()


@contextlib.asynccontextmanager
async def probing(settings: ProbeSettings) -> AsyncIterator[tuple[ProbeClient, Recorder]]:
    recorder = Recorder()
    client = ProbeClient(settings, recorder)
    try:
        assert await client.connect(), client.failure_message
        yield client, recorder
    finally:
        await client.close()


def received(recorder: Recorder, event: str, namespace: str) -> list[ProbeEventReceived]:
    return [
        e
        for e in recorder.events
        if isinstance(e, ProbeEventReceived) and e.event == event and e.namespace == namespace
    ]


# --- scenarios, shared with the Node tests -------------------------------------------------


async def check_echo_binary_and_catch_all(url: str, transport: str) -> None:
    """Acks with zero, one and many arguments; binary both ways; unprompted events caught."""
    blob = bytes(range(256)) * 40 + os.urandom(3000)  # 13 kB, every byte value
    async with probing(probe_settings(url, transport)) as (client, recorder):
        assert client.state is ProbeState.CONNECTED
        assert client.transport == FINAL_TRANSPORT[transport]
        assert client.connected_namespaces == NAMESPACES
        for args in [
            (),
            ("one",),
            (1, 2.5, True, None, "två", {"a": [1, {"b": None}]}, [[]]),
            (blob,),
            ("caption", {"file": blob, "parts": [b"", b"\x00", blob[:7]]}, blob[::-1]),
        ]:
            for namespace in NAMESPACES:
                result = await client.emit(namespace, "echo", args, ack_timeout=ACK)
                assert result.acked and not result.timed_out
                assert result.reply == args  # every argument, in order, binary byte-exact
                assert result.rtt_ms is not None and result.rtt_ms > 0
                emitted = [e for e in recorder.events if isinstance(e, ProbeEmitted)]
                acks = [e for e in recorder.events if isinstance(e, ProbeAckReceived)]
                assert emitted[-1].emit_id == acks[-1].emit_id == result.emit_id
                assert emitted[-1].args == args and emitted[-1].ack_timeout == ACK
                assert acks[-1].args == args
        for namespace in NAMESPACES:
            event = await recorder.wait_for(
                lambda e, ns=namespace: (
                    isinstance(e, ProbeEventReceived) and e.event == "welcome" and e.namespace == ns
                )
            )
            assert isinstance(event, ProbeEventReceived)
            name, sid, data, nested = event.args
            assert (name, data, nested) == (namespace, WELCOME_BLOB, {"nested": b"\x00\xff"})
            assert sid == client.sid_of(namespace)
            assert event.acked_with is None  # the server did not ask for an ack
        # The state comes first, even for events that arrived while connecting.
        kinds = [type(e) for e in recorder.events]
        connected = recorder.events[kinds.index(ProbeStateChanged, 1)]
        assert isinstance(connected, ProbeStateChanged)
        assert kinds.index(ProbeStateChanged, 1) < kinds.index(ProbeEventReceived)
        assert (connected.state, connected.sid, connected.namespaces) == (
            ProbeState.CONNECTED,
            client.sid_of("/"),
            NAMESPACES,
        )
        assert connected.message == (
            f"Connected to {client.settings.where} as {client.sid} "
            f"over {FINAL_TRANSPORT[transport]} on /, /chat."
        )


async def check_handshake_arrives(url: str, transport: str) -> None:
    """Headers, query and auth reach the server, on every namespace, over this transport."""
    settings = probe_settings(
        url,
        transport,
        headers={PROBE_HEADER: "h-123"},
        query={"room": "lobby", "odd": "a=b&c"},
        auth={"token": "t-456", "nested": {"n": [1, 2]}},
    )
    expected_query = dict(parse_qsl(urlsplit(settings.handshake_url()).query))
    async with probing(settings) as (client, _recorder):
        for namespace in NAMESPACES:
            for _ in range(3):  # some traffic, so that polling makes requests after the handshake
                await client.emit(namespace, "echo", ("x",), ack_timeout=ACK)
            result = await client.emit(namespace, "whoami", (), ack_timeout=ACK)
            (seen,) = result.reply
            assert seen["headers"][PROBE_HEADER.lower()] == "h-123"
            assert seen["auth"] == {"token": "t-456", "nested": {"n": [1, 2]}}
            query = {k: v for k, v in seen["query"].items() if k != "t"}
            assert query == expected_query  # the preview is what was requested
            assert query["odd"] == "a=b&c"
            assert seen["transport"] == FINAL_TRANSPORT[transport]
            requests = seen["requests"]
            assert requests["withHeader"] == requests["total"]  # every poll, not just the first
            if transport == "polling":
                assert requests["total"] >= 1


async def check_acks_both_ways(url: str) -> None:
    """No ack in time is a result; a server's ack request gets the reply set for its event."""
    async with probing(probe_settings(url)) as (client, recorder):
        client.ack_replies["question"] = ("yes", 42, b"\x01\x02", {"deep": [b"\xff"]})
        result = await client.emit("/chat", "ask", ("question", "why?", b"\x07"), ack_timeout=ACK)
        assert result.reply == (["yes", 42, b"\x01\x02", {"deep": [b"\xff"]}],)
        (asked,) = received(recorder, "question", "/chat")
        assert asked.args == ("why?", b"\x07")
        assert asked.acked_with == ("yes", 42, b"\x01\x02", {"deep": [b"\xff"]})

        result = await client.emit("/", "ask", ("unconfigured",), ack_timeout=ACK)
        assert result.reply == ([],)  # answered, with no arguments
        (asked,) = received(recorder, "unconfigured", "/")
        assert asked.acked_with == ()

        result = await client.emit("/", "ignored", (1,), ack_timeout=0.3)
        assert (result.acked, result.timed_out, result.reply, result.rtt_ms) == (
            False,
            True,
            (),
            None,
        )
        timed_out = recorder.events[-1]
        assert isinstance(timed_out, ProbeAckTimedOut)
        assert (timed_out.emit_id, timed_out.timeout) == (result.emit_id, 0.3)

        result = await client.emit("/", "echo", ("no ack asked",))
        assert (result.acked, result.timed_out) == (False, False)
        # The connection still works after all of that.
        assert (await client.emit("/", "echo", (1,), ack_timeout=ACK)).reply == (1,)


async def check_refusal(url: str) -> None:
    recorder = Recorder()
    client = ProbeClient(probe_settings(url, auth={"token": "deny"}), recorder)
    try:
        assert not await client.connect()
    finally:
        await client.close()
    assert client.failure is FailureKind.CREDENTIALS
    assert client.failure_message is not None and DENIED in client.failure_message
    assert client.failure_message.startswith("Connection refused by the server")
    last = [e for e in recorder.events if isinstance(e, ProbeStateChanged)][-1]
    assert (last.state, last.message, last.failure) == (
        ProbeState.DISCONNECTED,
        client.failure_message,
        FailureKind.CREDENTIALS,
    )


async def check_server_closing_a_namespace(url: str) -> None:
    async with probing(probe_settings(url)) as (client, recorder):
        await client.emit("/chat", "kick", ())
        change = await recorder.wait_for(
            lambda e: isinstance(e, ProbeStateChanged) and "closed" in e.message
        )
        assert isinstance(change, ProbeStateChanged)
        assert change.state is ProbeState.CONNECTED and change.namespaces == ("/",)
        assert "/chat" in change.message
        with pytest.raises(EmitError, match="Not connected to /chat"):
            await client.emit("/chat", "echo", ())
        assert (await client.emit("/", "echo", ("still",), ack_timeout=ACK)).reply == ("still",)
        await client.emit("/", "kick", ())
        gone = await recorder.wait_for(
            lambda e: isinstance(e, ProbeStateChanged) and e.state is ProbeState.DISCONNECTED
        )
        assert isinstance(gone, ProbeStateChanged) and "closed the connection" in gone.message


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
