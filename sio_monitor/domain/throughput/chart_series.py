"""What the throughput charts plot: series plans, the live time window, and sampled gauges.

The rates keep per-second counts (per event name too, in their name
history), but the charts also need quantities that only exist as a current
value (clients, sockets per namespace): ``GaugeHistory`` samples those once a
second into fixed rings so they can be drawn over time too. Everything here
is plain Python so the rules (which curves, which second is "now") are tested
without a display.
"""

from __future__ import annotations

from array import array
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

from sio_monitor.domain.format import shorten
from sio_monitor.domain.throughput.name_history import NameHistory
from sio_monitor.domain.throughput.rates import Rates
from sio_monitor.domain.topology.topology import Topology

#: Selectable time windows, seconds and label; the rates keep one hour.
WINDOWS: tuple[tuple[int, str], ...] = (
    (60, "1 min"),
    (300, "5 min"),
    (900, "15 min"),
    (3600, "1 h"),
)
#: How far the live edge may lag the clock before it follows the clock instead
#: of the data: stats arrive every couple of seconds, a quiet server sends none.
LIVE_TRAIL = 3
#: Namespaces beyond this many get no curve of their own (the totals still count them).
MAX_NAMESPACE_CURVES = 6
ALL_SERVERS = "*"
TOP_ROWS = 12  # rows of the busiest-names table
NAME_RATE_SECONDS = 5  # an event name's rate in the table is its mean over this many seconds
SPARK_SECONDS = 60  # the sparkline's span, and the span ranking the busiest namespaces

EVENTS = "events"
BYTES = "bytes"
PACKETS = "packets"
CONNECTIONS = "connections"
REASONS = "reasons"
CLIENTS = "clients"
#: Chart keys in display order, with their unit for the axis and the read-out.
CHART_UNITS: dict[str, str] = {
    EVENTS: "/s",
    BYTES: "B/s",
    PACKETS: "/s",
    CONNECTIONS: "/s",
    REASONS: "/s",
    CLIENTS: "",
}

GaugeKey = Hashable


def format_exact(value: float, unit: str = "") -> str:
    """``12,431 /s``: the read-out's exact figure, where the axis rounds to three digits."""
    text = f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"
    return f"{text} {unit}".rstrip()


def live_end(newest: int | None, now: float, trail: int = LIVE_TRAIL) -> int:
    """The last second to show while following live data.

    The newest second is still filling (events of this very second, a bucket
    split across two stats messages), so it is left out; when data stops the
    edge follows the clock, ``trail`` seconds behind, so a quiet server reads
    as zeros rather than a frozen chart.
    """
    by_clock = int(now) - trail
    if newest is None:
        return by_clock
    return max(newest - 1, by_clock)


@dataclass(frozen=True, slots=True)
class SeriesSpec:
    """One curve: where its values come from and how it is labelled.

    ``source`` is ``"rates"`` (``metric``, ``server``, ``namespace``,
    ``reason`` are the arguments of ``Rates.series``), ``"gauge"`` (``gauge``
    is a sampled topology key) or ``"names"`` (``gauge`` is an event name of
    the rates' name history, plotted in and out summed). ``role`` picks the
    colour.
    """

    key: str
    label: str
    role: str
    source: str = "rates"
    metric: str = ""
    server: str | None = None
    namespace: str | None = None
    gauge: GaugeKey = None
    reason: str | None = None


def rate_plan(
    production: bool,
    server: str | None,
    namespaces: Iterable[str],
    picked: Mapping[str, int] | None = None,
) -> dict[str, list[SeriesSpec]]:
    """The curves of the rate charts for a mode, a server selection and the busiest namespaces.

    Events are counted per namespace from the development-mode stream, which
    carries no server id, so a server selection only narrows the stats-based
    curves; production mode has no event stream, so its events chart shows
    packets instead. ``picked`` maps event names to plot to their colour slot.
    """
    plan: dict[str, list[SeriesSpec]] = {}
    sid = server or ALL_SERVERS

    def pair(chart: str, metric_in: str, metric_out: str, label_in: str, label_out: str) -> None:
        plan[chart] = [
            SeriesSpec(
                f"{chart}:{metric_in}@{sid}", label_in, "in", metric=metric_in, server=server
            ),
            SeriesSpec(
                f"{chart}:{metric_out}@{sid}", label_out, "out", metric=metric_out, server=server
            ),
        ]

    if production:
        pair(EVENTS, "packetsIn", "packetsOut", "packets in", "packets out")
    else:
        events = [
            SeriesSpec("events:eventsReceived", "received", "in", metric="eventsReceived"),
            SeriesSpec("events:eventsSent", "sent", "out", metric="eventsSent"),
        ]
        for index, nsp in enumerate(list(namespaces)[:MAX_NAMESPACE_CURVES]):
            for metric, word in (("eventsReceived", "in"), ("eventsSent", "out")):
                events.append(
                    SeriesSpec(
                        f"events:{metric}:{nsp}",
                        f"{nsp} {word}",
                        f"ns{index}-{word}",
                        metric=metric,
                        namespace=nsp,
                    )
                )
        for name, slot in (picked or {}).items():
            label = f"{shorten(name)} (in+out)"
            events.append(
                SeriesSpec(f"events:name:{name}", label, f"name{slot}", "names", gauge=name)
            )
        plan[EVENTS] = events
    pair(BYTES, "bytesIn", "bytesOut", "in", "out")
    pair(PACKETS, "packetsIn", "packetsOut", "in", "out")
    pair(CONNECTIONS, "rawConnection", "rawDisconnection", "connections", "disconnections")
    return plan


def gauge_plan(server: str | None, namespaces: Iterable[str]) -> list[SeriesSpec]:
    """Clients, then sockets per namespace, for all servers summed or one server."""
    sid = server or ALL_SERVERS
    specs = [SeriesSpec(f"clients@{sid}", "clients", "clients", "gauge", gauge=(CLIENTS, sid))]
    for index, nsp in enumerate(list(namespaces)[:MAX_NAMESPACE_CURVES]):
        key = ("sockets", nsp, sid)
        specs.append(SeriesSpec(f"sockets:{nsp}@{sid}", nsp, f"ns{index}-in", "gauge", gauge=key))
    return specs


def topology_counts(topology: Topology, hidden: Iterable[str] = ()) -> dict[GaugeKey, float]:
    """Clients and sockets per namespace now, summed over servers and per server.

    Summed sockets are the larger of the servers' reported counts and, in
    development mode, the sockets the monitor holds: reports lag by a stats
    interval and the held list is empty until the snapshot, so neither alone
    is right all the time. Per server only the reported counts exist. A server
    judged unhealthy counts as zero: its last report is no longer the truth.
    """
    skip = frozenset(hidden)
    development = topology.is_production is False
    servers = topology.servers()
    # Summed keys first: a history that is full keeps the keys it met first.
    counts: dict[GaugeKey, float] = {
        (CLIENTS, ALL_SERVERS): float(sum(s.clients_count for s in servers if s.healthy))
    }
    for nsp in topology.namespaces():
        if nsp in skip:
            continue
        held = topology.socket_count(nsp) if development else 0
        reported = topology.reported_socket_count(nsp)
        counts[("sockets", nsp, ALL_SERVERS)] = float(max(held, reported))
    for server in servers:
        counts[(CLIENTS, server.server_id)] = float(server.clients_count if server.healthy else 0)
        for nsp, count in server.counted().items():
            if nsp not in skip:
                counts[("sockets", nsp, server.server_id)] = float(count)
    return counts


def summed_sockets(counts: Mapping[GaugeKey, float]) -> dict[str, float]:
    """Sockets per namespace, all servers summed, out of ``topology_counts``."""
    return {
        key[1]: value
        for key, value in counts.items()
        if isinstance(key, tuple) and key[0] == "sockets" and key[2] == ALL_SERVERS
    }


def busiest(values: Mapping[str, float], limit: int = MAX_NAMESPACE_CURVES) -> list[str]:
    """The ``limit`` busiest names, returned in name order so curves keep their legend place."""
    ranked = sorted(values, key=lambda name: (-values[name], name))[:limit]
    return sorted(ranked)


class GaugeHistory:
    """Values sampled about once a second, kept per key for ``window`` seconds.

    Memory is fixed: one ring of ``window`` slots per key and at most
    ``max_keys`` keys. When full, a new key is not kept: all keys are sampled
    every second, so evicting would only make them chase each other; the
    summed keys come first and so are always kept.
    """

    def __init__(self, window: int = 3600, max_keys: int = 256) -> None:
        self.window = window
        self.max_keys = max_keys
        self.version = 0  # bumped on every change, so views can skip identical redraws
        self._values: dict[GaugeKey, array] = {}
        self._seconds: dict[GaugeKey, array] = {}

    def __contains__(self, key: GaugeKey) -> bool:
        return key in self._values

    def keys(self) -> list[GaugeKey]:
        return list(self._values)

    def clear(self) -> None:
        self._values.clear()
        self._seconds.clear()
        self.version += 1

    def set_many(self, second: int, values: dict[GaugeKey, float]) -> None:
        for key, value in values.items():
            self.set(key, second, value)

    def set(self, key: GaugeKey, second: int, value: float) -> None:
        ring = self._values.get(key)
        if ring is None:
            if len(self._values) >= self.max_keys:
                return
            ring = self._values[key] = array("d", bytes(8 * self.window))
            self._seconds[key] = array("q", [-1]) * self.window
        slot = second % self.window
        ring[slot] = value
        self._seconds[key][slot] = second
        self.version += 1

    def get(self, key: GaugeKey, second: int) -> float | None:
        seconds = self._seconds.get(key)
        if seconds is None:
            return None
        slot = second % self.window
        return self._values[key][slot] if seconds[slot] == second else None

    def series(self, key: GaugeKey, end: int, span: int) -> list[tuple[int, float]]:
        """``(second, value)`` up to ``end``, from the first sample inside the span.

        A second without a sample (the GUI was busy when the sampler was due)
        holds the previous value: a gauge does not drop to zero between looks.
        """
        raw = self.raw(key, end, span)
        if raw is None:
            return []
        out: list[tuple[int, float]] = []
        held: float | None = None
        first = end - len(raw[0]) + 1
        for second, (sampled, value) in enumerate(zip(*raw, strict=True), first):
            if sampled == second:
                held = value
            if held is not None:
                out.append((second, held))
        return out

    def raw(self, key: GaugeKey, end: int, span: int) -> tuple[array, array] | None:
        """The ring's slots for the span ending at ``end``, oldest first, unfilled.

        ``(seconds, values)``: a slot whose second is not the one expected at
        its place holds no sample. Plain array slices, so a caller with numpy
        can fill and plot an hour without a Python loop.
        """
        values = self._values.get(key)
        if values is None:
            return None
        seconds = self._seconds[key]
        size = self.window
        span = min(span, size)
        start = (end - span + 1) % size
        stop = start + span
        if stop <= size:
            return seconds[start:stop], values[start:stop]
        # the span wraps around the end of the ring
        return seconds[start:] + seconds[: stop - size], values[start:] + values[: stop - size]


class ChartSampler:
    """Everything the charts sample once a second, shown or not, so history is there when shown.

    Topology counts go into ``gauges``; the busiest event names are listed
    for the table, and the busiest namespaces ranked, by events and by
    sockets, for the curves to draw. Event names need no sampling: the rates
    keep their exact per-second history.
    """

    def __init__(self) -> None:
        self.gauges = GaugeHistory(window=3600, max_keys=256)
        self.top_rows: list[tuple[str, float, float, int]] = []
        self.busy_namespaces: list[str] = []  # by events over the last minute
        self.socket_namespaces: list[str] = []  # by sockets now
        self.second: int | None = None

    def clear(self) -> None:
        self.gauges.clear()
        self.top_rows, self.busy_namespaces, self.socket_namespaces = [], [], []
        self.second = None

    @property
    def version(self) -> int:
        return self.gauges.version

    def sample(
        self, rates: Rates, topology: Topology, second: int, hidden: Iterable[str] = ()
    ) -> None:
        """Take this second's sample of the topology, and rank names and namespaces."""
        counts = topology_counts(topology, hidden)
        self.gauges.set_many(second, counts)
        self.socket_namespaces = busiest(summed_sockets(counts))
        self.top_rows = rates.top_events(n=TOP_ROWS, seconds=NAME_RATE_SECONDS)
        self.busy_namespaces = busiest(
            {
                nsp: rates.total("eventsReceived", namespace=nsp, last_seconds=SPARK_SECONDS)
                + rates.total("eventsSent", namespace=nsp, last_seconds=SPARK_SECONDS)
                for nsp in rates.namespaces()
            }
        )
        self.second = second

    def namespaces_of(self, server: str | None) -> list[str]:
        """The busiest namespaces by sockets, those one server reports if one is chosen."""
        if server is None:
            return self.socket_namespaces
        return [nsp for nsp in self.socket_namespaces if ("sockets", nsp, server) in self.gauges]


def sparks(history: NameHistory, names: Iterable[str], end: int) -> list[list[float]]:
    """Each name's events per second (in and out) over the minute up to ``end``."""
    out: list[list[float]] = []
    for name in names:
        series = history.series(name, end, SPARK_SECONDS)
        if series is None:
            out.append([])
        else:
            out.append([float(a + b) for a, b in zip(series.received, series.sent, strict=True)])
    return out
