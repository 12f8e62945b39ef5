"""The whole benchmark suite, one table: ``python -m tests.benchmarks``.

Runs each benchmark below in a process of its own (their detailed output
goes by as they run), collects the headline figures they record
(tests/benchmarks/figures.py), and prints them as one Markdown table, every
figure next to the baseline measured in the same run and their ratio. The
README's Performance section is this table.

``--quick`` shortens every part (fewer runs, a 2-minute memory run) for a
look while developing; ``--only NAME`` runs the named parts. The full suite
takes about 20 minutes, of which the 10-minute memory run is half.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks.figures import ENV, read, table

ROOT = Path(__file__).resolve().parents[2]

#: name -> (module, arguments, arguments with --quick)
PARTS: dict[str, tuple[str, list[str], list[str]]] = {
    "ingest": ("bench_app", [], ["--runs", "1", "--seconds", "6"]),
    "explorer-10k": ("bench_explorer", ["--sockets", "10000", "--skip-churn"], ["--repeats", "1"]),
    "explorer-50k": ("bench_explorer", ["--sockets", "50000", "--skip-churn"], ["--repeats", "1"]),
    "log": ("bench_event_log", ["--skip-view"], ["--repeats", "1"]),
    "big-payload": ("bench_big_payload", [], ["--runs", "1"]),
    "startup": ("bench_startup", [], ["--runs", "3"]),
    "memory": ("bench_memory", ["--minutes", "10"], ["--minutes", "2", "--warmup", "20"]),
    "load": ("bench_load", [], ["--quick"]),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs, for a first look")
    parser.add_argument("--only", action="append", choices=sorted(PARTS), help="run this part")
    args = parser.parse_args(argv)
    chosen = args.only or list(PARTS)
    failed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="sio-bench-figures-") as scratch:
        figures = Path(scratch) / "figures.ndjson"
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **{ENV: str(figures)})
        for name in chosen:
            module, extra, quick = PARTS[name]
            command = [sys.executable, "-m", f"tests.benchmarks.{module}", *extra]
            if args.quick:
                command += quick
            print(f"\n=== {name}: {' '.join(command[2:])}", flush=True)
            started = time.monotonic()
            done = subprocess.run(command, cwd=ROOT, env=env)
            print(f"=== {name}: {time.monotonic() - started:.0f} s", flush=True)
            if done.returncode != 0:
                failed.append(name)
        print("\n" + table(read(figures)))
    if failed:
        print(f"\nThese parts failed, their figures are missing: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
