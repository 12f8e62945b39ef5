"""The whole app under load: its ingest rate against a bare client's, and how late a timer fires.

Run with ``python -m tests.benchmarks.bench_app``. A Node server
(tests/peers/flood_server.js: socket.io 4 with admin-ui) floods its admin
stream with ``event_sent`` events as fast as the monitor connected to it takes
them. Interleaved runs, each in a fresh process:

- baseline: a bare ``socketio.AsyncClient`` on plain asyncio, connected to the
  admin namespace, counting what arrives;
- the app: the real window offscreen (``Application`` as ``sio-monitor URL``
  builds it: admin connection, bridge, topology, rates, event log, recording
  on), with the explorer or the charts in front, counting the flood's events
  the bridge applies; meanwhile a 10 ms ``QTimer`` notes how late each tick
  fires.

The ingest figure is the app's events per second over the bare client's
(target >= 0.8); the timer's lateness p50 and p99 is the responsiveness
(target p99 <= 50 ms). With ``--rate R`` the server sends a steady R events/s
instead (for the memory run of bench_memory).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.benchmarks.figures import Figure, percentile, record
from tests.peers.launch import NodePeer, node_available

ROOT = Path(__file__).resolve().parents[2]
INGEST_TARGET = 0.8
LATENESS_TARGET_MS = 50.0
PROBE_MS = 10
VIEWS = ("topology", "throughput")


@contextmanager
def flood_server(rate: float = 0) -> Iterator[NodePeer]:
    """The flooding Node server; ``rate`` 0 follows the monitor's pace."""
    with NodePeer("flood_server.js", "--rate", str(rate)) as peer:
        yield peer


def scratch_env() -> dict[str, str]:
    """A child's settings, recordings and logs go to a scratch folder, not the user's."""
    base = tempfile.mkdtemp(prefix="sio-bench-")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[name] = os.path.join(base, name.lower())
    return env


# --- the baseline: a bare client ---------------------------------------------------------------


async def bare_rate(url: str, warmup: float, seconds: float) -> dict[str, float]:
    """Events per second a plain AsyncClient receives from the admin namespace, CPU per event."""
    import socketio

    client = socketio.AsyncClient(handle_sigint=False, reconnection=False)
    counted = [0]

    def any_event(event: str, *_args: object) -> None:
        if event == "event_sent":
            counted[0] += 1

    client.on("*", any_event, namespace="/admin")
    await client.connect(url, namespaces=["/admin"], transports=["websocket"], wait_timeout=10)
    await asyncio.sleep(warmup)
    start, cpu, at_start = time.perf_counter(), time.process_time(), counted[0]
    await asyncio.sleep(seconds)
    events = counted[0] - at_start
    figures = {
        "rate": events / (time.perf_counter() - start),
        "cpu": (time.process_time() - cpu) / max(events, 1) * 1e6,
    }
    await asyncio.wait_for(client.disconnect(), 10)
    return figures


# --- the app -----------------------------------------------------------------------------------


def open_app(view: str) -> tuple[Any, asyncio.AbstractEventLoop, list[int]]:
    """The steps of sio_monitor.app.run_gui, with the window kept at hand and shown.

    Returns the ``Application``, its loop, and a one-item list counting the flood's
    ``EventSent`` events as the bridge applies them. The caller settles the heap
    (``settle_after_start_up``) when its own set-up is done, as run_gui does after start.
    """
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from sio_monitor.app import Application, GuiOptions
    from sio_monitor.domain.events import EventSent
    from sio_monitor.qt.loop import new_event_loop

    QCoreApplication.setOrganizationName("sio-monitor")
    QCoreApplication.setApplicationName("SIO Monitor")
    qt_app = QApplication.instance() or QApplication([])
    loop = new_event_loop(qt_app)  # type: ignore[arg-type]
    asyncio.set_event_loop(loop)
    application = Application(GuiOptions(tab=view))
    application.errors.install(loop)
    window = application.window
    window.resize(1280, 800)
    window.show_tab(view)
    window.show()
    counted = [0]
    window.session.bridge.events_applied.connect(
        lambda batch: counted.__setitem__(0, counted[0] + sum(type(e) is EventSent for e in batch))
    )
    return application, loop, counted


def app_run(
    url: str, view: str, warmup: float, seconds: float, default_gc: bool = False
) -> dict[str, float]:
    """The app's figures in this process: events/s applied, CPU per event, timer lateness, GC."""
    from PySide6.QtCore import Qt, QTimer

    from sio_monitor.domain.settings import ConnectionSettings
    from sio_monitor.gc_policy import settle_after_start_up

    application, loop, counted = open_app(view)
    if not default_gc:
        settle_after_start_up()
    ticks: list[float] = []  # perf_counter at each probe tick
    probe = QTimer()
    probe.setTimerType(Qt.TimerType.PreciseTimer)
    probe.setInterval(PROBE_MS)
    probe.timeout.connect(lambda: ticks.append(time.perf_counter()))
    full_collections: list[float] = []  # seconds each full collection took while measuring
    began = [0.0, 0.0]  # [when the current collection started, measuring]

    def collected(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
        elif began[1] and info["generation"] == 2:
            full_collections.append(time.perf_counter() - began[0])

    gc.callbacks.append(collected)

    async def lateness(seconds: float) -> list[float]:
        ticks.clear()
        probe.start()
        await asyncio.sleep(seconds)
        probe.stop()
        return sorted(max(0.0, (b - a) * 1e3 - PROBE_MS) for a, b in itertools.pairwise(ticks))

    async def measure() -> dict[str, float]:
        idle = await lateness(2.0)  # the same window, not connected: the baseline
        assert await application.connect_to(ConnectionSettings(url), recent=False)
        await asyncio.sleep(warmup)
        began[1] = 1.0
        start, cpu, at_start = time.perf_counter(), time.process_time(), counted[0]
        late = await lateness(seconds)
        events = counted[0] - at_start
        figures = {
            "rate": events / (time.perf_counter() - start),
            "cpu": (time.process_time() - cpu) / max(events, 1) * 1e6,
            "p50": percentile(late, 0.5),
            "p99": percentile(late, 0.99),
            "worst": late[-1],
            "idle_p50": percentile(idle, 0.5),
            "idle_p99": percentile(idle, 0.99),
            "full_gc": len(full_collections),
            "full_gc_ms": max(full_collections, default=0.0) * 1e3,
        }
        await application.shutdown()
        return figures

    try:
        return loop.run_until_complete(measure())
    finally:
        gc.callbacks.remove(collected)
        application.errors.uninstall()


# --- the parent: interleaved fresh processes ---------------------------------------------------


def child(kind: str, url: str, args: argparse.Namespace, view: str = "") -> dict[str, float]:
    command = [sys.executable, "-m", "tests.benchmarks.bench_app", "--child", kind, url]
    command += ["--view", view or "topology", "--seconds", str(args.seconds)]
    command += ["--warmup", str(args.warmup)] + (["--default-gc"] if args.default_gc else [])
    done = subprocess.run(
        command, capture_output=True, text=True, cwd=ROOT, env=scratch_env(), timeout=300
    )
    if done.returncode != 0:
        raise RuntimeError(f"{kind} run failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="interleaved runs of each kind")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before measuring")
    parser.add_argument("--views", default=",".join(VIEWS), help="views in front, comma separated")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "URL"), help=argparse.SUPPRESS)
    parser.add_argument("--view", default="topology", help=argparse.SUPPRESS)
    parser.add_argument(
        "--default-gc", action="store_true", help="CPython's GC settings (to compare)"
    )
    args = parser.parse_args(argv)
    if args.child:
        kind, url = args.child
        if kind == "bare":
            figures = asyncio.run(bare_rate(url, args.warmup, args.seconds))
        else:
            figures = app_run(url, args.view, args.warmup, args.seconds, args.default_gc)
        print(json.dumps(figures), flush=True)
        return 0
    missing = node_available()
    if missing:
        print(f"skipped: {missing}")
        return 1
    views = [v for v in args.views.split(",") if v]
    bare: list[dict[str, float]] = []
    apps: dict[str, list[dict[str, float]]] = {view: [] for view in views}
    with flood_server() as server:
        for _ in range(args.runs):  # interleaved: drift in the machine's speed hits all alike
            bare.append(child("bare", server.url, args))
            for view in views:
                apps[view].append(child("app", server.url, args, view))
    base = statistics.median(r["rate"] for r in bare)
    base_cpu = statistics.median(r["cpu"] for r in bare)
    print(f"flooded admin stream, {args.runs} runs of {args.seconds:g} s each, medians")
    print(f"  bare AsyncClient, plain asyncio (baseline) {base:10,.0f} events/s   1.00")
    print(f"    per run: {', '.join(format(r['rate'], ',.0f') for r in bare)}")
    print(f"    CPU per event: {base_cpu:.1f} us")
    for view, runs in apps.items():
        rate = statistics.median(r["rate"] for r in runs)
        p50 = statistics.median(r["p50"] for r in runs)
        p99 = statistics.median(r["p99"] for r in runs)
        print(f"  whole app, {view} in front {'':<13}{rate:10,.0f} events/s   {rate / base:.2f}")
        print(f"    per run: {', '.join(format(r['rate'], ',.0f') for r in runs)}")
        print(
            f"    {PROBE_MS} ms timer lateness: p50 {p50:.1f} ms, p99 {p99:.1f} ms,"
            f" worst {max(r['worst'] for r in runs):.0f} ms"
        )
        cpu = statistics.median(r["cpu"] for r in runs)
        full = statistics.median(r["full_gc"] for r in runs)
        print(
            f"    CPU per event: {cpu:.1f} us ({cpu / base_cpu:.2f} x the bare client's);"
            f" full collections while measuring: {full:.0f},"
            f" longest {max(r['full_gc_ms'] for r in runs):.0f} ms"
        )
        idle50 = statistics.median(r["idle_p50"] for r in runs)
        idle99 = statistics.median(r["idle_p99"] for r in runs)
        print(f"    idle window (baseline): p50 {idle50:.1f} ms, p99 {idle99:.1f} ms")
        record(
            Figure(f"ingest, {view} in front", rate, "events/s", base, "bare AsyncClient",
                   ">= 0.8", rate / base >= INGEST_TARGET),
            Figure(f"10 ms timer lateness p50 under that load ({view})", p50, "ms", idle50,
                   "idle window"),
            Figure(f"10 ms timer lateness p99 under that load ({view})", p99, "ms", idle99,
                   "idle window", "<= 50 ms", p99 <= LATENESS_TARGET_MS),
        )  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
