"""Start-up: a fresh process to the first painted main window, against an empty PySide6 window.

Run with ``python -m tests.benchmarks.bench_startup``. Each run starts a new
interpreter and times, from the parent, how long until the child says its
window painted for the first time:

- baseline: ``import pyqtgraph``, a ``QApplication`` and an empty
  ``QMainWindow`` shown (what any PySide6 + pyqtgraph app pays at least);
- the app: ``sio-monitor`` with no arguments, as a user starts it (the
  window and its connect dialog), through ``sio_monitor.cli.main``.

The two kinds alternate, so a change in the machine's speed hits both alike;
the medians' ratio is the figure (target <= 1.5). Offscreen Qt, and scratch
settings folders so no remembered connection is reopened.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tests.benchmarks.bench_app import scratch_env
from tests.benchmarks.figures import Figure, record

ROOT = Path(__file__).resolve().parents[2]
TARGET = 1.5

BASELINE = textwrap.dedent(
    """
    import os
    import pyqtgraph
    from PySide6.QtWidgets import QApplication, QMainWindow

    class Window(QMainWindow):
        def paintEvent(self, event):
            super().paintEvent(event)
            print("painted", flush=True)
            os._exit(0)

    app = QApplication([])
    window = Window()
    window.resize(1280, 800)
    window.show()
    app.exec()
    """
)

APP = textwrap.dedent(
    """
    import os
    from sio_monitor.ui.shell import main_window

    def painted(self, event, paint=main_window.MainWindow.paintEvent):
        paint(self, event)
        print("painted", flush=True)
        os._exit(0)

    main_window.MainWindow.paintEvent = painted
    from sio_monitor.cli import main
    main([])
    """
)


def first_paint(script: str) -> float:
    """Seconds from starting the interpreter to the child's first painted window."""
    env = scratch_env()
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
        env=env,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    elapsed = time.perf_counter() - started
    child.wait(30)
    if line.strip() != "painted":
        raise RuntimeError("the child exited without painting a window")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each kind, alternating")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    first_paint(BASELINE)  # warm the file cache for both: the first run of a day is not the point
    first_paint(APP)
    base: list[float] = []
    app: list[float] = []
    for _ in range(args.runs):
        base.append(first_paint(BASELINE))
        app.append(first_paint(APP))
    b, a = statistics.median(base), statistics.median(app)
    print(f"start-up to the first painted window, median of {args.runs}")
    print(f"  empty PySide6 window, pyqtgraph imported (baseline) {b * 1e3:7.0f} ms   1.00")
    print(f"  sio-monitor, window and connect dialog              {a * 1e3:7.0f} ms   {a / b:.2f}")
    print(f"  per run: baseline {', '.join(f'{x * 1e3:.0f}' for x in base)} ms")
    print(f"           app      {', '.join(f'{x * 1e3:.0f}' for x in app)} ms")
    print(f"  target <= {TARGET}: {'met' if a / b <= TARGET else 'NOT met'}")
    record(
        Figure("start-up to the first painted window", a * 1e3, "ms", b * 1e3,
               "empty PySide6 window + pyqtgraph", "<= 1.5", a / b <= TARGET),
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
