"""Virtual users on Locust against the real Node peer, counted by the server itself.

The server's own count comes from its admin namespace (admin-ui's
``server_stats``), not from Locust: 200 users must show there and go away
after the run. Every run is bounded (users, duration) and aimed at 127.0.0.1.
A killed ``sio-monitor load`` (SIGKILL, no clean-up of its own) must leave no
Locust process: the test waits for each one's exit through a pidfd, an event
rather than a poll.
"""

from __future__ import annotations

import asyncio
import os
import select
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio

from sio_monitor.domain.emit.probe_settings import ProbeSettings
from sio_monitor.domain.load.figures import ACK, CONNECT, LoadFigures, Snapshot
from sio_monitor.domain.load.plan import LoadPlan
from sio_monitor.load.runner import LoadRun, process_group
from tests.peers.launch import NodePeer, node_available
from tests.support.skips import require

# Locust's master and workers start slowly on a busy machine: generous failure timeouts.
pytestmark = [pytest.mark.node, pytest.mark.network, pytest.mark.timeout(900)]

#: Bounds on every wait: a stuck run fails the test instead of hanging it.
TIMEOUT = 240.0
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True, scope="module")
def _require_node() -> None:
    require(node_available())


@pytest.fixture
def peer() -> Iterator[NodePeer]:
    with NodePeer("admin_server.js") as server:
        yield server


class ServerCount:
    """The sockets the server itself reports on ``/``, from its admin namespace's stats."""

    def __init__(self) -> None:
        self.client = socketio.AsyncClient(handle_sigint=False, reconnection=False)
        self.seen: list[int] = []
        self._waiters: list[tuple[Callable[[int], bool], asyncio.Future[int]]] = []
        self.client.on("server_stats", self._stats, namespace="/admin")

    async def connect(self, url: str) -> None:
        await self.client.connect(
            url, namespaces=["/admin"], transports=["websocket"], wait_timeout=TIMEOUT
        )

    def _stats(self, stats: dict[str, Any]) -> None:
        count = next(
            (int(n["socketsCount"]) for n in stats.get("namespaces", []) if n["name"] == "/"), 0
        )
        self.seen.append(count)
        for test, future in list(self._waiters):
            if test(count) and not future.done():
                future.set_result(count)

    async def until(self, test: Callable[[int], bool]) -> int:
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._waiters.append((test, future))
        return await asyncio.wait_for(future, TIMEOUT)


def plan_for(url: str, users: int, duration: float) -> LoadPlan:
    return LoadPlan(
        probe=ProbeSettings(url=url, reconnection=False),
        users=users,
        spawn_rate=100,
        duration=duration,
        event="echo",
        args=("hello",),
        every=1.0,
        ack=True,
    ).validated()


class Collected:
    """A run's figures, handed from its reader thread to the test's loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.figures = LoadFigures()
        self.exited: asyncio.Future[int] = loop.create_future()
        self.first: asyncio.Future[Snapshot] = loop.create_future()

    def snapshot(self, snapshot: Snapshot) -> None:
        self.loop.call_soon_threadsafe(self._take, snapshot)

    def _take(self, snapshot: Snapshot) -> None:
        self.figures.add(snapshot)
        if not self.first.done() and snapshot.users > 0:
            self.first.set_result(snapshot)

    def exit(self, code: int) -> None:
        self.loop.call_soon_threadsafe(self.exited.set_result, code)


def test_200_users_reach_the_server_and_leave_after_the_run(peer: NodePeer) -> None:
    async def scenario() -> tuple[int, int, LoadFigures, int, list[int]]:
        count = ServerCount()
        await count.connect(peer.url)
        collected = Collected(asyncio.get_running_loop())
        run = LoadRun(plan_for(peer.url, 200, 12), collected.snapshot, collected.exit)
        try:
            run.start()
            peak = await count.until(lambda n: n >= 200)
            code = await asyncio.wait_for(collected.exited, TIMEOUT)
            after = await count.until(lambda n: n == 0)
        finally:
            run.kill()
            await count.client.disconnect()
        return peak, after, collected.figures, code, run.pids()

    peak, after, figures, code, left = asyncio.run(scenario())
    assert peak == 200
    assert after == 0
    assert code == 0
    assert left == []
    summary = figures.summary()
    assert summary["usersReached"] == 200
    assert summary["errors"] == 0
    assert summary["acksPerSecond"] > 0
    for kind in ("connectMs", "ackMs"):
        latency = summary[kind]
        assert latency is not None
        assert 0 <= latency["p50"] <= latency["p95"] <= latency["p99"]
    last = figures.last
    assert last is not None
    connect = last.entry(CONNECT)
    assert connect is not None and connect.requests == 200
    ack = last.entry(ACK)
    assert ack is not None and ack.failures == 0 and ack.requests >= 200


def test_stop_ends_every_process_of_the_run(peer: NodePeer) -> None:
    async def scenario() -> tuple[list[int], list[int], int]:
        count = ServerCount()
        await count.connect(peer.url)
        collected = Collected(asyncio.get_running_loop())
        run = LoadRun(plan_for(peer.url, 20, 600), collected.snapshot, collected.exit)
        try:
            run.start()
            await asyncio.wait_for(collected.first, TIMEOUT)
            await count.until(lambda n: n >= 20)
            running = run.pids()
            run.stop()
            await asyncio.wait_for(collected.exited, TIMEOUT)
            after = await count.until(lambda n: n == 0)
        finally:
            run.kill()
            await count.client.disconnect()
        return running, run.pids(), after

    running, left, after = asyncio.run(scenario())
    assert len(running) >= 2  # the master and its worker
    assert left == []
    assert after == 0


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _wait_gone(pids: list[int]) -> None:
    """Block until every pid has exited (a pidfd turns readable), bounded by TIMEOUT."""
    for pid in pids:
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            continue
        try:
            readable, _, _ = select.select([fd], [], [], TIMEOUT)
            assert readable, f"process {pid} outlived the killed command"
        finally:
            os.close(fd)


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="needs Linux pidfds")
def test_a_killed_load_command_leaves_no_locust_process(peer: NodePeer) -> None:
    command = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sio_monitor",
            "load",
            peer.url,
            "--users",
            "10",
            "--duration",
            "600",
            "--event",
            "echo",
            "--ack",
            "--processes",
            "2",
        ],
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert command.stderr is not None
        line = command.stderr.readline()  # the first live line: the users are running
        assert "users" in line, line
        masters = _children(command.pid)
        assert len(masters) == 1
        group = process_group(masters[0])
        assert len(group) == 3  # the master and two workers
        command.send_signal(signal.SIGKILL)
        command.wait(TIMEOUT)
        _wait_gone(group)
        assert process_group(masters[0]) == []
    finally:
        if command.poll() is None:
            command.kill()
        command.wait(TIMEOUT)
        if command.stderr is not None:
            command.stderr.close()


SCENARIO = REPO / "tests" / "fixtures" / "load_echo.sio.yaml"


def test_users_replay_a_scenarios_client_steps(peer: NodePeer) -> None:
    async def scenario() -> tuple[LoadFigures, int]:
        count = ServerCount()
        await count.connect(peer.url)
        collected = Collected(asyncio.get_running_loop())
        plan = LoadPlan(
            probe=ProbeSettings(url=peer.url, reconnection=False),
            users=10,
            spawn_rate=10,
            duration=5,
            every=1.0,
            scenario=str(SCENARIO),
        ).validated()
        run = LoadRun(plan, collected.snapshot, collected.exit)
        try:
            run.start()
            await asyncio.wait_for(collected.exited, TIMEOUT)
            after = await count.until(lambda n: n == 0)
        finally:
            run.kill()
            await count.client.disconnect()
        return collected.figures, after

    figures, after = asyncio.run(scenario())
    assert after == 0
    last = figures.last
    assert last is not None
    seen = {(entry.kind, entry.name): entry for entry in last.entries}
    for key in (
        (CONNECT, "user"),
        (ACK, "join"),
        (ACK, "echo"),
        (ACK, "broadcast"),
        ("expect", "news"),
    ):
        assert key in seen, key
        assert seen[key].requests >= 10 and seen[key].failures == 0, seen[key]
    assert last.errors == ()


def test_a_failing_step_is_an_error_of_its_kind_and_the_pass_starts_again(
    peer: NodePeer, tmp_path: Path
) -> None:
    failing = tmp_path / "failing.sio.yaml"
    failing.write_text(
        "name: wrong echo\n"
        "clients: {user: {namespace: /}}\n"
        "steps:\n"
        "  - connect: [user]\n"
        "  - emit: {client: user, event: echo, args: [1], ack: {within: 5, expect: [2]}}\n"
        "  - emit: {client: user, event: echo, args: [3], ack: {within: 5}}\n"
    )

    async def scenario() -> LoadFigures:
        collected = Collected(asyncio.get_running_loop())
        plan = LoadPlan(
            probe=ProbeSettings(url=peer.url, reconnection=False),
            users=3,
            spawn_rate=3,
            duration=3,
            every=0.5,
            scenario=str(failing),
        ).validated()
        run = LoadRun(plan, collected.snapshot, collected.exit)
        try:
            run.start()
            await asyncio.wait_for(collected.exited, TIMEOUT)
        finally:
            run.kill()
        return collected.figures

    last = asyncio.run(scenario()).last
    assert last is not None
    echo = last.entry(ACK)
    assert echo is not None and echo.failures >= 3 and echo.failures == echo.requests
    assert len(last.errors) == 1
    assert last.errors[0].error.startswith("the ack did not match")
    assert last.errors[0].count == echo.failures
