"""Probe scenarios every probe test server passes, and the ``emit`` command line.

Each ``check_*`` takes a server URL: it connects a ProbeClient, drives the
server's test events (see tests/integration/probe_servers.py) and checks both
what the client reports and what the server says it received. The python,
Node 4.8 and Socket.IO 2.5 tests run the same ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
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
)
from tests.support.net import Recorder

#: Bound on one run of the ``sio-monitor emit`` command line.
RUN_TIMEOUT = 60.0
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


async def emit_command(*argv: str) -> tuple[int, str, str]:
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sio_monitor",
        "emit",
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(child.communicate(), RUN_TIMEOUT)
    assert child.returncode is not None
    return child.returncode, out.decode(), err.decode()
