"""Cost of session recording: the app's ingest with recording on against off, the writer, the disk.

Run with ``python -m tests.benchmarks.bench_recording``. Three parts, each
a ratio against a baseline measured in the same run:

1. The app's receive path, end to end: a real Socket.IO server (Node,
   socket.io 4 with admin-ui, tests/peers/admin_server.js) and a child
   process of plain clients sending it a steady ``--rate`` of events; the
   window's own loop, admin client and bridge receive the admin stream, with
   the Recorder attached (on) or not (off), in interleaved runs. The figure
   is the process's CPU time per event, all threads included: its inverse
   is the ingest capacity, and unlike a wall-clock rate on a shared two-core
   machine it does not move with the load of other processes. Target: the
   capacity with recording on >= 0.9 of off.
2. The GUI thread alone at saturation: a synthetic stream pushed through
   ``bridge.sink``/``bridge.flush`` as fast as the thread allows, the
   writer's thread competing for the interpreter lock, and the rate that
   holds until everything is on disk: the most recording can sustain, far
   above what any network connection of the app delivers (part 1).
3. The writer by itself: rows per second it commits, against encoding alone,
   and bytes per event on disk for the synthetic and the real stream.

Absolute rates vary with the machine and its load; the ratios are the result.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from sio_monitor.domain.events import (
    AllSocketsReceived,
    ConfigReceived,
    DomainEvent,
    EventReceived,
    EventSent,
    NamespaceCount,
    RoomJoined,
    ServerStatsReceived,
    SocketConnected,
    SocketInfo,
)
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.qt.bridge import EventBridge
from sio_monitor.qt.loop import new_event_loop
from sio_monitor.qt.recorder import Recorder
from sio_monitor.qt.session import MonitorSession
from sio_monitor.store.event_codec import encode
from sio_monitor.store.recording import RecordingWriter
from sio_monitor.store.recording_reader import open_recording

TARGET = 0.9
ROOT = Path(__file__).resolve().parents[2]
PEERS = ROOT / "tests" / "peers"
NAMESPACES = ("/", "/chat")
NAMES = ("message", "typing", "presence", "join", "status")
SIDS = tuple(f"Xk2v{n:04d}AbCdEfGhIjKl" for n in range(400))
DEV = frozenset({"ALL_EVENTS", "AGGREGATED_EVENTS", "EMIT", "JOIN", "LEAVE"})
BATCH = 300  # about what the 30 ms coalescing timer gathers at 10k events/s


# --- part 1: the real receive path ----------------------------------------------------------

FLOOD = textwrap.dedent(
    """
    import asyncio, sys, socketio

    async def main(url, clients, seconds, rate):
        socks = []
        for n in range(clients):
            client = socketio.AsyncClient(reconnection=False)
            await client.connect(url, namespaces=["/chat"], transports=["websocket"])
            socks.append(client)
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        loop = asyncio.get_running_loop()
        start = loop.time()
        n = 0
        payload = {"room": "general", "user": "flood", "text": "hello there"}
        while (now := loop.time()) < start + seconds:
            due = int((now - start) * rate)  # paced: a steady offered load, not a burst
            while n < due:
                await socks[n % clients].emit("echo", payload, namespace="/chat")
                n += 1
            await asyncio.sleep(0.005)
        print(n, flush=True)
        for client in socks:
            await client.disconnect()

    asyncio.run(main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])))
    """
)


def node_missing() -> str | None:
    if shutil.which("node") is None:
        return "Node.js is not installed"
    for package in ("socket.io", "@socket.io/admin-ui", "bcryptjs"):
        if not (PEERS / "node_modules" / package).is_dir():
            return f"run `npm ci` in {PEERS}: {package} is missing"
    return None


@contextlib.contextmanager
def node_admin_server() -> Iterator[dict[str, str]]:
    """tests/peers/admin_server.js (socket.io 4 with admin-ui, development mode, no auth)."""
    process = subprocess.Popen(
        ["node", str(PEERS / "admin_server.js"), "--no-auth"],
        cwd=PEERS,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        announced = json.loads(process.stdout.readline())
        yield {"url": announced["url"], "username": "", "password": ""}
    finally:
        process.terminate()
        process.wait(10)


@dataclass(frozen=True)
class Receive:
    """One run: events per wall second, and CPU microseconds per event (process, GUI thread)."""

    rate: float
    cpu: float
    gui_cpu: float


async def receive_run(
    info: dict[str, str], recording: bool, args: argparse.Namespace, folder: Path
) -> tuple[Receive, Path | None]:
    """The app's figures while the flood lasts; the recording file when on."""
    session = MonitorSession()
    recorder: Recorder | None = None
    if recording:
        recorder = Recorder(session.bridge, directory=folder)
        session.settings_changed.connect(recorder.start)
    settings = ConnectionSettings(
        info["url"], username=info["username"] or "", password=info["password"] or ""
    )
    assert await session.connect_to(settings)
    flood = await asyncio.create_subprocess_exec(
        sys.executable, "-c", FLOOD, info["url"], "4", str(args.seconds), str(args.rate),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL, cwd=ROOT,
    )  # fmt: skip
    assert flood.stdout is not None and flood.stdin is not None
    assert (await flood.stdout.readline()).strip() == b"ready"
    bridge = session.bridge
    marks: list[tuple[float, float, float, int]] = []
    counted = [0]

    def note(batch: list[DomainEvent]) -> None:
        counted[0] += sum(type(e) is EventReceived for e in batch)
        marks.append((time.perf_counter(), time.process_time(), time.thread_time(), counted[0]))

    bridge.events_applied.connect(note)
    flood.stdin.write(b"go\n")
    await flood.stdin.drain()
    sent = int(await flood.stdout.readline())
    await flood.wait()
    bridge.events_applied.disconnect(note)
    # Over the flood's own span: from the first batch it caused to the last before it ended.
    first = next(mark for mark in marks if mark[3] > 0)
    last = marks[-1]
    events = last[3] - first[3]
    result = Receive(
        rate=events / max(last[0] - first[0], 1e-6),
        cpu=(last[1] - first[1]) / events * 1e6,
        gui_cpu=(last[2] - first[2]) / events * 1e6,
    )
    path = recorder.path if recorder is not None else None
    if recorder is not None:
        recorder.close(30)
    await session.disconnect()
    if last[3] < sent * 0.9:
        print(f"  (the app took {last[3]:,} of the {sent:,} events sent: it fell behind)")
    return result, path


def part_receive(app: QApplication, args: argparse.Namespace, folder: Path) -> Path | None:
    print("\n1. the app's receive path: Node server, flooding clients, window loop and bridge")
    missing = node_missing()
    if missing:
        print(f"  skipped: {missing}")
        return None
    loop = new_event_loop(app)
    asyncio.set_event_loop(loop)
    off: list[Receive] = []
    on: list[Receive] = []
    path: Path | None = None
    with node_admin_server() as info:
        for _ in range(args.pairs):  # interleaved, so drift in machine speed hits both alike
            gc.collect()
            off.append(loop.run_until_complete(receive_run(info, False, args, folder))[0])
            gc.collect()
            result, path = loop.run_until_complete(receive_run(info, True, args, folder))
            on.append(result)
    loop.close()
    asyncio.set_event_loop(None)
    cpu_off = statistics.median(r.cpu for r in off)
    cpu_on = statistics.median(r.cpu for r in on)
    gui_off = statistics.median(r.gui_cpu for r in off)
    gui_on = statistics.median(r.gui_cpu for r in on)
    taken_off = statistics.median(r.rate for r in off)
    taken_on = statistics.median(r.rate for r in on)
    print(f"  offered {args.rate:,.0f} events/s; taken: off {taken_off:,.0f}, on {taken_on:,.0f}")
    print("  CPU per event of this process, all threads (immune to the load of other processes)")
    print(f"  {'recording off (baseline)':<28}{cpu_off:>10.1f} us/event   1.00")
    print(f"  {'recording on':<28}{cpu_on:>10.1f} us/event   {cpu_on / cpu_off:.2f}")
    print(f"  of which the GUI thread: off {gui_off:.1f} us, on {gui_on:.1f} us")
    ratios = [a.cpu / b.cpu for a, b in zip(off, on, strict=True)]
    capacity = cpu_off / cpu_on
    print(f"  ingest capacity on/off per pair: {', '.join(f'{r:.2f}' for r in ratios)}")
    print(
        f"  ingest capacity on/off (CPU off / CPU on, medians): {capacity:.2f}; "
        f"target >= {TARGET:.2f}: {'met' if capacity >= TARGET else 'NOT met'}"
    )
    return path


# --- part 2: the GUI thread at saturation ----------------------------------------------------


def synthetic_stream(count: int, start: float) -> list[list[DomainEvent]]:
    """Batches of chat traffic over 400 sockets, with arrivals, rooms and stats, as a demo has."""
    sockets = tuple(
        SocketInfo(sid, f"c{sid}", NAMESPACES[n % 2], rooms=(sid, "general"))
        for n, sid in enumerate(SIDS)
    )
    batches: list[list[DomainEvent]] = [
        [ConfigReceived(DEV, start), AllSocketsReceived(sockets, start)]
    ]
    batch: list[DomainEvent] = []
    for n in range(count):
        at = start + n / 10_000
        sid, nsp = SIDS[n % len(SIDS)], NAMESPACES[n % 2]
        if n % 500 == 0:
            batch.append(SocketConnected(SocketInfo(f"new{n}", f"cn{n}", nsp, rooms=()), at))
            batch.append(RoomJoined(nsp, "general", f"new{n}", at))
        elif n % 20_000 == 0:
            counts = (NamespaceCount("/", 200), NamespaceCount("/chat", 200))
            batch.append(ServerStatsReceived("web-1", "h", 1, 1.0, 400, 0, counts, (), at))
        kind = EventReceived if n % 3 else EventSent
        payload = {"room": "general", "user": f"user{n % 40}", "text": f"hello there {n}"}
        batch.append(kind(nsp, sid, NAMES[n % len(NAMES)], (payload,), at))
        if len(batch) >= BATCH:
            batches.append(batch)
            batch = []
    batches.append(batch)
    return batches


def saturated_run(
    app: QApplication, batches: list[list[DomainEvent]], recording: bool, folder: Path
) -> tuple[float, float]:
    """GUI-thread events per second, and events per second until the file holds them all."""
    bridge = EventBridge()
    recorder = Recorder(bridge, directory=folder) if recording else None
    if recorder is not None:
        recorder.start(ConnectionSettings("http://bench:3000"))
    applied = 0
    started = time.perf_counter()
    for batch in batches:
        for event in batch:
            bridge.sink(event)
        bridge.flush()
        applied += len(batch)
        app.processEvents()
    elapsed = time.perf_counter() - started
    if recorder is not None:
        assert recorder.flush(120)
        recorder.close(30)
    return applied / elapsed, applied / (time.perf_counter() - started)


def part_saturated(app: QApplication, args: argparse.Namespace, folder: Path) -> None:
    print("\n2. the GUI thread alone at saturation: bridge.sink/flush as fast as it goes")
    batches = synthetic_stream(args.events, time.time())
    off, on, sustained = [], [], []
    for _ in range(args.pairs):
        gc.collect()
        off.append(saturated_run(app, batches, False, folder)[0])
        gc.collect()
        burst, whole = saturated_run(app, batches, True, folder)
        on.append(burst)
        sustained.append(whole)
    report("recording off (baseline)", "recording on, GUI thread", off, on, target=False)
    print("  (on can beat off here: the writer's thread, not the GUI's, frees the events)")
    whole = statistics.median(sustained)
    print(
        f"  {'on, until all is on disk':<28}{whole:>10,.0f} events/s   "
        f"{whole / statistics.median(off):.2f}  (the most recording can sustain)"
    )


# --- part 3: the writer and the disk -----------------------------------------------------------


def part_writer(args: argparse.Namespace, folder: Path, real: Path | None) -> None:
    print("\n3. the writer alone, and the disk")
    batches = synthetic_stream(args.events, time.time())
    events = [e for batch in batches for e in batch]
    started = time.perf_counter()
    for event in events:
        encode(event)
    encoding = len(events) / (time.perf_counter() - started)
    rates = []
    path = folder / "writer.sio-recording"
    for run in range(args.pairs):
        path = folder / f"writer-{run}.sio-recording"
        writer = RecordingWriter(path, server_url="http://bench:3000")
        started = time.perf_counter()
        for batch in batches:
            writer.add(batch)
        assert writer.flush(300)
        rates.append(len(events) / (time.perf_counter() - started))
        writer.close(30)
    rate = statistics.median(rates)
    print(f"  encoding alone (baseline)     {encoding:>10,.0f} events/s   1.00")
    print(f"  writer: encode, insert, commit{rate:>10,.0f} rows/s     {rate / encoding:.2f}")
    print(
        f"  synthetic stream on disk      {path.stat().st_size / len(events):>10,.0f} bytes/event"
    )
    if real is not None:
        with open_recording(real) as recording:
            count = recording.count()
        print(f"  real admin stream on disk     {real.stat().st_size / count:>10,.0f} bytes/event")


def report(base: str, other: str, off: list[float], on: list[float], target: bool = True) -> None:
    ratios = [b / a for a, b in zip(off, on, strict=True)]
    ratio = statistics.median(ratios)
    print(f"  {base:<28}{statistics.median(off):>10,.0f} events/s   1.00")
    print(f"  {other:<28}{statistics.median(on):>10,.0f} events/s   {ratio:.2f}")
    print(f"  on/off per pair: {', '.join(f'{r:.2f}' for r in ratios)}")
    if target:
        print(f"  target: on >= {TARGET:.2f} of off: {'met' if ratio >= TARGET else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=3, help="off/on run pairs per part")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds of traffic per run")
    parser.add_argument(
        "--rate", type=float, default=3000.0, help="events per second the clients send (part 1)"
    )
    parser.add_argument("--events", type=int, default=100_000, help="synthetic events per run")
    parser.add_argument("--skip-network", action="store_true", help="parts 2 and 3 only")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    with tempfile.TemporaryDirectory(prefix="bench-recording-") as scratch:
        folder = Path(scratch)
        real = None if args.skip_network else part_receive(app, args, folder)
        part_saturated(app, args, folder)
        part_writer(args, folder, real)


if __name__ == "__main__":
    main()
