"""``watch`` and ``record`` drop a killed cluster node, as the window does.

Three Node socket.io 4.8 nodes with admin-ui share a real Redis
(``@socket.io/redis-adapter``); clients are spread over them. Both commands run
as a user runs them, as subprocesses connected to node 0. Node 2 is then
killed with SIGKILL: it says goodbye to no one, so only the health clock (the
same ``MonitorState`` the window uses) can judge it. Both commands must come
down to what the live nodes themselves hold (``GET /truth``), and the file
``record`` wrote must replay to it. Waits are for the commands' own lines.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import socketio

from sio_monitor.domain.monitor_state import MonitorState
from sio_monitor.store.recording_reader import open_recording
from tests.integration.redis_server import RedisServer, redis_server  # noqa: F401
from tests.peers.launch import NodePeer, fetch_truth, node_available
from tests.support.fixtures import require

pytestmark = [pytest.mark.network, pytest.mark.node]

ROOT = Path(__file__).resolve().parents[2]
SPREAD = (3, 4, 5)  # clients per node
LINE_TIMEOUT = 30.0  # a failure timeout per line, not a measure
SOCKETS = re.compile(r"  ([\d,]+) sockets  ")


def node(redis_url: str, index: int) -> NodePeer:
    args = ("--redis", redis_url, "--server-id", f"node-{index}", "--no-auth", "--port", "0")
    return NodePeer("admin_server.js", *args)


async def live_sockets(*urls: str) -> set[str]:
    sockets: set[str] = set()
    for url in urls:
        sockets |= set((await fetch_truth(url))["namespaces"]["/"]["sockets"])
    return sockets


@contextlib.asynccontextmanager
async def cluster(redis_url: str) -> AsyncIterator[list[NodePeer]]:
    peers: list[NodePeer] = []
    clients: list[socketio.AsyncClient] = []
    try:
        for index, count in enumerate(SPREAD):
            peers.append(node(redis_url, index).start())
            for _ in range(count):
                client = socketio.AsyncClient(reconnection=False, handle_sigint=False)
                await client.connect(peers[-1].url, transports=["websocket"], wait_timeout=10)
                clients.append(client)
        yield peers
    finally:
        for client in clients:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.shutdown(), 2.0)
        for peer in peers:
            peer.stop()


async def command(*argv: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sio_monitor", *argv,
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def line_until(
    process: asyncio.subprocess.Process, done: Callable[[str], bool], limit: int = 200
) -> str:
    """Read the command's lines until one satisfies ``done``; return it."""
    assert process.stdout is not None
    seen: list[str] = []
    for _ in range(limit):
        raw = await asyncio.wait_for(process.stdout.readline(), LINE_TIMEOUT)
        if not raw:
            err = await process.stderr.read() if process.stderr else b""
            raise AssertionError(f"the command ended: {seen[-5:]} {err.decode()}")
        seen.append(raw.decode().rstrip("\n"))
        if done(seen[-1]):
            return seen[-1]
    raise AssertionError(f"never reached; last lines: {seen[-5:]}")


def watch_says(servers: int, reporting: int, sockets: int) -> Callable[[str], bool]:
    def done(text: str) -> bool:
        line: dict[str, Any] = json.loads(text)
        return (line["servers"], line["serversReporting"], line["sockets"].get("/")) == (
            servers,
            reporting,
            sockets,
        )

    return done


def record_says(sockets: int) -> Callable[[str], bool]:
    def done(text: str) -> bool:
        match = SOCKETS.search(text)
        return match is not None and int(match.group(1).replace(",", "")) == sockets

    return done


async def stop(process: asyncio.subprocess.Process) -> tuple[int, str, str]:
    process.send_signal(signal.SIGINT)
    out, err = await asyncio.wait_for(process.communicate(), LINE_TIMEOUT)
    return process.returncode or 0, out.decode(), err.decode()


def test_watch_and_record_drop_a_killed_node(
    redis_server: RedisServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    require(node_available())
    out = tmp_path / "cluster.sio-recording"

    async def main() -> tuple[set[str], set[str], str]:
        async with cluster(redis_server.url) as peers:
            everyone = await live_sockets(*(peer.url for peer in peers))
            assert len(everyone) == sum(SPREAD)
            url = peers[0].url
            watch = await command("watch", url, "--json", "--interval", "0.5")
            record = await command("record", url, "--out", str(out), "--interval", "0.5")
            try:
                await line_until(watch, watch_says(3, 3, sum(SPREAD)))
                await line_until(record, record_says(sum(SPREAD)))

                doomed = await live_sockets(peers[2].url)
                assert peers[2].process is not None
                peers[2].process.kill()  # SIGKILL
                survivors = await live_sockets(peers[0].url, peers[1].url)
                assert survivors == everyone - doomed and len(survivors) == sum(SPREAD[:2])

                seen = await line_until(watch, watch_says(3, 2, len(survivors)))
                assert json.loads(seen)["clients"] == len(survivors)
                await line_until(record, record_says(len(survivors)))
            finally:
                watch_code, _, watch_err = await stop(watch)
                record_code, record_out, record_err = await stop(record)
            assert watch_code == 0, watch_err
            assert record_code == 0, record_err
            return survivors, doomed, record_out

    survivors, doomed, record_out = asyncio.run(main())
    assert record_out.splitlines()[-1].startswith("Recorded ")
    # The file replays, through the same state the window and the commands use, to the truth.
    with open_recording(out) as recording:
        state = MonitorState(admin_namespace=recording.info.admin_namespace)
        state.apply(list(recording.events()))
    assert {s.id for s in state.topology.sockets("/")} == survivors
    assert not doomed & {s.id for s in state.topology.sockets("/")}
