"""GUI-thread time for a 10 MB argument arriving in the whole window.

The app's own window (``Application``) is connected to the hostile
python-socketio server of ``tests/support/big_payloads.py`` (a child
process), the session recorder on, the event log shown. The server's own
client emits one event whose argument is a 10 MB string; a 10 ms probe timer
(``tests/qt/freeze_probe.py``) measures the longest the GUI thread went
without returning to its event loop from the emit until the row is shown,
selected, detailed and recorded.

The baseline, measured in the same run on the same machine, is the stdlib's
``json.loads`` of that message's text: how long one plain parse of the same
bytes takes here. The figure is the median of ``--runs`` runs; the target is
at most 50 ms of GUI-thread time. ``python -m tests.benchmarks.bench_big_payload``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication

from sio_monitor.qt.loop import new_event_loop
from tests.benchmarks.figures import Figure, record
from tests.qt.freeze_probe import FreezeProbe
from tests.support.big_payloads import (
    Monitor,
    big_text,
    recording,
    run_monitor,
    selected_log_row,
)

TARGET_MS = 50.0


def baseline_parse_ms(repeats: int = 5) -> float:
    """Milliseconds of one ``json.loads`` of the 10 MB message's text (best of ``repeats``)."""
    text = json.dumps(["big", big_text()])
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        json.loads(text)
        best = min(best, time.perf_counter() - started)
    return best * 1000


def gui_thread_ms(loop: asyncio.AbstractEventLoop, scratch: Path) -> tuple[float, str]:
    """The longest GUI-thread freeze while one 10 MB argument arrives, and the probe's report."""
    probe = FreezeProbe()
    reports: list[tuple[float, str]] = []

    async def body(monitor: Monitor) -> None:
        monitor.workspace.show_view("log")
        probe.start()
        try:
            async with recording(monitor):
                await monitor.server.act("big")
                await selected_log_row(monitor, "big")
        finally:
            probe.stop()
        reports.append((probe.worst * 1000, probe.report()))

    scratch.mkdir()
    run_monitor(loop, scratch, body)  # type: ignore[arg-type]
    return reports[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs, median taken (default 3)")
    args = parser.parse_args(argv)
    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    loop = new_event_loop(qt_app)  # type: ignore[arg-type]
    asyncio.set_event_loop(loop)
    frozen: list[float] = []
    with tempfile.TemporaryDirectory(prefix="sio-bench-big-") as scratch:
        for run in range(args.runs):
            worst, report = gui_thread_ms(loop, Path(scratch) / f"run-{run}")
            frozen.append(worst)
            print(f"run {run + 1}: {report}", flush=True)
            gc.collect()
    loop.close()
    value = statistics.median(frozen)
    baseline = baseline_parse_ms()
    print(
        f"GUI thread held {value:.1f} ms (median of {args.runs}: "
        + ", ".join(f"{f:.0f}" for f in frozen)
        + f") for a 10 MB argument; json.loads of it here: {baseline:.1f} ms; "
        f"ratio {value / baseline:.2f}; target <= {TARGET_MS:g} ms"
    )
    record(
        Figure(
            "GUI-thread time for a 10 MB argument",
            value,
            "ms",
            baseline,
            "json.loads of the same message",
            target=f"<= {TARGET_MS:g} ms",
            met=value <= TARGET_MS,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
