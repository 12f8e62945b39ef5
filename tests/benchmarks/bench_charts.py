"""Cost of the throughput charts: ingest with the panel visible against hidden, and one redraw.

Run with ``python -m tests.benchmarks.bench_charts``. Part one feeds a
synthetic development-mode stream (events over four namespaces, stats from
two servers every two seconds) through ``bridge.sink``/``bridge.flush`` as
fast as the GUI thread allows, in batches the size the 30 ms coalescing timer
makes, letting Qt run its timers and paint between batches: once with the
panel hidden, once visible and redrawing. The stream's timestamps follow the
wall clock at the hidden rate, so the live edge moves once a second as it does
for real. Part two fills every buffer for an hour and times one redraw of all
charts at the 1 h window, three event names plotted. Part three measures the
per-name history: its share of ``Rates.apply`` and its memory after an hour
of 5,000 distinct names. Figures are ratios against baselines measured in
the same run; absolute times and sizes are printed for context only.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time
import tracemalloc

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from sio_monitor.domain.events import (
    AggregatedBucket,
    ConfigReceived,
    DomainEvent,
    EventReceived,
    EventSent,
    NamespaceCount,
    ServerStatsReceived,
)
from sio_monitor.domain.throughput.name_history import NameHistory
from sio_monitor.domain.throughput.rates import Rates
from sio_monitor.qt.bridge import EventBridge
from sio_monitor.ui.charts.charts import ThroughputCharts

NAMESPACES = ("/", "/chat", "/game", "/notifications")
NAMES = ("chat:message", "typing", "presence", "move", "score", "notify", "ack", "room:join")
SERVERS = ("node-a", "node-b")
SIDS = tuple(f"sock{n}" for n in range(500))
DEV = frozenset({"ALL_EVENTS", "AGGREGATED_EVENTS"})
BATCH_SECONDS = 0.030


def stats(server: str, second: int, scale: int) -> ServerStatsReceived:
    buckets = tuple(
        AggregatedBucket(
            float(s), kind, count * scale, "transport close" if "Dis" in kind else None
        )
        for s in (second - 1, second)
        for kind, count in (
            ("bytesIn", 900),
            ("bytesOut", 2100),
            ("packetsIn", 10),
            ("packetsOut", 25),
            ("rawConnection", 1),
            ("rawDisconnection", 1),
        )
    )
    spread = tuple(NamespaceCount(n, 25) for n in NAMESPACES)
    return ServerStatsReceived(server, "h", 1, 1.0, 100, 0, spread, buckets, float(second))


def stream(start: float, rate: float, seconds: float) -> list[list[DomainEvent]]:
    """Batches of events timestamped ``rate`` a second from ``start``, stats every 2 s."""
    per_batch = max(1, int(rate * BATCH_SECONDS))
    batches: list[list[DomainEvent]] = []
    at, n, next_stats = start, 0, int(start)
    while at < start + seconds:
        batch: list[DomainEvent] = []
        for k in range(per_batch):
            stamp = at + k * BATCH_SECONDS / per_batch
            nsp, name = NAMESPACES[n % len(NAMESPACES)], NAMES[n % len(NAMES)]
            kind = EventReceived if n % 3 else EventSent
            batch.append(kind(nsp, SIDS[n % len(SIDS)], name, (), stamp))
            n += 1
        if at >= next_stats:
            batch.extend(stats(server, next_stats, int(rate) // 100 + 1) for server in SERVERS)
            next_stats += 2
        batches.append(batch)
        at += BATCH_SECONDS
    return batches


def ingest(
    app: QApplication, visible: bool, rate: float, seconds: float, lead: float
) -> tuple[float, float]:
    """Events applied per second of wall time, and timer redraws that re-read the buffers.

    ``lead`` is how long building the batches takes: their clock starts that
    much ahead, so it meets the wall clock when feeding begins.
    """
    batches = stream(time.time() + lead, rate, seconds)
    bridge = EventBridge()
    panel = ThroughputCharts(bridge)
    panel.resize(1200, 780)
    bridge.sink(ConfigReceived(DEV, time.time()))
    bridge.flush()
    if visible:
        panel.show()
    app.processEvents()
    shown_redraws = panel.redraws
    applied = 0
    started = time.perf_counter()
    for batch in batches:
        for event in batch:
            bridge.sink(event)
        bridge.flush()
        applied += len(batch)
        app.processEvents()
    elapsed = time.perf_counter() - started
    redraws = (panel.redraws - shown_redraws) / elapsed
    panel.hide()
    panel.deleteLater()
    del batches
    app.processEvents()
    return applied / elapsed, redraws


def full_hour(app: QApplication) -> tuple[ThroughputCharts, int]:
    """A panel whose rates and samples hold a full hour, four namespaces, two servers."""
    bridge = EventBridge()
    panel = ThroughputCharts(bridge)
    panel.sample_timer.stop()
    panel.resize(1200, 780)
    end = int(time.time())
    bridge.sink(ConfigReceived(DEV, end - 3600))
    for second in range(end - 3599, end + 1):
        for index, nsp in enumerate(NAMESPACES):
            for k in range(index + 1):
                bridge.sink(EventReceived(nsp, "s", NAMES[k], (), second + 0.1 * k))
                bridge.sink(EventSent(nsp, "s", NAMES[k + 1], (), second + 0.1 * k))
        if second % 2 == 0:
            for server in SERVERS:
                bridge.sink(stats(server, second, 3))
        bridge.flush()
        panel.sample(now=second)
    for name in NAMES[:3]:
        panel.toggle_event_name(name)
    panel.show()
    app.processEvents()
    return panel, end


def time_redraw(app: QApplication, panel: ThroughputCharts, end: int, repeats: int) -> float:
    """Median seconds to re-read every series in full and paint the charts once.

    The edge moves a second each time, as live, so the time axes repaint too.
    """
    times = []
    for step in range(repeats):
        started = time.perf_counter()
        panel.redraw(now=end - repeats + step + 1)  # an explicit edge re-reads everything
        panel.graphics.viewport().repaint()
        times.append(time.perf_counter() - started)
    app.processEvents()
    return statistics.median(times)


def time_live_redraw(app: QApplication, panel: ThroughputCharts, end: int, repeats: int) -> float:
    """Median seconds for a timer redraw after the live edge moved a second, painting included."""
    clock = [float(end + 3)]
    panel.clock = lambda: clock[0]
    panel.redraw()
    times = []
    for _ in range(repeats):
        clock[0] += 1
        started = time.perf_counter()
        assert panel.redraw()
        panel.graphics.viewport().repaint()
        times.append(time.perf_counter() - started)
    app.processEvents()
    return statistics.median(times)


def time_reads(panel: ThroughputCharts, end: int, repeats: int) -> float:
    """Median seconds for the raw ``Rates.series`` reads a 1 h redraw makes (no Qt at all)."""
    rates = panel._bridge.rates
    specs = [
        spec
        for plot in panel.plots.values()
        for spec in plot.specs.values()
        if spec.source == "rates"
    ]
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        for spec in specs:
            rates.series(spec.metric, spec.server, spec.namespace, last_seconds=3600, now=end)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def history_share(events: int = 200_000) -> tuple[float, float]:
    """Seconds for ``Rates.apply`` of a development stream, with the name history and without."""
    batch = [event for part in stream(time.time(), 50_000, events / 50_000) for event in part]
    times: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(3):
        for keep in (True, False):
            rates = Rates()
            if not keep:
                rates.name_history.add = lambda *args, **kwargs: None  # type: ignore[method-assign]
            gc.collect()
            started = time.perf_counter()
            rates.apply(batch)
            times[keep].append(time.perf_counter() - started)
    return statistics.median(times[True]), statistics.median(times[False])


def hour_of_names(names: int, per_second: int) -> NameHistory:
    """An hour of ``names`` distinct names: half the events from eight busy names, half cycling."""
    history = NameHistory()
    start = int(time.time()) - 3600
    quiet = 0
    for second in range(start, start + 3600):
        for k in range(per_second):
            if k < per_second // 2:
                name = NAMES[k % len(NAMES)]
            else:
                name, quiet = f"user:{quiet % names}:update", quiet + 1
            history.add(name, second, k % 3 != 0)
    return history


def history_memory(names: int = 5_000, per_second: int = 200) -> tuple[NameHistory, int, float]:
    """The history after that hour, the bytes it holds (traced) and the time per event."""
    started = time.perf_counter()
    hour_of_names(names, per_second)
    per_add = (time.perf_counter() - started) / (3600 * per_second)
    gc.collect()
    tracemalloc.start()
    history = hour_of_names(names, per_second)
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return history, held, per_add


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="wall seconds per ingest run")
    parser.add_argument("--pairs", type=int, default=3, help="hidden/visible ingest run pairs")
    parser.add_argument("--repeats", type=int, default=15, help="redraws timed per window")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])

    # Calibrate so the stream's clock keeps pace with the wall clock.
    started = time.perf_counter()
    probe = stream(time.time(), 200_000, 1.0)
    build_per_event = (time.perf_counter() - started) / sum(map(len, probe))
    del probe
    rate, _ = ingest(app, False, 200_000, 1.0, 0.0)
    lead = build_per_event * rate * args.seconds
    print(f"calibrated stream: {rate:,.0f} events per simulated second")
    hidden, visible, redraws = [], [], []
    for _ in range(args.pairs):  # interleaved, so drift in machine speed hits both alike
        gc.collect()
        hidden.append(ingest(app, False, rate, args.seconds, lead)[0])
        gc.collect()
        got, count = ingest(app, True, rate, args.seconds, lead)
        visible.append(got)
        redraws.append(count)
    ratios = [v / h for v, h in zip(visible, hidden, strict=True)]
    ratio = statistics.median(ratios)
    print("\ningest through bridge.sink/flush (median of interleaved runs)")
    hidden_rate, visible_rate = statistics.median(hidden), statistics.median(visible)
    print(f"  panel hidden (baseline)      {hidden_rate:>10,.0f} events/s   1.00")
    print(f"  panel visible, redrawing     {visible_rate:>10,.0f} events/s   {ratio:.2f}")
    print(f"  visible/hidden per pair: {', '.join(f'{r:.2f}' for r in ratios)}")
    print(f"  timer redraws that re-read the buffers: {statistics.mean(redraws):.1f} a second")
    print(f"  target: visible >= 0.90 of hidden: {'met' if ratio >= 0.9 else 'NOT met'}")

    panel, end = full_hour(app)
    panel.set_window(60)
    minute = time_redraw(app, panel, end, args.repeats)
    panel.set_window(3600)
    hour = time_redraw(app, panel, end, args.repeats)
    reads = time_reads(panel, end, args.repeats)
    live = time_live_redraw(app, panel, end, args.repeats)
    tick = panel.redraw_timer.interval() / 1000
    print("\none redraw of all charts (read the series, set the curves, paint)")
    print(f"  1 min window, full re-read (baseline)  {minute * 1000:>7.1f} ms   1.00")
    print(f"  1 h window, full buffers, full re-read {hour * 1000:>7.1f} ms   {hour / minute:.2f}")
    print(f"  1 h window, live edge moved a second   {live * 1000:>7.1f} ms   {live / minute:.2f}")
    print(f"  1 h full redraw / its raw Rates.series reads alone: {hour / reads:.2f}")
    print(f"  1 h full redraw / the redraw timer's tick ({tick * 1000:.0f} ms): {hour / tick:.2f}")
    events = hour * statistics.median(hidden)
    print(f"  events the hidden-panel ingest applies in one 1 h full redraw: {events:,.0f}")

    with_history, without = history_share()
    print("\nper-name history (exact per-second counts for the clicked names)")
    print(f"  Rates.apply without it (baseline)  {without * 1000:>7.1f} ms   1.00")
    share = with_history / without
    print(f"  Rates.apply with it                {with_history * 1000:>7.1f} ms   {share:.2f}")
    history, held, per_add = history_memory()
    print(
        f"  an hour of 5,000 distinct names: {len(history)} held, {history.evictions:,} evictions,"
        f" {held / 1e6:.1f} MB traced ({history.nbytes / 1e6:.1f} MB of count arrays),"
        f" {per_add * 1e9:.0f} ns an event"
    )


if __name__ == "__main__":
    main()
