"""``sio-monitor record`` as a user runs it: a subprocess against a real python-socketio server.

The server is the demo server without its simulated crowd; the test brings
its own clients, in rooms, so that what the server holds at the end is known,
and the file the command wrote must rebuild exactly that. Waits are for the
command's own output lines, never for a fixed time.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import socketio

from sio_monitor.domain import events as ev
from sio_monitor.domain.topology.topology import Topology
from sio_monitor.net.demo import DemoServer
from sio_monitor.store.recording_reader import open_recording
from tests.support.net import free_port
from tests.support.views import View, python_view

pytestmark = pytest.mark.network

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "record-test-secret-1"
CROWD = 12
COUNTS_LINE = re.compile(r"^\d\d:\d\d:\d\d  [\d,]+ events  [\d,]+ sockets  [\d.]+ k?M?B$")


@contextlib.asynccontextmanager
async def server_with_crowd() -> AsyncIterator[tuple[DemoServer, list[socketio.AsyncClient]]]:
    server = DemoServer(clients=0, stats_interval=0.5, admin_password=PASSWORD)
    await server.start()
    clients: list[socketio.AsyncClient] = []
    try:
        for n in range(CROWD):
            client = socketio.AsyncClient(handle_sigint=False, reconnection=False)
            await client.connect(
                f"{server.url}?user=u{n}",
                namespaces=["/", "/chat"],
                transports=["websocket"],
                wait_timeout=10,
            )
            clients.append(client)
            if n % 2 == 0:
                reply = await client.call("join", "general", namespace="/chat", timeout=10)
                assert reply["ok"], reply
        yield server, clients
    finally:
        for client in clients:
            with contextlib.suppress(Exception):
                await client.disconnect()
        await server.stop()


async def start_record(
    url: str, out: Path, *flags: str, password: str = PASSWORD
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sio_monitor", "record", url,
        "--user", "admin", "--out", str(out), "--timeout", "10", *flags,
        cwd=ROOT,
        env={**os.environ, "SIO_MONITOR_PASSWORD": password},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def read_line(process: asyncio.subprocess.Process) -> str:
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 30)
    assert line, "the command ended early: " + (await process.stderr.read()).decode()  # type: ignore[union-attr]
    return line.decode().rstrip("\n")


def replayed_view(events: list[object], admin_namespace: str) -> View:
    topology = Topology()
    topology.apply(events)  # type: ignore[arg-type]
    view: View = {}
    for nsp in topology.namespaces():
        sockets = sorted(s.id for s in topology.sockets(nsp))
        if nsp == admin_namespace or not sockets:
            continue
        rooms = {
            room.name: sorted(room.members)
            for room in topology.rooms(nsp, include_private=True)
            if room.members
        }
        view[nsp] = {"sockets": sockets, "rooms": rooms}
    return view


def test_a_timed_recording_rebuilds_the_servers_picture(tmp_path: Path) -> None:
    out = tmp_path / "timed.sio-recording"
    messages = 25

    async def main() -> tuple[int, list[str], str, View]:
        async with server_with_crowd() as (server, clients):
            process = await start_record(server.url, out, "--duration", "4", "--interval", "0.5")
            header = await read_line(process)
            assert header.startswith(f"Recording 127.0.0.1:{server.port} to {out}")
            assert COUNTS_LINE.match(await read_line(process))
            talker = clients[0]  # in "general": the server takes its messages
            for n in range(messages):
                reply = await talker.call(
                    "message", {"room": "general", "text": f"m{n}"}, namespace="/chat", timeout=10
                )
                assert reply["ok"], reply
            truth = python_view(server)
            stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
            lines = [header, *stdout.decode().splitlines()]
            return process.returncode or 0, lines, stderr.decode(), truth

    code, lines, stderr, truth = asyncio.run(main())
    assert code == 0, stderr
    assert lines[-1].startswith("Recorded ") and lines[-1].endswith(f"events to {out}")
    assert all(COUNTS_LINE.match(line) for line in lines[1:-1]), lines
    assert f" {CROWD * 2} sockets " in lines[-2]
    assert PASSWORD.encode() not in out.read_bytes()
    with open_recording(out) as recording:
        info = recording.info
        assert info.ended_at is not None
        assert info.server_url.startswith("http://127.0.0.1:")
        events = list(recording.events())
    recorded = int(lines[-1].split()[1].replace(",", ""))
    assert recorded == len(events)
    kinds = {type(e) for e in events}
    assert {ev.ConfigReceived, ev.AllSocketsReceived, ev.ServerStatsReceived} <= kinds
    said = [
        e
        for e in events
        if isinstance(e, ev.EventReceived) and e.nsp == "/chat" and e.name == "message"
    ]
    assert [e.args[0]["text"] for e in said] == [f"m{n}" for n in range(messages)]
    assert replayed_view(events, info.admin_namespace) == truth


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stop_signal_ends_it_cleanly_with_the_file_complete(
    tmp_path: Path, sig: signal.Signals
) -> None:
    out = tmp_path / "stopped.sio-recording"

    async def main() -> tuple[int, str, str]:
        async with server_with_crowd() as (server, _clients):
            process = await start_record(server.url, out, "--interval", "0.5")
            await read_line(process)
            assert COUNTS_LINE.match(await read_line(process))
            process.send_signal(sig)
            stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
            return process.returncode or 0, stdout.decode(), stderr.decode()

    code, stdout, stderr = asyncio.run(main())
    assert code == 0, stderr
    assert "Traceback" not in stderr
    assert stdout.splitlines()[-1].startswith("Recorded ")
    with open_recording(out) as recording:
        assert recording.info.ended_at is not None
        assert recording.count() > 0
    assert not Path(f"{out}-wal").exists()


def test_after_kill_9_the_file_opens_and_misses_at_most_the_last_second(tmp_path: Path) -> None:
    out = tmp_path / "killed.sio-recording"

    async def main() -> float:
        async with server_with_crowd() as (server, clients):
            process = await start_record(server.url, out, "--interval", "0.25")
            await read_line(process)
            chatter = asyncio.create_task(chat(clients[0]))
            try:
                for _ in range(8):  # two seconds of recording, as the command counts them
                    assert COUNTS_LINE.match(await read_line(process))
                killed_at = time.time()
                process.kill()
                await asyncio.wait_for(process.wait(), 10)
            finally:
                chatter.cancel()
            assert process.returncode == -signal.SIGKILL
            return killed_at

    killed_at = asyncio.run(main())
    with open_recording(out) as recording:
        assert recording.info.ended_at is None  # never finished: the file is what the crash left
        events = list(recording.events())
        newest = recording.time_range()[1]  # type: ignore[index]
    assert any(isinstance(e, ev.AllSocketsReceived) for e in events)
    assert any(isinstance(e, ev.EventReceived) and e.name == "message" for e in events)
    assert killed_at - newest <= 1.0, f"the last {killed_at - newest:.2f} s were lost"


async def chat(client: socketio.AsyncClient) -> None:
    """Messages for as long as the recording runs, each one acknowledged before the next."""
    n = 0
    while True:
        await client.call("message", {"room": "general", "text": f"c{n}"}, namespace="/chat")
        n += 1


def test_refused_credentials_exit_2_and_leave_no_file(tmp_path: Path) -> None:
    out = tmp_path / "refused.sio-recording"

    async def main() -> tuple[int, str]:
        async with server_with_crowd() as (server, _clients):
            process = await start_record(server.url, out, password="wrong-password")
            _, stderr = await asyncio.wait_for(process.communicate(), 30)
            return process.returncode or 0, stderr.decode()

    code, stderr = asyncio.run(main())
    assert code == 2
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert not out.exists()


def test_an_unreachable_server_exits_3(tmp_path: Path) -> None:
    out = tmp_path / "nobody.sio-recording"

    async def main() -> tuple[int, str]:
        url = f"http://127.0.0.1:{free_port()}"
        process = await start_record(url, out, "--timeout", "3")
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
        return process.returncode or 0, stderr.decode()

    code, stderr = asyncio.run(main())
    assert code == 3, stderr
    assert not out.exists()
