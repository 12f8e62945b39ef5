"""A multi-megabyte message is decoded off the event loop's thread, in its place in order."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from sio_monitor.net import wire_codec
from sio_monitor.net.engine import MonitorClient
from sio_monitor.net.wire_codec import OFF_THREAD_BYTES
from tests.support.net import Listener

pytestmark = pytest.mark.network

BIG = OFF_THREAD_BYTES * 2
# Small, big, small, three times over, to each socket as it connects.
SERVER = textwrap.dedent(
    """
    import asyncio, json, sys
    import socketio
    from aiohttp import web

    sio = socketio.AsyncServer(async_mode="aiohttp", max_http_buffer_size=64_000_000)
    app = web.Application()
    sio.attach(app)
    BIG = int(sys.argv[1])

    @sio.event
    async def connect(sid, environ):
        async def send():
            for n in range(3):
                await sio.emit("before", n, to=sid)
                await sio.emit("big", [n, "é" + "x" * BIG], to=sid)
                await sio.emit("after", {"n": n}, to=sid)
        sio.start_background_task(send)

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
def server() -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(BIG)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        yield json.loads(process.stdout.readline())["url"]
    finally:
        process.kill()
        process.wait(10)


def test_big_messages_are_decoded_on_a_worker_thread_and_arrive_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    decoded_on: list[int] = []
    decode = wire_codec._decode_long

    def watched(data: wire_codec.LongText) -> wire_codec.Decoded:
        decoded_on.append(threading.get_ident())
        return decode(data)

    monkeypatch.setattr(wire_codec, "_decode_long", watched)

    async def main() -> list[tuple[str, tuple[object, ...]]]:
        with server() as url:
            client = MonitorClient(reconnection=False, handle_sigint=False)
            listener = Listener(client)
            await client.connect(url, transports=["websocket"])
            await listener.until(lambda: len(listener.events) >= 9, timeout=60)
            await client.disconnect()
            return listener.events

    events = asyncio.run(main())
    loop_thread = threading.get_ident()
    assert len(decoded_on) == 3 and loop_thread not in decoded_on
    assert [name for name, _ in events] == ["before", "big", "after"] * 3
    for n in range(3):
        before, big, after = events[3 * n : 3 * n + 3]
        assert before[1] == (n,) and after[1] == ({"n": n},)
        assert big[1] == ([n, "é" + "x" * BIG],)
