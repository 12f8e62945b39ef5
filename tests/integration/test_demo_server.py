"""The demo server, its virtual users and the demo-server command, over real loopback sockets."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest
import socketio

from sio_monitor.net import demo_command
from sio_monitor.net.demo import DemoServer

T = TypeVar("T")
REPO = Path(__file__).resolve().parents[2]
APP_NAMESPACES = {"/", "/chat"}
CHAT_EVENTS = {"message", "typing", "join", "leave", "ping", "whoami", "status"}
COMMAND = (
    "import argparse, sys; from sio_monitor.net import demo_command as d; "
    "p = argparse.ArgumentParser(); d.add_arguments(p); "
    "sys.exit(d.run(p.parse_args(sys.argv[1:])))"
)


def run(coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
    """Run one test body on a fresh loop, bounded so a hang fails instead of stalling."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


class AdminProbe:
    """A bare admin client that records what it receives and can await a condition on it."""

    def __init__(self, namespace: str = "/admin") -> None:
        self.namespace = namespace
        self.client = socketio.AsyncClient(handle_sigint=False, reconnection=False)
        self.events: list[tuple[str, tuple[Any, ...]]] = []
        self.connect_errors: list[Any] = []
        self._changed = asyncio.Event()
        self.client.on("*", self._record, namespace=namespace)
        self.client.on("connect_error", self._record_error, namespace=namespace)
        self.client.on("disconnect", self._changed.set, namespace=namespace)

    async def _record(self, event: str, *args: Any) -> None:
        self.events.append((event, args))
        self._changed.set()

    async def _record_error(self, data: Any = None) -> None:
        self.connect_errors.append(data)

    async def connect(self, url: str, auth: dict[str, Any] | None) -> None:
        await self.client.connect(
            url, namespaces=[self.namespace], auth=auth, transports=["websocket"], wait_timeout=5
        )

    def received(self, name: str) -> list[tuple[Any, ...]]:
        return [args for event, args in self.events if event == name]

    async def until(self, predicate: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                seen = Counter(event for event, _ in self.events)
                raise AssertionError(f"timed out waiting for {what}; received {dict(seen)}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.client.disconnect(), 2)


def credentials(server: DemoServer) -> dict[str, Any]:
    return {"username": server.username, "password": server.password}


def app_sockets(server: DemoServer) -> set[tuple[str, str]]:
    """The server's own truth: every (namespace, sid) connected outside the admin namespace."""
    rooms = server.sio.manager.rooms
    return {(nsp, sid) for nsp in APP_NAMESPACES for sid in rooms.get(nsp, {}).get(None, {})}


# -- in-process server --------------------------------------------------------


@pytest.mark.network
def test_admin_namespace_accepts_generated_credentials_and_refuses_wrong_ones() -> None:
    async def body() -> None:
        async with DemoServer(clients=2, rate=0) as server:
            assert server.username == "admin"
            assert server.password and len(server.password) >= 12
            assert server.info() == {
                "url": f"http://127.0.0.1:{server.port}",
                "admin_namespace": "/admin",
                "username": "admin",
                "password": server.password,
            }
            good = AdminProbe()
            await good.connect(server.url, credentials(server))
            await good.until(lambda: bool(good.received("config")), "config")
            await good.close()

            for auth in ({"username": "admin", "password": "wrong"}, None):
                bad = AdminProbe()
                with pytest.raises(socketio.exceptions.ConnectionError):
                    await bad.connect(server.url, auth)
                assert bad.connect_errors == [{"message": "authentication failed"}]
                await bad.close()

    run(body())


@pytest.mark.network
def test_snapshot_matches_the_server_truth_on_both_namespaces() -> None:
    async def body() -> None:
        # rate 0: the crowd connects and stays put, so the snapshot is stable.
        async with DemoServer(clients=6, rate=0, stats_interval=0.5) as server:
            assert await server.wait_ready(timeout=10)
            admin = AdminProbe()
            await admin.connect(server.url, credentials(server))
            await admin.until(lambda: bool(admin.received("all_sockets")), "all_sockets")
            (config,) = admin.received("config")[0]
            assert "ALL_EVENTS" in config["supportedFeatures"]
            assert "JOIN" in config["supportedFeatures"]

            (snapshot,) = admin.received("all_sockets")[0]
            listed = {(s["nsp"], s["id"]) for s in snapshot if s["nsp"] in APP_NAMESPACES}
            assert listed == app_sockets(server)
            assert {nsp for nsp, _ in listed} == APP_NAMESPACES
            assert len(listed) == 12
            for sock in snapshot:
                if sock["nsp"] == "/chat":
                    assert set(sock["rooms"]) == {sock["id"], "lobby"}
                if sock["nsp"] in APP_NAMESPACES:
                    assert sock["transport"] == "websocket"
                    assert sock["handshake"]["query"]["user"].count("-") == 1
                    assert sock["handshake"]["headers"]["user_agent"]

            await admin.until(lambda: bool(admin.received("server_stats")), "server_stats")
            (stats,) = admin.received("server_stats")[0]
            counts = {n["name"]: n["socketsCount"] for n in stats["namespaces"]}
            assert counts["/"] == counts["/chat"] == 6
            assert {e["type"] for e in stats["aggregatedEvents"]} >= {"packetsIn", "packetsOut"}
            await admin.close()

    run(body())


@pytest.mark.network
def test_events_flow_from_the_virtual_users() -> None:
    async def body() -> None:
        async with DemoServer(clients=10, rate=40, stats_interval=0.5, seed=7) as server:
            assert await server.wait_ready(timeout=10)
            admin = AdminProbe()
            await admin.connect(server.url, credentials(server))

            def enough() -> bool:
                names = {args[2][0] for args in admin.received("event_received")}
                return "message" in names and len(admin.received("event_received")) >= 20

            await admin.until(enough, "20 event_received including a chat message")
            for nsp, sid, (name, *_), timestamp in admin.received("event_received"):
                assert nsp in APP_NAMESPACES and sid and name in CHAT_EVENTS
                assert timestamp.endswith("+00:00")
            # Broadcasts fan out: one event_sent per recipient.
            await admin.until(lambda: bool(admin.received("event_sent")), "event_sent")
            # Room changes are queued and flushed after a server_stats.
            await admin.until(lambda: bool(admin.received("room_joined")), "room_joined")
            assert server.traffic is not None and server.traffic.actions_done > 0
            await admin.close()

    run(body())


@pytest.mark.network
def test_without_auth_anyone_gets_in() -> None:
    async def body() -> None:
        async with DemoServer(clients=2, rate=5, auth=False) as server:
            assert server.username is None and server.password is None
            assert server.info()["password"] is None
            admin = AdminProbe()
            await admin.connect(server.url, None)
            await admin.until(lambda: bool(admin.received("config")), "config")
            await admin.close()

    run(body())


@pytest.mark.network
def test_production_read_only_sends_only_config_and_stats() -> None:
    async def body() -> None:
        async with DemoServer(
            clients=3, rate=20, mode="production", read_only=True, stats_interval=0.3
        ) as server:
            assert await server.wait_ready(timeout=10)
            admin = AdminProbe()
            await admin.connect(server.url, credentials(server))
            await admin.until(lambda: len(admin.received("server_stats")) >= 2, "server_stats")
            assert admin.received("config") == [({"supportedFeatures": ["AGGREGATED_EVENTS"]},)]
            assert {event for event, _ in admin.events} == {"config", "server_stats"}
            await admin.close()

    run(body())


@pytest.mark.network
def test_stop_is_idempotent_quick_and_leaves_nothing_behind() -> None:
    async def body() -> None:
        server = DemoServer(clients=8, rate=50)
        await server.start()
        assert await server.wait_ready(timeout=10)
        with pytest.raises(RuntimeError, match="one at a time"):
            await DemoServer(clients=0).start()
        admin = AdminProbe()
        await admin.connect(server.url, credentials(server))
        await asyncio.wait_for(asyncio.gather(server.stop(), server.stop()), 60)
        await asyncio.wait_for(server.stop(), 60)
        await admin.until(lambda: not admin.client.connected, "the admin to be disconnected")
        assert server.traffic is not None and server.traffic.online_count == 0
        # A later server in the same process works: the instrumentation was undone.
        async with DemoServer(clients=1, rate=0) as again:
            assert await again.wait_ready(timeout=10)

    run(body())


def test_command_flags_map_onto_the_server_options() -> None:
    parser = argparse.ArgumentParser()
    demo_command.add_arguments(parser)
    defaults = parser.parse_args([])
    assert (defaults.host, defaults.port, defaults.clients, defaults.rate) == (
        "127.0.0.1",
        0,
        40,
        20,
    )
    assert (defaults.admin_user, defaults.admin_password) == ("admin", None)
    assert not (defaults.no_auth or defaults.production or defaults.read_only or defaults.json)
    args = parser.parse_args(
        ["--no-auth", "--production", "--read-only", "--json", "--rate", "2.5"]
    )
    assert args.no_auth and args.production and args.read_only and args.json and args.rate == 2.5
    with pytest.raises(SystemExit):
        parser.parse_args(["--clients", "-1"])


# -- the demo-server command as a process ----------------------------------------


class Command:
    """``demo-server`` in a child process, its stdout read line by line on a thread.

    A thread rather than select(): select() cannot see lines that already sit
    in Python's read buffer, and it does not work on pipes on Windows.
    """

    def __init__(self, *flags: str) -> None:
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-c", COMMAND, *flags],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._lines: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=self._pump, daemon=True)
        self._reader.start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put("")  # end of output

    def read_line(self, timeout: float = 15.0) -> str:
        try:
            return self._lines.get(timeout=timeout)
        except queue.Empty:
            pytest.fail("the command printed nothing in time")

    def stop(self, sig: signal.Signals) -> tuple[int, float, str]:
        """Signal the process; return its exit code, how long it took to exit, and its stderr."""
        started = time.monotonic()
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=60)  # only a failure timeout: a stop that never ends
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            pytest.fail(f"demo-server did not stop after {sig.name}")
        finally:
            elapsed = time.monotonic() - started
            self._reader.join(timeout=2.0)
            assert self.proc.stdout is not None and self.proc.stderr is not None
            stderr = self.proc.stderr.read()
            self.proc.stdout.close()
            self.proc.stderr.close()
        return self.proc.returncode, elapsed, stderr


@pytest.mark.network
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_command_prints_json_first_and_stops_cleanly(sig: signal.Signals) -> None:
    command = Command("--json", "--clients", "4", "--rate", "10")
    try:
        info = json.loads(command.read_line())
        assert set(info) == {"url", "admin_namespace", "username", "password"}
        assert info["url"].startswith("http://127.0.0.1:") and info["username"] == "admin"

        async def connect() -> list[tuple[Any, ...]]:
            admin = AdminProbe(info["admin_namespace"])
            auth = {"username": info["username"], "password": info["password"]}
            await admin.connect(info["url"], auth)
            await admin.until(lambda: bool(admin.received("config")), "config")
            await admin.close()
            return admin.received("config")

        assert run(connect(), timeout=15)
    finally:
        returncode, _, stderr = command.stop(sig)
    assert "Traceback" not in stderr, stderr
    assert returncode == 0


@pytest.mark.network
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_command_human_output_says_how_to_connect() -> None:
    command = Command("--clients", "0", "--admin-password", "s3cret")
    lines: list[str] = []
    try:
        while not lines or not lines[-1].startswith("Press Ctrl+C"):
            line = command.read_line()
            assert line, "the command exited early"
            lines.append(line.rstrip("\n"))
    finally:
        returncode, _, stderr = command.stop(signal.SIGTERM)
    text = "\n".join(lines)
    url = lines[0].rsplit(" ", 1)[-1]
    assert url.startswith("http://127.0.0.1:")
    assert "/admin" in text and "s3cret" in text
    assert f"SIO_MONITOR_PASSWORD=s3cret sio-monitor {url} --user admin" in text
    assert returncode == 0 and "Traceback" not in stderr
