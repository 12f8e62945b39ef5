"""One node of a python-socketio cluster: an instrumented AsyncServer behind a Redis adapter.

Run as ``python -m tests.integration.cluster_node --redis URL --port 0
--server-id X``. When it listens it prints one JSON line on stdout:
``{"port": N, "url": "http://127.0.0.1:N", "serverId": X, "pid": P}``. Several
such processes sharing one Redis are a cluster: every node's admin events,
``server_stats`` included, reach every admin connection, as in production.

Besides Socket.IO it answers ``GET /truth`` with the node's own sockets and
rooms, read straight from its manager, so a test can hold the monitor's
picture against what the servers really hold. SIGTERM and SIGINT stop it
cleanly; the tests also SIGKILL it, which is the point.

:class:`ClusterNode` starts one from a test and reads the announcement.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import socketio
from aiohttp import web

APP_NAMESPACES = ("/", "/chat")
STARTUP_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0
REPO = Path(__file__).resolve().parents[2]


def _truth(sio: socketio.AsyncServer) -> dict[str, Any]:
    """The node's local sockets and rooms per namespace, the monitor's namespace left out."""
    namespaces: dict[str, Any] = {}
    for nsp in APP_NAMESPACES:
        rooms = sio.manager.rooms.get(nsp, {})
        namespaces[nsp] = {
            "sockets": sorted(sid for sid, _ in sio.manager.get_participants(nsp, None)),
            "rooms": {
                str(room): sorted(members) for room, members in rooms.items() if room is not None
            },
        }
    return {"namespaces": namespaces, "clients": len(sio.eio.sockets)}


def _wire(sio: socketio.AsyncServer, nsp: str) -> None:
    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        wanted = parse_qs(environ.get("QUERY_STRING", "")).get("rooms", [""])[0]
        for room in filter(None, wanted.split(",")):
            await sio.enter_room(sid, room, namespace=nsp)

    async def disconnect(sid: str, reason: Any = None) -> None:
        pass

    # Plain handlers, not namespace classes: server_stats lists only sio.handlers' keys.
    sio.on("connect", connect, namespace=nsp)
    sio.on("disconnect", disconnect, namespace=nsp)


async def serve(args: argparse.Namespace) -> None:
    manager = socketio.AsyncRedisManager(args.redis)
    sio = socketio.AsyncServer(
        async_mode="aiohttp",
        client_manager=manager,
        ping_interval=args.ping_interval,
        ping_timeout=args.ping_timeout,
    )
    for nsp in APP_NAMESPACES:
        _wire(sio, nsp)
    sio.instrument(auth=False, server_id=args.server_id, server_stats_interval=args.stats_interval)
    app = web.Application()
    sio.attach(app)

    async def truth(_: web.Request) -> web.Response:
        return web.json_response(_truth(sio))

    app.router.add_get("/truth", truth)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.3)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", args.port, reuse_address=True)
    await site.start()
    port = int(runner.addresses[0][1])
    announcement = {
        "port": port,
        "url": f"http://127.0.0.1:{port}",
        "serverId": args.server_id,
        "pid": os.getpid(),
    }
    print(json.dumps(announcement), flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(runner.cleanup(), 2.0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", required=True, help="redis://host:port/db")
    parser.add_argument("--port", type=int, default=0, help="0 = a free port")
    parser.add_argument("--server-id", required=True)
    parser.add_argument("--stats-interval", type=float, default=0.5)
    parser.add_argument("--ping-interval", type=float, default=25.0)
    parser.add_argument("--ping-timeout", type=float, default=20.0)
    asyncio.run(serve(parser.parse_args(argv)))


class ClusterNode:
    """One ``cluster_node`` subprocess, started and stopped by a test."""

    def __init__(self, redis_url: str, server_id: str, *options: str) -> None:
        self.redis_url = redis_url
        self.server_id = server_id
        self.options = options
        self.process: subprocess.Popen[str] | None = None
        self.port = 0
        self.url = ""
        self.pid = 0
        self._stderr: list[str] = []

    def start(self, port: int = 0) -> ClusterNode:
        """Start on ``port`` (0 = a free one; a restarted node takes its old one back)."""
        args = ["--redis", self.redis_url, "--server-id", self.server_id, "--port", str(port)]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.cluster_node", *args, *self.options],
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        threading.Thread(target=self._drain, daemon=True).start()
        lines: list[str] = []
        # readline() has no timeout of its own: read in a thread and bound the wait on it.
        reader = threading.Thread(target=lambda: lines.append(self._stdout_line()), daemon=True)
        reader.start()
        reader.join(STARTUP_TIMEOUT)
        if not lines or not lines[0].strip():
            self.stop()
            raise RuntimeError(f"cluster node {self.server_id} did not start:\n{self.stderr}")
        announcement = json.loads(lines[0])
        self.port, self.url, self.pid = (
            announcement["port"],
            announcement["url"],
            announcement["pid"],
        )
        return self

    def _stdout_line(self) -> str:
        assert self.process is not None and self.process.stdout is not None
        return self.process.stdout.readline()

    def _drain(self) -> None:
        process = self.process
        if process is not None and process.stderr is not None:
            for line in process.stderr:
                self._stderr.append(line)

    @property
    def stderr(self) -> str:
        return "".join(self._stderr[-50:])

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no goodbye to Redis, to the clients or to the monitor."""
        self._end(kill=True)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it lingers: a hung node must not hang the test run."""
        self._end(kill=False)

    def _end(self, kill: bool) -> None:
        process = self.process
        if process is None:
            return
        if process.poll() is None and not kill:
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(STOP_TIMEOUT)
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


if __name__ == "__main__":
    main()
