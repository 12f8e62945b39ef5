"""A python-socketio server to break: killed, frozen, restarted, or running on a clock hours off.

Run as ``python -m tests.integration.broken_server --port 0 [--clients N]
[--clock-offset SECONDS] [--ping-interval S --ping-timeout S]``. It serves an
instrumented ``AsyncServer`` whose own ``--clients`` users connect to it from
inside the process and keep sending ``tick`` (answered by a ``tock``), so the
admin stream is never quiet. When it listens it prints one JSON line:
``{"port": N, "url": ..., "pid": P}``. ``GET /truth`` lists its sockets.

``--hostile-sockets`` adds three malformed entries to every ``all_sockets``
the instrumentation sends (``{"id": 5}``, ``null``, and a socket whose
``rooms`` is a string, id ``HOSTILE_ROOMS_ID``): six entries for three users.

``--clock-offset`` moves the instrumentation's clock (every admin timestamp
and every stats bucket) that many seconds away from the machine's, as if the
server ran on a host whose clock is off; the rest of the process, Engine.IO's
pings included, keeps the real one.

:class:`BrokenServer` runs one from a test, and kills, freezes (SIGSTOP),
thaws (SIGCONT) or restarts it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as real_datetime
import json
import os
import signal
import subprocess
import sys
import threading
import time
import types
from pathlib import Path
from typing import Any

import socketio
from aiohttp import web

STARTUP_TIMEOUT = 20.0
REPO = Path(__file__).resolve().parents[2]
TICK = 0.1  # seconds between a user's ticks
HOSTILE_ROOMS_ID = "hostile-rooms-socket"


def add_hostile_entries(sio: socketio.AsyncServer) -> None:
    """Append three malformed sockets to each ``all_sockets`` the server emits."""
    emit = sio.emit

    async def hostile_emit(event: str, data: Any = None, *args: Any, **kwargs: Any) -> None:
        if event == "all_sockets" and isinstance(data, list) and data:
            bad_rooms = {**data[0], "id": HOSTILE_ROOMS_ID, "nsp": "/", "rooms": "general"}
            data = [*data, {"id": 5}, None, bad_rooms]
        await emit(event, data, *args, **kwargs)

    sio.emit = hostile_emit  # type: ignore[method-assign]


def skew_the_instrumentation(offset: float) -> None:
    """Make python-socketio's admin instrumentation read a clock ``offset`` seconds off."""
    from socketio import admin, async_admin

    now = time.time

    class SkewedDatetime(real_datetime.datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:  # type: ignore[override]
            return real_datetime.datetime.now(tz) + real_datetime.timedelta(seconds=offset)

    skewed_time = types.SimpleNamespace(time=lambda: now() + offset)
    for module in (admin, async_admin):
        module.time = skewed_time  # type: ignore[attr-defined]
    async_admin.datetime = SkewedDatetime  # type: ignore[attr-defined,misc]


async def users(url: str, count: int, stop: asyncio.Event, ready: asyncio.Event) -> None:
    """``count`` clients of this very server, each ticking until ``stop``; ``ready`` once in."""
    clients = []
    for n in range(count):
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(f"{url}?rooms=team-{n % 2}", transports=["websocket"])
        clients.append(client)
    ready.set()
    while not stop.is_set():
        for client in clients:
            if client.connected:
                await client.emit("tick", {"at": time.time()})
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), TICK)
    for client in clients:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.disconnect(), 1.0)


async def serve(args: argparse.Namespace) -> None:
    if args.clock_offset:
        skew_the_instrumentation(args.clock_offset)
    sio = socketio.AsyncServer(
        async_mode="aiohttp", ping_interval=args.ping_interval, ping_timeout=args.ping_timeout
    )

    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        query = environ.get("QUERY_STRING", "")
        for part in query.split("&"):
            if part.startswith("rooms="):
                await sio.enter_room(sid, part[len("rooms=") :])

    async def tick(sid: str, data: Any = None) -> None:
        await sio.emit("tock", data, to=sid)

    sio.on("connect", connect)
    sio.on("tick", tick)
    if args.hostile_sockets:
        add_hostile_entries(sio)
    sio.instrument(auth=False, server_id=args.server_id, server_stats_interval=args.stats_interval)
    app = web.Application()
    sio.attach(app)

    async def truth(_: web.Request) -> web.Response:
        sockets = sorted(sid for sid, _ in sio.manager.get_participants("/", None))
        return web.json_response({"sockets": sockets})

    app.router.add_get("/truth", truth)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.3)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", args.port, reuse_address=True)
    await site.start()
    port = int(runner.addresses[0][1])
    url = f"http://127.0.0.1:{port}"
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    ready = asyncio.Event()
    crowd = asyncio.ensure_future(users(url, args.clients, stop, ready))
    await ready.wait()  # announced with its users in: a test's first look sees them all
    print(json.dumps({"port": port, "url": url, "pid": os.getpid()}), flush=True)
    await stop.wait()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(crowd, 2.0)
    with contextlib.suppress(Exception):
        await asyncio.wait_for(runner.cleanup(), 2.0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--server-id", default="broken-1")
    parser.add_argument("--clients", type=int, default=3)
    parser.add_argument("--clock-offset", type=float, default=0.0)
    parser.add_argument("--stats-interval", type=float, default=0.3)
    parser.add_argument("--ping-interval", type=float, default=1.0)
    parser.add_argument("--ping-timeout", type=float, default=1.0)
    parser.add_argument("--hostile-sockets", action="store_true")
    asyncio.run(serve(parser.parse_args(argv)))


class BrokenServer:
    """One ``broken_server`` process, started, broken and ended by a test."""

    def __init__(self, *options: str) -> None:
        self.options = options
        self.process: subprocess.Popen[str] | None = None
        self.port = 0
        self.url = ""
        self._stderr: list[str] = []

    def start(self, port: int = 0) -> BrokenServer:
        """Start on ``port`` (0: a free one; a restart takes its old one back)."""
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.integration.broken_server",
                "--port",
                str(port),
                *self.options,
            ],
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        process = self.process
        threading.Thread(target=self._drain, args=(process,), daemon=True).start()
        lines: list[str] = []
        assert process.stdout is not None
        reader = threading.Thread(
            target=lambda: lines.append(process.stdout.readline()),  # type: ignore[union-attr]
            daemon=True,
        )
        reader.start()
        reader.join(STARTUP_TIMEOUT)
        if not lines or not lines[0].strip():
            self.kill()
            raise RuntimeError(f"broken_server did not start:\n{self.stderr}")
        announcement = json.loads(lines[0])
        self.port, self.url = announcement["port"], announcement["url"]
        return self

    def _drain(self, process: subprocess.Popen[str]) -> None:
        if process.stderr is not None:
            for line in process.stderr:
                self._stderr.append(line)

    @property
    def stderr(self) -> str:
        return "".join(self._stderr[-40:])

    def kill(self) -> None:
        """SIGKILL: no goodbye to anyone, mid-stream."""
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGCONT)  # a frozen process dies only when thawed
            process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()

    def freeze(self) -> None:
        """SIGSTOP: the process hangs, its sockets stay open, nothing is answered."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)


if __name__ == "__main__":
    main()
