"""Servers the probe tests talk to: python-socketio in process, Node socket.io 4 and 2 as children.

Both current flavours behave alike (see tests/peers/probe_server.js for the
full list): ``echo`` acks with every argument it got, ``whoami`` acks with
what the handshake carried and how many later engine requests carried the
``x-probe-token`` header, ``ask`` makes the server emit to the client with an
ack callback and report the reply, ``kick`` makes the server close that
socket, ``ignored`` is never acked, and each new
socket gets an unprompted ``welcome`` with binary inside. An auth payload
whose token is "deny" is refused with "access denied: bad token".
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
import socketio
from aiohttp import web

from tests.peers.launch import NODE_MODULES, PEERS_DIR, NodePeer, node_available
from tests.support.skips import require

NAMESPACES = ("/", "/chat")
PROBE_HEADER = "X-Probe-Token"
DENIED = "access denied: bad token"
WELCOME_BLOB = bytes(range(256))
ASK_TIMEOUT = 5.0


class PythonProbeServer:
    """A python-socketio AsyncServer on aiohttp, on a free loopback port (HTTPS with ``tls``)."""

    def __init__(self, tls: ssl.SSLContext | None = None, port: int = 0) -> None:
        self.tls = tls
        self.sio = socketio.AsyncServer(async_mode="aiohttp", max_http_buffer_size=4_000_000)
        self.app = web.Application(middlewares=[self._count_requests])
        self.sio.attach(self.app)
        self.port = port
        self.requests: dict[str, dict[str, int]] = {}  # engine sid -> {total, withHeader}
        self.handshakes: dict[tuple[str, str], dict[str, Any]] = {}
        self._runner: web.AppRunner | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        for namespace in NAMESPACES:
            self._wire(namespace)

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    async def start(self) -> PythonProbeServer:
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=0.3)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port, ssl_context=self.tls).start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.sio.shutdown(), 1.0)
        if self._runner is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._runner.cleanup(), 2.0)

    @web.middleware
    async def _count_requests(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        sid = request.query.get("sid")
        if sid:
            seen = self.requests.setdefault(sid, {"total": 0, "withHeader": 0})
            seen["total"] += 1
            seen["withHeader"] += PROBE_HEADER in request.headers
        return await handler(request)

    def _spawn(self, coroutine: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _wire(self, namespace: str) -> None:
        sio = self.sio

        async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
            if isinstance(auth, dict) and auth.get("token") == "deny":
                raise socketio.exceptions.ConnectionRefusedError(DENIED)
            headers = {
                key[5:].replace("_", "-").lower(): value
                for key, value in environ.items()
                if key.startswith("HTTP_")
            }
            query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
            self.handshakes[(namespace, sid)] = {
                "headers": headers,
                "query": query,
                "queryString": environ.get("QUERY_STRING", ""),
                "auth": auth,
            }
            # After the handler: the CONNECT reply must reach the client first.
            self._spawn(welcome(sid))

        async def welcome(sid: str) -> None:
            args = (namespace, sid, WELCOME_BLOB, {"nested": b"\x00\xff"})
            await sio.emit("welcome", args, to=sid, namespace=namespace)

        async def echo(sid: str, *args: Any) -> tuple[Any, ...]:
            return args

        async def whoami(sid: str) -> dict[str, Any]:
            engine_sid = sio.manager.eio_sid_from_sid(sid, namespace)
            return {
                **self.handshakes[(namespace, sid)],
                "transport": sio.transport(sid, namespace),
                "requests": self.requests.get(engine_sid, {"total": 0, "withHeader": 0}),
            }

        async def ask(sid: str, event: str, *args: Any) -> Any:
            reply: asyncio.Future[tuple[Any, ...]] = asyncio.get_running_loop().create_future()

            def answered(*data: Any) -> None:
                if not reply.done():
                    reply.set_result(data)

            await sio.emit(event, args, to=sid, namespace=namespace, callback=answered)
            try:
                return list(await asyncio.wait_for(reply, ASK_TIMEOUT))
            except TimeoutError:
                return "no reply"

        async def kick(sid: str) -> None:
            await sio.disconnect(sid, namespace=namespace)

        for name, handler in (
            ("connect", connect),
            ("echo", echo),
            ("whoami", whoami),
            ("ask", ask),
            ("kick", kick),
        ):
            sio.on(name, handler, namespace=namespace)


@contextlib.asynccontextmanager
async def python_probe_server(
    tls: ssl.SSLContext | None = None,
) -> AsyncIterator[PythonProbeServer]:
    server = await PythonProbeServer(tls).start()
    try:
        yield server
    finally:
        await server.stop()


def require_node(*packages: str) -> None:
    """Skip without Node (or one of ``packages``) locally, but fail on CI, where a skip
    would hide lost coverage."""
    reason = node_available()
    missing = [name for name in packages if not (NODE_MODULES / name).is_dir()]
    if reason is None and missing:
        reason = f"the npm package {missing[0]} is missing: run `npm ci` in {PEERS_DIR}"
    require(reason)


@contextlib.contextmanager
def node_probe_server(*flags: str) -> Iterator[NodePeer]:
    """tests/peers/probe_server.js (``--v2``: the Socket.IO 2.5 flavour)."""
    require_node(*(["socket.io-v2"] if "--v2" in flags else []))
    with NodePeer("probe_server.js", *flags) as peer:
        yield peer


def self_signed_certificate(folder: Path) -> tuple[ssl.SSLContext, Path]:
    """A server context for 127.0.0.1 and the certificate file that verifies it (its CA bundle)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is not installed: it makes the test certificate")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert),
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context, cert
