"""The monitor's Socket.IO client against a real server: same events, a silent server detected."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from sio_monitor.net.engine import MonitorClient
from tests.support.net import Listener

pytestmark = pytest.mark.network

# A python-socketio server with short pings (1 s + 1 s) that sends each socket numbered
# ticks, one with a binary attachment and one whose payload the stock decoder reads
# differently than a naive fast one would (an integer beyond 64 bits).
SERVER = textwrap.dedent(
    """
    import asyncio, json, sys
    import socketio
    from aiohttp import web

    sio = socketio.AsyncServer(async_mode="aiohttp", ping_interval=1, ping_timeout=1)
    app = web.Application()
    sio.attach(app)

    @sio.event
    async def connect(sid, environ):
        async def ticks():
            await sio.emit("big", [18446744073709551616, {"nan": float("nan")}], to=sid)
            await sio.emit("blob", {"bytes": bytes(range(256))}, to=sid)
            for n in range(int(sys.argv[1])):
                await sio.emit("tick", {"n": n, "text": "hello"}, to=sid)
                await asyncio.sleep(0)
        sio.start_background_task(ticks)

    async def main():
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        print(json.dumps({"url": f"http://127.0.0.1:{port}"}), flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())
    """
)


@contextmanager
def server(ticks: int) -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(ticks)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        url = json.loads(process.stdout.readline())["url"]
        yield process, url
    finally:
        os.kill(process.pid, signal.SIGCONT)
        process.kill()
        process.wait(10)


def test_every_event_arrives_in_order_and_decodes_as_the_stock_client_decodes() -> None:
    async def main() -> list[tuple[str, tuple[object, ...]]]:
        with server(ticks=2000) as (_, url):
            client = MonitorClient(reconnection=False, handle_sigint=False)
            listener = Listener(client)
            await client.connect(url, transports=["websocket"])
            await listener.until(lambda: len(listener.events) >= 2002)
            await client.disconnect()
            return listener.events

    events = asyncio.run(main())
    assert events[0][0] == "big"
    assert repr(events[0][1]) == "([18446744073709551616, {'nan': nan}],)"
    assert events[1] == ("blob", ({"bytes": bytes(range(256))},))
    assert [args[0]["n"] for _, args in events[2:]] == list(range(2000))  # type: ignore[index]


def test_a_server_that_stops_answering_is_detected_by_its_ping_timeout() -> None:
    async def main() -> tuple[list[object], bool]:
        with server(ticks=10) as (process, url):
            client = MonitorClient(reconnection=False, handle_sigint=False)
            listener = Listener(client)
            await client.connect(url, transports=["websocket"])
            await listener.until(lambda: len(listener.events) >= 12)
            os.kill(process.pid, signal.SIGSTOP)  # the socket stays open; nothing more comes
            # Pings every 1 s, 1 s to answer: the watchdog gives up after 2 s of silence.
            await listener.until(lambda: listener.reasons, timeout=20)
            return listener.reasons, client.stalled

    reasons, stalled = asyncio.run(main())
    assert reasons == [MonitorClient.reason.TRANSPORT_ERROR]
    assert stalled


def test_a_handler_error_goes_to_the_loop_and_reading_goes_on() -> None:
    async def main() -> tuple[list[dict[str, object]], int]:
        errors: list[dict[str, object]] = []
        asyncio.get_running_loop().set_exception_handler(lambda _loop, ctx: errors.append(ctx))
        with server(ticks=50) as (_, url):
            client = MonitorClient(reconnection=False, handle_sigint=False)
            listener = Listener(client)
            client.on("blob", lambda _data: 1 / 0)
            await client.connect(url, transports=["websocket"])
            await listener.until(lambda: len(listener.events) >= 51)
            await client.disconnect()
            return errors, len(listener.events)

    errors, received = asyncio.run(main())
    assert received == 51  # "big" and 50 ticks: the failing "blob" handler did not stop reading
    assert len(errors) == 1 and isinstance(errors[0]["exception"], ZeroDivisionError)
