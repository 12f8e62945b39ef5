"""Memory over a long session: the whole app's RSS growth per minute at a steady event rate.

Run with ``python -m tests.benchmarks.bench_memory [--minutes 10] [--rate 2000]``;
``--minutes 30`` is the soak. A Node server (tests/peers/flood_server.js)
sends ``--rate`` events per second, and admin-ui reports each one to every
admin socket, so two processes receive the same stream side by side:

- baseline: a bare ``socketio.AsyncClient`` on plain asyncio that counts them;
- the app: the real window offscreen (admin connection, bridge, topology,
  rates, event log, recording on, the charts in front), as ``sio-monitor URL``
  builds it.

Warm-up first: the event log is a ring of a million rows, and any session
longer than eight minutes at this rate has it full, so the app's log is
filled to capacity with synthetic events before connecting; then a minute of
real traffic. After that, each process samples its RSS every 10 s; the figure
is the slope of a least-squares line through the samples, in MB per minute
(target <= 1 MB/min for the app). The app also reports its Qt object count
(every QObject under the window, every top-level widget), Python's tracked
object count, and every warning logged (Python ``logging`` and Qt's own
messages), which a soak must end with none of.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.benchmarks.bench_app import flood_server, scratch_env
from tests.benchmarks.figures import Figure, record
from tests.peers.launch import node_available

ROOT = Path(__file__).resolve().parents[2]
TARGET_MB_PER_MIN = 1.0
SAMPLE_S = 10.0
LOG_ROWS = 1_000_000


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def slope_per_minute(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MB) samples, in MB per minute."""
    n = len(samples)
    if n < 2:
        return 0.0
    mean_t = sum(t for t, _ in samples) / n
    mean_v = sum(v for _, v in samples) / n
    spread = sum((t - mean_t) ** 2 for t, _ in samples)
    return sum((t - mean_t) * (v - mean_v) for t, v in samples) / spread * 60 if spread else 0.0


# --- the two children --------------------------------------------------------------------------


async def bare_child(url: str, warmup: float, seconds: float) -> dict[str, object]:
    import socketio

    client = socketio.AsyncClient(handle_sigint=False, reconnection=False)
    counted = [0]
    client.on("*", lambda *_: counted.__setitem__(0, counted[0] + 1), namespace="/admin")
    await client.connect(url, namespaces=["/admin"], transports=["websocket"], wait_timeout=10)
    await asyncio.sleep(warmup)
    samples, started, at_start = [], time.monotonic(), counted[0]
    while (elapsed := time.monotonic() - started) < seconds:
        samples.append((elapsed, rss_mb()))
        await asyncio.sleep(SAMPLE_S)
    samples.append((time.monotonic() - started, rss_mb()))
    rate = (counted[0] - at_start) / (time.monotonic() - started)
    await asyncio.wait_for(client.disconnect(), 10)
    return {"samples": samples, "rate": rate}


def app_child(url: str, warmup: float, seconds: float) -> dict[str, object]:
    from PySide6.QtCore import QObject, QtMsgType, qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    from sio_monitor.domain.settings import ConnectionSettings
    from sio_monitor.gc_policy import settle_after_start_up
    from tests.benchmarks.bench_app import open_app
    from tests.benchmarks.bench_event_log import traffic

    warnings: list[str] = []

    class Warnings(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            warnings.append(f"{record.name}: {record.getMessage()}"[:300])

    logging.getLogger().addHandler(Warnings(logging.WARNING))

    def qt_messages(kind: QtMsgType, _context: object, message: str) -> None:
        if kind != QtMsgType.QtDebugMsg and "propagateSizeHints" not in message:
            warnings.append(f"Qt: {message}"[:300])

    qInstallMessageHandler(qt_messages)
    application, loop, counted = open_app("throughput")
    window = application.window
    model = window.current.event_log.model
    for batch in traffic(LOG_ROWS):  # the ring full, as after eight minutes at 2,000 events/s
        model.log.append_admin(batch)
    model.sync()
    settle_after_start_up()

    def qt_objects() -> int:
        return len(window.findChildren(QObject)) + len(QApplication.topLevelWidgets())

    async def run() -> dict[str, object]:
        import gc

        assert await application.connect_to(ConnectionSettings(url), recent=False)
        await asyncio.sleep(warmup)
        samples, objects = [], []
        started, at_start = time.monotonic(), counted[0]
        warned_before = len(warnings)
        while (elapsed := time.monotonic() - started) < seconds:
            samples.append((elapsed, rss_mb()))
            objects.append((elapsed, qt_objects(), len(gc.get_objects())))
            await asyncio.sleep(SAMPLE_S)
        samples.append((time.monotonic() - started, rss_mb()))
        objects.append((time.monotonic() - started, qt_objects(), len(gc.get_objects())))
        rate = (counted[0] - at_start) / (time.monotonic() - started)
        await application.shutdown()
        return {
            "samples": samples,
            "objects": objects,
            "rate": rate,
            "warnings": warnings[warned_before:],
            "log_rows": len(model.log),
        }

    try:
        return loop.run_until_complete(run())
    finally:
        application.errors.uninstall()


# --- the parent --------------------------------------------------------------------------------


def spawn(kind: str, url: str, args: argparse.Namespace) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "tests.benchmarks.bench_memory", "--child", kind, url]
    command += ["--minutes", str(args.minutes), "--warmup", str(args.warmup)]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=scratch_env()
    )  # fmt: skip


def collect(child: subprocess.Popen[str], limit: float) -> dict[str, object]:
    out, _ = child.communicate(timeout=limit)
    if child.returncode != 0:
        raise RuntimeError(f"a child exited with {child.returncode}")
    return dict(json.loads(out.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="measured minutes")
    parser.add_argument("--rate", type=float, default=2000.0, help="events per second")
    parser.add_argument("--warmup", type=float, default=60.0, help="seconds of traffic first")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    seconds = args.minutes * 60
    if args.child:
        kind, url = args.child
        if kind == "bare":
            figures = asyncio.run(bare_child(url, args.warmup, seconds))
        else:
            figures = app_child(url, args.warmup, seconds)
        print(json.dumps(figures), flush=True)
        return 0
    missing = node_available()
    if missing:
        print(f"skipped: {missing}")
        return 1
    limit = seconds + args.warmup + 300
    with flood_server(args.rate) as server:
        app = spawn("app", server.url, args)
        time.sleep(5)  # the app fills its log first; the bare client warms up meanwhile
        bare = spawn("bare", server.url, args)
        app_figures = collect(app, limit)
        bare_figures = collect(bare, limit)
    app_samples = [tuple(s) for s in app_figures["samples"]]  # type: ignore[union-attr]
    bare_samples = [tuple(s) for s in bare_figures["samples"]]  # type: ignore[union-attr]
    app_growth = slope_per_minute(app_samples)  # type: ignore[arg-type]
    bare_growth = slope_per_minute(bare_samples)  # type: ignore[arg-type]
    objects = app_figures["objects"]
    warnings = app_figures["warnings"]
    print(
        f"{args.minutes:g} minutes at {args.rate:,.0f} events/s after {args.warmup:g} s of warm-up"
        f" (app's log full: {app_figures['log_rows']:,} rows)"
    )
    print(
        f"  received: app {app_figures['rate']:,.0f}/s, bare client {bare_figures['rate']:,.0f}/s"
    )
    print(
        f"  bare AsyncClient (baseline) RSS {bare_samples[0][1]:7.1f} -> {bare_samples[-1][1]:7.1f}"
        f" MB, slope {bare_growth:+.3f} MB/min"
    )
    print(
        f"  whole app                   RSS {app_samples[0][1]:7.1f} -> {app_samples[-1][1]:7.1f}"
        f" MB, slope {app_growth:+.3f} MB/min   (target <= {TARGET_MB_PER_MIN:g} MB/min)"
    )
    first, last = objects[0], objects[-1]  # type: ignore[index]
    print(f"  Qt objects: {first[1]:,} -> {last[1]:,}; Python objects: {first[2]:,} -> {last[2]:,}")
    print(f"  warnings logged while measuring: {len(warnings)}")  # type: ignore[arg-type]
    for line in warnings[:10]:  # type: ignore[index]
        print(f"    {line}")
    record(
        Figure(f"RSS growth over {args.minutes:g} min at {args.rate:,.0f} events/s", app_growth,
               "MB/min", bare_growth, "bare AsyncClient", "<= 1 MB/min",
               app_growth <= TARGET_MB_PER_MIN, ratio_shown=False),
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
