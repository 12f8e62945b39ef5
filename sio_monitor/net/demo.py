"""An admin-instrumented Socket.IO chat server with a simulated crowd, for demos and tests.

The server is a real python-socketio ``AsyncServer`` on aiohttp, instrumented
with ``sio.instrument()`` exactly as a user's server would be, so whatever the
monitor shows against it is what it would show in the field.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
import secrets
import time
from typing import Any
from urllib.parse import parse_qs

import socketio
from aiohttp import web
from engineio.async_socket import AsyncSocket

from sio_monitor.domain.settings import DEFAULT_ADMIN_NAMESPACE
from sio_monitor.net.demo_traffic import HOME_ROOM, ROOMS, TrafficSimulator
from sio_monitor.net.task_keeper import TaskKeeper

log = logging.getLogger(__name__)

# python-socketio's instrumentation patches engineio's AsyncSocket *class*; a
# second instrumented server in the same process recurses forever on its first
# packet. This records which DemoServer currently owns the patch.
_instrumented_by: DemoServer | None = None


class _Handlers:
    """Event handlers of one namespace, registered as plain functions.

    Plain ``sio.on()`` handlers rather than ``AsyncNamespace`` classes: the
    admin ``server_stats`` message lists only namespaces found in
    ``sio.handlers``, which class-based namespaces never enter.
    """

    namespace = "/"
    events: tuple[str, ...] = ()

    def __init__(self, sio: socketio.AsyncServer) -> None:
        self.sio = sio
        for event in self.events:
            sio.on(event, getattr(self, f"on_{event}"), namespace=self.namespace)

    async def user_of(self, sid: str) -> Any:
        return (await self.sio.get_session(sid, namespace=self.namespace)).get("user")

    def rooms_of(self, sid: str) -> list[str]:
        return sorted(r for r in self.sio.rooms(sid, namespace=self.namespace) if r != sid)

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        log.debug("demo %s disconnect %s (%s)", self.namespace, sid, reason)


class _RootHandlers(_Handlers):
    """``/``: presence and request/response style calls with acks."""

    namespace = "/"
    events = ("connect", "disconnect", "ping", "whoami", "status")

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        user = parse_qs(environ.get("QUERY_STRING", "")).get("user", [sid])[0]
        session = {"user": user, "status": "online", "since": time.time()}
        await self.sio.save_session(sid, session, namespace=self.namespace)

    async def on_ping(self, sid: str, data: Any = None) -> dict[str, Any]:
        return {"pong": data, "server_time": time.time()}

    async def on_whoami(self, sid: str, data: Any = None) -> dict[str, Any]:
        session = await self.sio.get_session(sid, namespace=self.namespace)
        return {"sid": sid, "user": session.get("user"), "status": session.get("status")}

    async def on_status(self, sid: str, data: Any = None) -> None:
        state = data.get("state") if isinstance(data, dict) else None
        if state not in ("online", "away", "busy"):
            return
        async with self.sio.session(sid, namespace=self.namespace) as session:
            session["status"] = state
            user = session.get("user")
        presence = {"user": user, "status": state}
        await self.sio.emit("presence", presence, skip_sid=sid, namespace=self.namespace)


class _ChatHandlers(_Handlers):
    """``/chat``: rooms, broadcasts and acks, the part of the traffic the monitor shows best."""

    namespace = "/chat"
    events = ("connect", "disconnect", "join", "leave", "message", "typing")

    def __init__(self, sio: socketio.AsyncServer) -> None:
        super().__init__(sio)
        self._ids = itertools.count(1)

    async def _tell(self, event: str, data: dict[str, Any], room: str, skip: str | None) -> None:
        await self.sio.emit(event, data, room=room, skip_sid=skip, namespace=self.namespace)

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        user = parse_qs(environ.get("QUERY_STRING", "")).get("user", [sid])[0]
        await self.sio.save_session(sid, {"user": user}, namespace=self.namespace)
        await self.sio.enter_room(sid, HOME_ROOM, namespace=self.namespace)
        await self._tell("user_joined", {"user": user, "room": HOME_ROOM}, HOME_ROOM, sid)

    async def on_join(self, sid: str, room: Any = None) -> dict[str, Any]:
        if room not in ROOMS:
            return {"ok": False, "error": f"unknown room {room!r}", "rooms": self.rooms_of(sid)}
        await self.sio.enter_room(sid, room, namespace=self.namespace)
        await self._tell("user_joined", {"user": await self.user_of(sid), "room": room}, room, sid)
        return {"ok": True, "room": room, "rooms": self.rooms_of(sid)}

    async def on_leave(self, sid: str, room: Any = None) -> dict[str, Any]:
        if room not in self.rooms_of(sid):
            return {"ok": False, "error": "not in room", "rooms": self.rooms_of(sid)}
        await self.sio.leave_room(sid, room, namespace=self.namespace)
        await self._tell("user_left", {"user": await self.user_of(sid), "room": room}, room, None)
        return {"ok": True, "room": room, "rooms": self.rooms_of(sid)}

    async def on_message(self, sid: str, data: Any = None) -> dict[str, Any]:
        room = data.get("room") if isinstance(data, dict) else None
        if room not in self.rooms_of(sid):
            return {"ok": False, "error": "not in room"}
        message = {
            "id": next(self._ids),
            "room": room,
            "user": await self.user_of(sid),
            "text": str(data.get("text", ""))[:500],
            "ts": time.time(),
        }
        await self._tell("message", message, room, sid)
        return {"ok": True, "id": message["id"]}

    async def on_typing(self, sid: str, data: Any = None) -> None:
        room = data.get("room") if isinstance(data, dict) else None
        if room in self.rooms_of(sid):
            await self._tell("typing", {"user": await self.user_of(sid), "room": room}, room, sid)


class DemoServer:
    """A chat server on ``/`` and ``/chat``, admin-instrumented, with virtual users."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clients: int = 40,
        rate: float = 20.0,
        admin_user: str = "admin",
        admin_password: str | None = None,
        auth: bool = True,
        mode: str = "development",
        read_only: bool = False,
        server_id: str | None = None,
        admin_namespace: str = DEFAULT_ADMIN_NAMESPACE,
        stats_interval: float = 2.0,
        seed: int | None = None,
    ) -> None:
        if mode not in ("development", "production"):
            raise ValueError(f"mode must be 'development' or 'production', not {mode!r}")
        if clients < 0 or rate < 0:
            raise ValueError("clients and rate must not be negative")
        self.host = host
        self.port = port
        self.clients = clients
        self.rate = rate
        self.mode = mode
        self.read_only = read_only
        self.server_id = server_id
        self.stats_interval = stats_interval
        self.seed = seed
        self._admin_namespace = admin_namespace
        self._username = admin_user if auth else None
        self._password = (admin_password or secrets.token_urlsafe(12)) if auth else None

        self.sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins="*")
        _RootHandlers(self.sio)
        _ChatHandlers(self.sio)
        self.app = web.Application()
        self.sio.attach(self.app)
        self.traffic: TrafficSimulator | None = None

        self._tasks = TaskKeeper("Demo server", logger=log)
        self._track_background_tasks()
        self._instrumented: Any = None
        self._runner: web.AppRunner | None = None
        self._started = False
        self._stopping: asyncio.Task[None] | None = None

    # -- public properties ---------------------------------------------------

    @property
    def url(self) -> str:
        host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(self.host, self.host)
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def admin_namespace(self) -> str:
        return self._admin_namespace

    @property
    def username(self) -> str | None:
        return self._username

    @property
    def password(self) -> str | None:
        return self._password

    def info(self) -> dict[str, str | None]:
        return {
            "url": self.url,
            "admin_namespace": self.admin_namespace,
            "username": self.username,
            "password": self.password,
        }

    # -- lifecycle -------------------------------------------------------------

    async def start(self) -> None:
        """Instrument, bind and let the virtual users in; ``self.port`` is real afterwards."""
        global _instrumented_by
        if self._started:
            raise RuntimeError("DemoServer.start() called twice")
        if _instrumented_by is not None or _socket_class_is_patched():
            raise RuntimeError(
                "another instrumented python-socketio server is running in this process; "
                "its instrumentation patches engineio globally, so run one at a time "
                "(or start extra demo servers as separate processes)"
            )
        self._started = True
        auth: dict[str, str] | bool = (
            {"username": self._username, "password": self._password}
            if self._username is not None and self._password is not None
            else False
        )
        self._instrumented = self.sio.instrument(
            auth=auth,
            mode=self.mode,
            read_only=self.read_only,
            server_id=self.server_id,
            namespace=self._admin_namespace,
            server_stats_interval=self.stats_interval,
        )
        _instrumented_by = self
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=0.3)
        try:
            await self._runner.setup()
            site = web.TCPSite(self._runner, self.host, self.port)
            await site.start()
        except BaseException:
            self._release_instrumentation()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._runner.cleanup(), 1.0)
            raise
        self.port = int(self._runner.addresses[0][1])
        self.traffic = TrafficSimulator(
            self.url, clients=self.clients, rate=self.rate, seed=self.seed
        )
        await self.traffic.start()

    async def wait_ready(self, timeout: float = 10.0, clients: int | None = None) -> bool:
        """Wait until ``clients`` virtual users (default: all) are connected; False on timeout."""
        if self.traffic is None:
            raise RuntimeError("DemoServer not started")
        return await self.traffic.wait_online(clients, timeout)

    async def stop(self) -> None:
        """Stop the crowd, then the server; safe to call twice, done within about 2.5 s."""
        if not self._started:
            return
        if self._stopping is None:
            self._stopping = asyncio.create_task(self._stop())
        await asyncio.shield(self._stopping)

    async def __aenter__(self) -> DemoServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def _stop(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 2.5

        def budget(cap: float) -> float:
            return max(0.05, min(cap, deadline - loop.time()))

        if self.traffic is not None:
            await self.traffic.stop(timeout=budget(1.0))
        instrumented = self._instrumented
        if instrumented is not None and instrumented.stop_stats_event is not None:
            instrumented.stop_stats_event.set()
        # Close the remaining engine sockets (admins, outside clients) politely so
        # they see a server disconnect instead of a dropped connection.
        if self.sio.eio.sockets:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.sio.eio.disconnect(), budget(0.4))
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.sio.shutdown(), budget(0.2))
        # The stats loop sleeps a whole interval before it looks at its stop
        # event, and the upgrade checks sleep 25 s: cancel what is left.
        await self._tasks.close(timeout=budget(0.2))
        self._release_instrumentation()
        if self._runner is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._runner.cleanup(), budget(1.0))

    def _release_instrumentation(self) -> None:
        """Undo the global patches, once, so another server may be instrumented later."""
        global _instrumented_by
        instrumented, self._instrumented = self._instrumented, None
        uninstrument = getattr(instrumented, "uninstrument", None)
        if uninstrument is not None:
            uninstrument()
        if _instrumented_by is self:
            _instrumented_by = None

    def _track_background_tasks(self) -> None:
        """Remember every task the server starts, so stop() can cancel the stragglers.

        python-socketio starts fire-and-forget tasks (handlers, the stats loop,
        transport upgrade checks) that would otherwise outlive the server.
        """
        eio = self.sio.eio
        original = eio.start_background_task

        @functools.wraps(original)
        def start_background_task(target: Any, *args: Any, **kwargs: Any) -> Any:
            task = original(target, *args, **kwargs)
            if isinstance(task, asyncio.Future):
                self._tasks.track(task)
            return task

        eio.start_background_task = start_background_task


def _socket_class_is_patched() -> bool:
    """True when some instrumented server left engineio's socket class patched."""
    return isinstance(AsyncSocket.__dict__.get("_websocket_handler"), functools.partialmethod)
