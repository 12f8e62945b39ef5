"""Measure how many Socket.IO events per second one client receives under each event loop.

The monitor runs its asyncio client inside the Qt event loop; this benchmark
shows what that costs against plain asyncio, for stock qasync and for the app's
own loop (sio_monitor.qt.loop), with a Node server pushing small events as fast
as the client takes them. Run from the repository root:

    python -m tests.benchmarks.bench_receive_rate [--events N] [--runs R]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import socketio

from tests.peers.launch import NodePeer, node_available

# The acceptance threshold for the app's loop relative to plain asyncio.
TARGET_RATIO = 0.75

LoopFactory = Callable[[], asyncio.AbstractEventLoop]


async def receive_rate(url: str, count: int) -> float:
    """Receive ``count`` ticks and return events/s from the first tick to ``done``.

    Timing starts at the first tick so that connecting and the server's start-up
    are left out: only the steady receive path is measured. The handlers are
    plain functions that count, so the figure is the loop's and python-socketio's
    cost per event and nothing else.
    """
    client = socketio.AsyncClient(handle_sigint=False, reconnection=False)
    done: asyncio.Future[float] = asyncio.get_running_loop().create_future()
    received = 0
    first_tick = 0.0

    def on_tick(_data: object) -> None:
        nonlocal received, first_tick
        if received == 0:
            first_tick = time.perf_counter()
        received += 1

    def on_done(_count: int) -> None:
        if not done.done():
            done.set_result(time.perf_counter())

    client.on("tick", on_tick)
    client.on("done", on_done)
    await client.connect(url, transports=["websocket"], wait_timeout=10)
    try:
        await client.emit("start", {"count": count})
        # Generous: even stock qasync on a loaded 2-core machine stays far above 500 events/s.
        finished = await asyncio.wait_for(done, timeout=30 + count / 500)
    finally:
        await asyncio.wait_for(client.disconnect(), timeout=10)
    if received != count:
        raise RuntimeError(f"received {received} ticks, expected {count}")
    return count / (finished - first_tick)


def run_plain(url: str, count: int) -> float:
    return asyncio.run(receive_rate(url, count))


def run_on_loop(factory: LoopFactory, url: str, count: int) -> float:
    """Run one measurement on a fresh loop, as asyncio.run does for the plain case."""
    loop = factory()
    asyncio.set_event_loop(loop)
    try:
        return loop.run_until_complete(receive_rate(url, count))
    finally:
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()


@dataclass
class Configuration:
    label: str
    run: Callable[[str, int], float]
    rates: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.rates)


def qt_configurations() -> tuple[list[Configuration], list[str]]:
    """Build the Qt-hosted configurations; one QApplication serves every loop.

    Returns the configurations and notes about any that could not be built, so
    the plain-asyncio figure is still printed when the app's loop is missing.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    configurations = [
        Configuration(
            "stock qasync",
            lambda url, count: run_on_loop(lambda: qasync.QEventLoop(app), url, count),
        )
    ]
    notes: list[str] = []
    try:
        from sio_monitor.qt.loop import new_event_loop
    except ImportError as error:
        notes.append(f"app loop not measured: cannot import sio_monitor.qt.loop ({error})")
    else:
        configurations.append(
            Configuration(
                "app loop",
                lambda url, count: run_on_loop(lambda: new_event_loop(app), url, count),
            )
        )
    return configurations, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=50_000, help="ticks per run")
    parser.add_argument("--runs", type=int, default=5, help="runs per configuration")
    parser.add_argument(
        "--warmup", type=int, default=5_000, help="ticks of one unreported run per configuration"
    )
    options = parser.parse_args(argv)
    if options.events < 1 or options.runs < 1 or options.warmup < 1:
        parser.error("--events, --runs and --warmup must be at least 1")

    reason = node_available()
    if reason is not None:
        print(f"cannot run: {reason}", file=sys.stderr)
        return 2

    plain = Configuration("plain asyncio", run_plain)
    qt, notes = qt_configurations()
    configurations = [plain, *qt]
    width = max(len(c.label) for c in configurations)

    with NodePeer("push_server.js") as peer:
        print(f"push server {peer.url}: {options.events:,} ticks per run, {options.runs} runs")
        for configuration in configurations:
            configuration.run(peer.url, options.warmup)
        # Interleaved (a, b, c, a, b, c, ...) so that noise from other processes
        # on a small machine spreads over every configuration alike.
        for index in range(1, options.runs + 1):
            for configuration in configurations:
                rate = configuration.run(peer.url, options.events)
                configuration.rates.append(rate)
                print(f"run {index}  {configuration.label:<{width}}  {rate:>9,.0f} events/s")
                sys.stdout.flush()

    print()
    print("median events/s")
    for configuration in configurations:
        print(f"  {configuration.label:<{width}}  {configuration.median:>9,.0f}")
    print()
    for configuration in qt:
        ratio = configuration.median / plain.median
        target = f" (target >= {TARGET_RATIO:.2f})" if configuration.label == "app loop" else ""
        print(f"{configuration.label} / plain asyncio: {ratio:.2f}{target}")
    for note in notes:
        print(note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
