"""snapshot, watch and the admin actions against real servers, checked against their own truth.

Each flavour (python-socketio in process, Node socket.io in a child process)
gets a crowd of plain Socket.IO clients in rooms. What ``snapshot --json``
prints must equal what the server itself holds, before and after churn, and
each admin action must show its effect both in the monitor (through the
ActionTracker) and in the server. Nothing sleeps: every wait is for an event
or a condition, with a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import socketio

from sio_monitor.domain import actions as act
from sio_monitor.domain import events as ev
from sio_monitor.domain.actions import ActionResult, ActionTracker, Outcome, Target
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.domain.topology.topology import Topology
from sio_monitor.net.demo import DemoServer
from sio_monitor.terminal import Feed
from sio_monitor.terminal.render import snapshot_document, snapshot_text, watch_text
from sio_monitor.terminal.snapshot import run_snapshot, take_snapshot
from sio_monitor.terminal.watch import run_watch
from tests.peers.launch import NodePeer, fetch_truth, node_available
from tests.support import events as build
from tests.support.net import free_port
from tests.support.skips import require
from tests.support.views import View, python_view

pytestmark = pytest.mark.network

FLAVOURS = [
    pytest.param("python"),
    pytest.param("node", marks=pytest.mark.node),
]
NAMESPACES = ("/", "/chat")
CROWD = 200
BATCH = 50
WATCH_KEYS = {
    "time", "servers", "clients", "sockets", "eventsIn", "eventsOut", "bytesIn", "bytesOut",
    "packetsIn", "packetsOut", "connects", "disconnects", "droppedPayloads", "dropped",
    "serversReporting",
}  # fmt: skip

# --- servers and their truth -----------------------------------------------------------


@dataclass
class Served:
    flavour: str
    url: str
    truth: Callable[[], Awaitable[View]]
    username: str = ""
    password: str = ""

    def settings(self, **overrides: Any) -> ConnectionSettings:
        values: dict[str, Any] = {"username": self.username, "password": self.password}
        return ConnectionSettings(self.url, connect_timeout=10.0, **{**values, **overrides})


async def node_view(url: str) -> View:
    truth = await fetch_truth(url)
    return {
        nsp: {
            "sockets": sorted(state["sockets"]),
            "rooms": {room: sorted(ids) for room, ids in state["rooms"].items()},
        }
        for nsp, state in truth["namespaces"].items()
        if state["sockets"]
    }


def document_view(document: dict[str, Any]) -> View:
    view: View = {}
    for nsp in document["namespaces"]:
        assert nsp["socketsCount"] == len(nsp["sockets"])
        if nsp["sockets"]:
            view[nsp["name"]] = {
                "sockets": [s["id"] for s in nsp["sockets"]],
                "rooms": {room["name"]: room["sockets"] for room in nsp["rooms"]},
            }
    return view


@contextlib.asynccontextmanager
async def serving(
    flavour: str,
    *,
    mode: str = "development",
    read_only: bool = False,
    password: str | None = None,
) -> AsyncIterator[Served]:
    if flavour == "python":
        server = DemoServer(
            clients=0,
            auth=password is not None,
            admin_password=password,
            mode=mode,
            read_only=read_only,
            stats_interval=0.5,
        )
        await server.start()

        async def python_truth() -> View:
            return python_view(server)

        try:
            yield Served("python", server.url, python_truth)
        finally:
            await server.stop()
        return
    flags = ["--mode", mode]
    if read_only:
        flags.append("--read-only")
    if password is not None:
        flags += ["--auth", f"admin:{password}"]
    with NodePeer("admin_server.js", *flags) as peer:
        yield Served("node", peer.url, lambda: node_view(peer.url))


# --- the crowd -------------------------------------------------------------------------


@dataclass
class Member:
    client: socketio.AsyncClient
    nsp: str
    room: str  # the room it joined on arrival
    received: list[Any] = field(default_factory=list)

    @property
    def sid(self) -> str:
        sid = self.client.get_sid(self.nsp)
        assert sid is not None
        return sid


class Crowd:
    """Plain clients, one namespace each, in rooms; python joins through /chat's ``join``."""

    def __init__(self, served: Served) -> None:
        self.served = served
        self.members: list[Member] = []
        self.news = asyncio.Condition()

    def initial_room(self, i: int) -> str:
        return f"team{i % 4}" if self.served.flavour == "node" else ("general", "random")[i % 2]

    @property
    def late_room(self) -> str:
        """A room nobody starts in (python's /chat only knows its four rooms)."""
        return "late" if self.served.flavour == "node" else "support"

    async def join(self, member: Member, room: str) -> None:
        reply = await member.client.call("join", room, namespace=member.nsp, timeout=10)
        assert reply is True or reply.get("ok"), reply

    async def leave(self, member: Member, room: str) -> None:
        reply = await member.client.call("leave", room, namespace=member.nsp, timeout=10)
        assert reply is True or reply.get("ok"), reply

    async def connect(self, i: int) -> Member:
        python = self.served.flavour == "python"
        nsp = "/chat" if python or i % 2 else "/"
        if python and i % 4 == 0:
            nsp = "/"  # python rooms come from /chat's join handler, so most go there
        url = self.served.url if python else f"{self.served.url}?rooms={self.initial_room(i)}"
        client = socketio.AsyncClient(reconnection=False, handle_sigint=False)
        member = Member(client, nsp, self.initial_room(i))

        async def on_news(*args: Any) -> None:
            member.received.append(args)
            async with self.news:
                self.news.notify_all()

        client.on("news", on_news, namespace=nsp)
        await client.connect(url, transports=["websocket"], namespaces=[nsp], wait_timeout=10)
        if python and nsp == "/chat":
            await self.join(member, member.room)
        self.members.append(member)
        return member

    async def grow(self, count: int) -> list[Member]:
        start = len(self.members)
        added: list[Member] = []
        for first in range(start, start + count, BATCH):
            last = min(first + BATCH, start + count)
            added += await asyncio.gather(*(self.connect(i) for i in range(first, last)))
        return added

    async def remove(self, members: list[Member]) -> None:
        await asyncio.gather(*(m.client.disconnect() for m in members))
        for member in members:
            self.members.remove(member)

    def in_chat(self) -> list[Member]:
        return [m for m in self.members if m.nsp == "/chat"]

    async def close(self) -> None:
        await asyncio.gather(*(m.client.disconnect() for m in self.members), return_exceptions=True)


# --- an observing monitor ----------------------------------------------------------------


class Observer:
    """A monitor connection with a topology and an ActionTracker, fed the same batches."""

    def __init__(self, settings: ConnectionSettings) -> None:
        self.feed = Feed(settings)
        self.tracker = ActionTracker(timeout=10)
        self.results: list[ActionResult] = []

    @property
    def topology(self) -> Any:
        return self.feed.topology

    async def start(self) -> None:
        assert await self.feed.connect(), self.feed.failure_message
        await self.until(lambda: self.topology.snapshot_received, "the socket list")

    async def until(self, predicate: Callable[[], bool], what: str, timeout: float = 15) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            batch = self.feed.take()
            self.results += self.tracker.apply(batch, time.time())
            self.results += self.tracker.expire(time.time())
            if predicate():
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"waited {timeout} s for {what}")
            await self.feed.wait(min(remaining, 0.5))

    async def act(self, action: act.Action) -> ActionResult:
        pending = self.tracker.start(action, self.topology, time.time())
        await self.feed.client.send(*action.command())
        await self.until(lambda: pending.result is not None, action.describe())
        assert pending.result is not None
        return pending.result

    async def close(self) -> None:
        await self.feed.close()


async def snapshot_through_the_cli(served: Served) -> tuple[int, str, str]:
    """``python -m sio_monitor snapshot URL --json`` as a child process, the loop still serving."""
    env = {**os.environ, "SIO_MONITOR_PASSWORD": served.password}
    argv = [sys.executable, "-m", "sio_monitor", "snapshot", served.url, "--json"]
    if served.username:
        argv += ["--user", served.username]
    child = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    out, err = await asyncio.wait_for(child.communicate(), 60)
    assert child.returncode is not None
    return child.returncode, out.decode(), err.decode()


# --- the scenario ---------------------------------------------------------------------------


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_snapshot_equals_the_servers_truth_through_churn_and_actions(flavour: str) -> None:
    if flavour == "node":
        require(node_available())

    async def main() -> None:
        async with serving(flavour) as served:
            crowd = Crowd(served)
            observer = Observer(served.settings())
            try:
                await crowd.grow(CROWD)
                await observer.start()
                await check_snapshots(served, with_cli=True)
                await churn(crowd, observer)
                await check_snapshots(served, with_cli=False)
                await check_actions(crowd, observer, served)
                await check_watch(served)
            finally:
                await observer.close()
                await crowd.close()

    asyncio.run(main())


async def check_snapshots(served: Served, *, with_cli: bool) -> None:
    """The in-process core and, once, the real command line, against the server's truth."""
    cli = snapshot_through_the_cli(served) if with_cli else None
    if cli is not None:
        result, (code, out, err) = await asyncio.gather(take_snapshot(served.settings()), cli)
        assert (code, err) == (0, "")
        assert document_view(json.loads(out)) == await served.truth()
    else:
        result = await take_snapshot(served.settings())
    assert result.code == 0 and result.document is not None, result.message
    document = result.document
    assert document["url"] == served.url and document["mode"] == "development"
    assert "incomplete" not in document
    assert [n["name"] for n in document["namespaces"]] == sorted(
        n["name"] for n in document["namespaces"]
    )
    assert "/admin" not in {n["name"] for n in document["namespaces"]}
    assert document_view(document) == await served.truth()
    [server] = document["servers"]
    assert set(server) == {
        "serverId", "hostname", "pid", "uptime", "clientsCount", "pollingClientsCount", "healthy",
    }  # fmt: skip
    assert server["healthy"] is True
    a_socket = document["namespaces"][0]["sockets"][0]
    assert set(a_socket) == {
        "id", "clientId", "transport", "address", "connectedAt", "rooms", "data", "handshake",
    }  # fmt: skip
    assert a_socket["connectedAt"].endswith("Z") and a_socket["transport"] == "websocket"
    assert set(a_socket["handshake"]) == {
        "address", "headers", "query", "issued", "time", "secure", "url",
    }  # fmt: skip
    text = snapshot_text(document)
    for nsp in document["namespaces"]:
        assert f"\n  {nsp['name']}  {nsp['socketsCount']} sockets, " in text
    assert f"\n      {a_socket['id']}  websocket  " in text


async def churn(crowd: Crowd, observer: Observer) -> None:
    """Leave, join, disconnect and reconnect a tenth of the crowd each; wait until it shows."""
    chat = crowd.in_chat()
    leaving, joining = chat[:20], chat[20:40]
    await asyncio.gather(*(crowd.leave(m, m.room) for m in leaving))
    await asyncio.gather(*(crowd.join(m, crowd.late_room) for m in joining))
    # Leavers and joiners are told by acks; disconnections only by the server's own events.
    going = crowd.members[-20:]
    gone = {(m.nsp, m.sid) for m in going}
    await crowd.remove(going)
    await crowd.grow(20)
    topology = observer.topology

    def settled() -> bool:
        return not any(topology.socket(nsp, sid) for nsp, sid in gone)

    await observer.until(settled, "the disconnections")


async def check_actions(crowd: Crowd, observer: Observer, served: Served) -> None:
    """Each action is seen to work by the tracker, and the server agrees."""
    target = crowd.in_chat()[50]
    sid = target.sid

    joined = await observer.act(act.join("/chat", "picked", Target.socket(sid)))
    assert joined.outcome is Outcome.OBSERVED, joined.message
    assert joined.message == f"Socket {sid} joined room 'picked'."
    assert (await served.truth())["/chat"]["rooms"]["picked"] == [sid]

    left = await observer.act(act.leave("/chat", "picked", Target.socket(sid)))
    assert left.outcome is Outcome.OBSERVED, left.message
    assert "picked" not in (await served.truth())["/chat"]["rooms"]

    room = crowd.initial_room(1)
    members = (await served.truth())["/chat"]["rooms"][room]
    assert len(members) > 10

    def room_known() -> bool:  # python reports joins late: let the monitor catch up first
        known = observer.topology.room("/chat", room)
        return known is not None and sorted(known.members) == members

    await observer.until(room_known, f"the members of {room}")
    wall = await observer.act(act.join("/chat", "wall", Target.room(room)))
    assert wall.outcome is Outcome.OBSERVED and wall.observed == len(members), wall.message
    assert (await served.truth())["/chat"]["rooms"]["wall"] == members

    emitted = await observer.act(act.emit("/chat", Target.room(room), "news", {"n": 1}))
    assert emitted.outcome is Outcome.OBSERVED, emitted.message
    assert emitted.message == f"All {len(members)} sockets of room {room!r} received 'news'."
    reached = {m.sid for m in crowd.in_chat() if m.sid in members}
    async with crowd.news:
        await asyncio.wait_for(
            crowd.news.wait_for(
                lambda: sum(1 for m in crowd.members if m.received) == len(reached)
            ),
            10,
        )
    assert all(m.received == [({"n": 1},)] for m in crowd.members if m.sid in reached)

    dropped = await observer.act(act.disconnect("/chat", Target.socket(sid), close=True))
    assert dropped.outcome is Outcome.OBSERVED, dropped.message
    assert sid not in (await served.truth())["/chat"]["sockets"]


async def check_watch(served: Served) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = await run_watch(served.settings(), interval=0.5, count=2, as_json=True, out=out, err=err)
    assert (code, err.getvalue()) == (0, "")
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    for line in map(json.loads, lines):
        assert set(line) == WATCH_KEYS
        assert f"clients {line['clients']}  sockets /=" in watch_text(line)
        assert line["servers"] == 1 and line["clients"] > 0
        assert set(line["sockets"]) == set(NAMESPACES)
        assert isinstance(line["eventsIn"], float)
        assert line["droppedPayloads"] == 0  # a healthy server sends nothing to drop


class _LineSink(io.StringIO):
    """An output stream that hands each JSON line to ``on_line`` as soon as it is written."""

    def __init__(self, on_line: Callable[[dict[str, Any]], None]) -> None:
        super().__init__()
        self._on_line = on_line

    def write(self, text: str) -> int:
        for line in text.splitlines():
            self._on_line(json.loads(line))
        return super().write(text)


def test_watch_counts_the_malformed_payloads_it_drops() -> None:
    """A server sending garbage on the admin namespace: watch goes on and counts what it drops."""

    async def main() -> tuple[int, list[dict[str, Any]], str]:
        server = DemoServer(clients=0, auth=False, stats_interval=0.5)
        await server.start()
        lines: list[dict[str, Any]] = []
        stop = asyncio.Event()
        garbage: list[asyncio.Future[None]] = []

        def on_line(line: dict[str, Any]) -> None:
            lines.append(line)
            if len(lines) == 1:  # the monitor is listening: break the protocol three times
                for shape in ("not an object", [1, 2], {"serverId": ["x"]}):
                    garbage.append(
                        asyncio.ensure_future(
                            server.sio.emit("server_stats", shape, namespace=server.admin_namespace)
                        )
                    )
            if line["droppedPayloads"] >= 3:
                stop.set()

        err = io.StringIO()
        try:
            code = await asyncio.wait_for(
                run_watch(
                    ConnectionSettings(server.url, connect_timeout=10.0),
                    interval=0.25,
                    as_json=True,
                    out=_LineSink(on_line),
                    err=err,
                    stop=stop,
                ),
                30,
            )
            await asyncio.gather(*garbage)
        finally:
            await server.stop()
        return code, lines, err.getvalue()

    code, lines, err = asyncio.run(main())
    assert (code, err) == (0, "")
    assert lines[0]["droppedPayloads"] == 0
    assert lines[-1]["droppedPayloads"] == 3
    assert lines[-1]["servers"] == 1  # the good stats still count


# --- failures, modes ----------------------------------------------------------------------


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_wrong_credentials_exit_2_with_the_sentence(flavour: str) -> None:
    if flavour == "node":
        require(node_available())

    async def main() -> tuple[int, str]:
        async with serving(flavour, password="right") as served:
            err = io.StringIO()
            settings = served.settings(username="admin", password="wrong")
            code = await run_snapshot(settings, as_json=True, out=io.StringIO(), err=err)
            return code, err.getvalue()

    code, err = asyncio.run(main())
    assert code == 2
    assert err.startswith("The server refused these admin credentials")
    assert err.count("\n") == 1


def test_an_unreachable_server_exits_3() -> None:
    port = free_port()
    err = io.StringIO()
    settings = ConnectionSettings(f"http://127.0.0.1:{port}", connect_timeout=3)
    code = asyncio.run(run_snapshot(settings, as_json=False, out=io.StringIO(), err=err))
    assert code == 3
    assert f"127.0.0.1:{port}" in err.getvalue()


def test_the_command_line_says_why_and_exits_3() -> None:
    import subprocess

    port = free_port()
    argv = [sys.executable, "-m", "sio_monitor", "watch", f"http://127.0.0.1:{port}"]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert result.returncode == 3
    assert result.stdout == ""
    assert result.stderr.startswith(f"Could not connect to 127.0.0.1:{port}")


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("variant", ["production", "read-only"])
def test_production_and_read_only_servers(flavour: str, variant: str) -> None:
    if flavour == "node":
        require(node_available())
    mode = "production" if variant == "production" else "development"

    async def main() -> tuple[dict[str, Any], View]:
        async with serving(flavour, mode=mode, read_only=variant == "read-only") as served:
            crowd = Crowd(served)
            try:
                await crowd.grow(12)
                result = await take_snapshot(served.settings())
                assert result.document is not None, result.message
                return result.document, await served.truth()
            finally:
                await crowd.close()

    document, truth = asyncio.run(main())
    counts = {n["name"]: n["socketsCount"] for n in document["namespaces"] if n["socketsCount"]}
    assert counts == {nsp: len(state["sockets"]) for nsp, state in truth.items()}
    if variant == "production":
        assert document["mode"] == "production"
        assert all(n["rooms"] == [] and n["sockets"] == [] for n in document["namespaces"])
        assert "ALL_EVENTS" not in document["features"]
    else:
        assert document["mode"] == "development"
        assert document_view(document) == truth
        assert not set(document["features"]) & act.ACTION_FEATURES
        assert act.available_actions(document["features"]) == []


def test_a_partial_cluster_picture_is_flagged() -> None:
    """Server b counts a socket the socket list does not hold: the document must say so."""
    now = time.time()
    info = ev.SocketInfo(id="s1", client_id="c1", nsp="/", rooms=("s1",))

    def stats(server: str, count: int) -> ev.ServerStatsReceived:
        return build.stats(
            server, now, hostname=server, uptime=5.0, clients=count, counts={"/": count}
        )

    topology = Topology()
    topology.apply(
        [
            ev.ConfigReceived(frozenset({"ALL_EVENTS"}), now),
            stats("a", 1),
            stats("b", 1),
            ev.AllSocketsReceived((info,), now),
        ]
    )
    document = snapshot_document(topology, "http://cluster", "/admin", now)
    assert document["incomplete"] is True
    assert document["unreportedServers"] == ["b"]
    assert [s["id"] for s in document["namespaces"][0]["sockets"]] == ["s1"]
