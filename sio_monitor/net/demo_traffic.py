"""Simulated users for the demo server: real Socket.IO clients that come and go, chat and roam.

Every virtual user is a genuine ``socketio.AsyncClient`` talking to the server
over the loopback network, so the admin instrumentation sees the same packets,
rooms and acks it would see in production. One scheduler task paces the whole
crowd at ``rate`` actions per second and each user runs at most one action at a
time, which keeps the number of tasks bounded by the number of users.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit, urlunsplit

import aiohttp
import socketio

from sio_monitor.net.task_keeper import TaskKeeper

log = logging.getLogger(__name__)

NAMESPACES = ("/", "/chat")
ROOMS = ("lobby", "general", "random", "support")
HOME_ROOM = "lobby"  # the server puts every /chat socket here on connect

_NAMES = (
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
    "ivan", "judy", "mallory", "niaj", "olivia", "peggy", "rupert", "sybil",
)  # fmt: skip
_USER_AGENTS = (
    "DemoChat/2.4.1 (Android 14; Pixel 8)",
    "DemoChat/2.4.0 (iOS 17.5; iPhone15,2)",
    "DemoChat-Web/5.1 (X11; Linux x86_64) Firefox/128.0",
    "DemoChat-Web/5.1 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15",
    "DemoChat-Desktop/1.9.3 (Windows NT 10.0; Win64; x64)",
    "demo-bot/0.3 (python-socketio)",
)
_WORDS = (
    "hello", "anyone", "around", "deploy", "is", "done", "lunch", "soon",
    "the", "build", "passed", "ship", "it", "coffee", "break", "ticket",
    "closed", "thanks", "great", "news", "meeting", "moved", "to", "friday",
)  # fmt: skip

# Relative weights of what a user does next; chat dominates, as in real rooms.
_WEIGHTS = {
    "message": 35,
    "ping": 15,
    "typing": 12,
    "join": 10,
    "leave": 7,
    "status": 6,
    "whoami": 5,
}


@dataclass(eq=False)
class _User:
    """One virtual user; ``client`` is None while offline."""

    name: str
    user_agent: str
    client: socketio.AsyncClient | None = None
    rooms: set[str] = field(default_factory=set)
    busy: bool = False
    next_connect: float = 0.0  # loop time at which an offline user comes back
    leave_at: float = 0.0  # loop time at which an online user walks away for a while
    failures: int = 0

    @property
    def online(self) -> bool:
        client = self.client
        return client is not None and client.connected and set(client.namespaces) >= set(NAMESPACES)


class TrafficSimulator:
    """Drives ``clients`` virtual users against ``url`` at about ``rate`` actions per second."""

    def __init__(
        self,
        url: str,
        *,
        clients: int = 40,
        rate: float = 20.0,
        seed: int | None = None,
        connect_timeout: float = 5.0,
        ack_timeout: float = 5.0,
        max_parallel_connects: int = 8,
        mean_session: float = 60.0,
    ) -> None:
        if clients < 0 or rate < 0 or mean_session <= 0:
            raise ValueError("clients and rate must not be negative, mean_session must be positive")
        self._url = url
        self._rate = float(rate)
        self._random = random.Random(seed)
        self._connect_timeout = connect_timeout
        self._ack_timeout = ack_timeout
        self._max_parallel_connects = max(1, max_parallel_connects)
        self._mean_session = mean_session
        self._users = [
            _User(
                f"{_NAMES[i % len(_NAMES)]}-{i // len(_NAMES) + 1}",
                _USER_AGENTS[i % len(_USER_AGENTS)],
            )
            for i in range(clients)
        ]
        self._clients: set[socketio.AsyncClient] = set()
        self._tasks = TaskKeeper("Virtual user", logger=log)
        self._connecting = 0
        self._session: aiohttp.ClientSession | None = None
        self._runner: asyncio.Future[None] | None = None
        self._changed: asyncio.Condition | None = None
        self._stopped = False
        self.actions_done = 0
        self.actions_failed = 0

    @property
    def online_count(self) -> int:
        return sum(1 for user in self._users if user.online)

    async def start(self) -> None:
        if self._runner is not None or self._stopped:
            raise RuntimeError("traffic already started")
        # One session for the whole crowd: no per-client sessions left unclosed
        # after a failed connect, and no default cap of 100 pooled connections.
        self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        self._changed = asyncio.Condition()
        self._runner = self._tasks.spawn(self._run(), name="demo-traffic")

    async def wait_online(self, count: int | None = None, timeout: float = 10.0) -> bool:
        """Wait until ``count`` users (default: all) are connected on every namespace."""
        if self._changed is None:
            raise RuntimeError("traffic not started")
        target = len(self._users) if count is None else min(count, len(self._users))
        async with self._changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: self._stopped or self.online_count >= target),
                    timeout,
                )
        return self.online_count >= target

    async def stop(self, timeout: float = 1.5) -> None:
        """Cancel every action and disconnect every client, giving up after ``timeout``."""
        if self._stopped:
            return
        self._stopped = True
        await self._notify()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        await self._tasks.close(timeout=max(0.05, (deadline - loop.time()) / 3))
        clients = list(self._clients)
        self._clients.clear()
        for user in self._users:
            user.client = None
        if clients:
            graceful = {asyncio.create_task(_disconnect(c)): c for c in clients}
            _, late = await asyncio.wait(graceful, timeout=max(0.05, deadline - loop.time()))
            for task in late:
                task.cancel()
            if late:
                # Past the deadline: drop the stragglers' transports without a goodbye.
                aborts = [asyncio.create_task(_abort(graceful[task])) for task in late]
                await asyncio.wait([*late, *aborts], timeout=0.3)
        if self._session is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._session.close(), 0.3)
            self._session = None

    # -- scheduling -------------------------------------------------------

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        tick = min(0.1, max(0.01, 1.0 / self._rate)) if self._rate else 0.1
        last = last_sweep = loop.time()
        budget = 0.0
        while True:
            now = loop.time()
            if now - last_sweep >= 0.5:
                self._sweep(now)
                last_sweep = now
            self._start_due_connects(now)
            # Accumulate fractional actions so high rates survive coarse ticks;
            # cap the backlog at one second so a stall does not cause a burst.
            budget = min(budget + (now - last) * self._rate, max(self._rate, 1.0))
            last = now
            while budget >= 1.0:
                budget -= 1.0
                self._start_action()
            await asyncio.sleep(tick)

    def _spawn(self, user: _User, job: Callable[[], Awaitable[None]]) -> None:
        user.busy = True

        async def guarded() -> None:
            try:
                await job()
            finally:
                user.busy = False

        self._tasks.spawn(guarded(), name=user.name)

    def _sweep(self, now: float) -> None:
        """Send away users whose session is over, or whom the server dropped, for a pause.

        Sessions are timed per user rather than drawn per action so that the
        share of offline users does not depend on the event rate; a silent
        crowd (rate 0) stays put.
        """
        for user in self._users:
            if user.client is None or user.busy:
                continue
            if not user.online or (self._rate > 0 and user.leave_at <= now):
                self._spawn(user, lambda u=user: self._go_offline(u, self._pause()))

    def _start_due_connects(self, now: float) -> None:
        for user in self._users:
            if self._connecting >= self._max_parallel_connects:
                return
            if user.client is None and not user.busy and user.next_connect <= now:
                self._connecting += 1  # counted now, or one tick could start them all
                self._spawn(user, lambda u=user: self._connect(u))

    def _start_action(self) -> None:
        idle = [u for u in self._users if not u.busy and u.online]
        if not idle:
            return
        user = self._random.choice(idle)
        action = self._random.choices(list(_WEIGHTS), weights=list(_WEIGHTS.values()))[0]
        self._spawn(user, lambda: self._act(user, action))

    def _pause(self) -> float:
        return self._random.uniform(2.0, 8.0)

    async def _notify(self) -> None:
        if self._changed is not None:
            async with self._changed:
                self._changed.notify_all()

    # -- connection lifecycle --------------------------------------------

    async def _connect(self, user: _User) -> None:
        try:
            client = await self._open(user)
        finally:
            self._connecting -= 1
        if client is None:
            user.failures += 1
            backoff = min(30.0, 2.0 ** min(user.failures, 5))
            user.next_connect = _now() + backoff * self._random.uniform(0.5, 1.0)
            return
        user.client = client
        user.failures = 0
        user.rooms = {HOME_ROOM}
        # A floor under the session length keeps the crowd whole while it
        # assembles, so waiting for "everyone online" is a condition that holds.
        floor = min(10.0, self._mean_session / 2)
        session = floor + self._random.expovariate(1.0 / (self._mean_session - floor))
        user.leave_at = _now() + session
        await self._notify()

    async def _open(self, user: _User) -> socketio.AsyncClient | None:
        """A client connected on every namespace, or None: a failure only means "later"."""
        client = socketio.AsyncClient(
            reconnection=False, handle_sigint=False, http_session=self._session
        )
        self._clients.add(client)
        try:
            await asyncio.wait_for(
                client.connect(
                    _with_query(self._url, user=user.name, app="demo-chat"),
                    headers={"User-Agent": user.user_agent, "X-Demo-User": user.name},
                    transports=["websocket"],
                    namespaces=list(NAMESPACES),
                    wait_timeout=self._connect_timeout,
                ),
                self._connect_timeout + 1.0,
            )
        except Exception as exc:
            log.debug("virtual user %s could not connect: %r", user.name, exc)
            self._clients.discard(client)
            await _disconnect(client)
            return None
        return client

    async def _go_offline(self, user: _User, pause: float) -> None:
        client, user.client = user.client, None
        user.rooms = set()
        user.next_connect = _now() + pause
        if client is not None:
            self._clients.discard(client)
            await _disconnect(client)
        await self._notify()

    # -- actions ----------------------------------------------------------

    async def _act(self, user: _User, action: str) -> None:
        client = user.client
        if client is None:
            return
        try:
            await getattr(self, f"_do_{action}")(user, client)
        except Exception as exc:  # timeouts, dropped namespaces: the sweep recovers
            self.actions_failed += 1
            log.debug("virtual user %s: %s failed: %r", user.name, action, exc)
        else:
            self.actions_done += 1

    async def _do_message(self, user: _User, client: socketio.AsyncClient) -> None:
        if not user.rooms:
            await self._do_join(user, client)
            return
        room = self._random.choice(sorted(user.rooms))
        words = self._random.choices(_WORDS, k=self._random.randint(2, 8))
        reply = await client.call(
            "message", {"room": room, "text": " ".join(words)}, "/chat", self._ack_timeout
        )
        if not (isinstance(reply, dict) and reply.get("ok")):
            user.rooms.discard(room)  # someone (an admin?) took us out of it

    async def _do_typing(self, user: _User, client: socketio.AsyncClient) -> None:
        if user.rooms:
            room = self._random.choice(sorted(user.rooms))
            await client.emit("typing", {"room": room}, namespace="/chat")

    async def _do_join(self, user: _User, client: socketio.AsyncClient) -> None:
        candidates = [r for r in ROOMS if r not in user.rooms]
        if not candidates:
            return

        def joined(reply: object = None) -> None:
            if isinstance(reply, dict) and isinstance(reply.get("rooms"), list):
                user.rooms = set(reply["rooms"])

        # An emit with a callback rather than call(): the ack lands later while
        # the user is already free to do something else.
        room = self._random.choice(candidates)
        await client.emit("join", room, namespace="/chat", callback=joined)

    async def _do_leave(self, user: _User, client: socketio.AsyncClient) -> None:
        if not user.rooms:
            return
        room = self._random.choice(sorted(user.rooms))
        reply = await client.call("leave", room, "/chat", self._ack_timeout)
        if isinstance(reply, dict) and isinstance(reply.get("rooms"), list):
            user.rooms = set(reply["rooms"])

    async def _do_ping(self, user: _User, client: socketio.AsyncClient) -> None:
        await client.call("ping", {"sent": time.time()}, "/", self._ack_timeout)

    async def _do_whoami(self, user: _User, client: socketio.AsyncClient) -> None:
        await client.call("whoami", None, "/", self._ack_timeout)

    async def _do_status(self, user: _User, client: socketio.AsyncClient) -> None:
        state = self._random.choice(("online", "away", "busy", "online"))
        await client.emit("status", {"state": state}, namespace="/")


def _now() -> float:
    """The scheduler's clock: the running loop's monotonic time."""
    return asyncio.get_running_loop().time()


async def _disconnect(client: socketio.AsyncClient) -> None:
    """Close one client, swallowing errors: a half-open client must never stop the crowd."""
    try:
        await asyncio.wait_for(client.disconnect(), 1.0)
    except Exception as exc:
        log.debug("virtual client disconnect failed: %r", exc)
        await _abort(client)


async def _abort(client: socketio.AsyncClient) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(client.eio.disconnect(abort=True), 0.2)


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit(parts._replace(query=query))
