"""The exporter's metrics, read from each target's monitor state when Prometheus scrapes.

A custom collector rather than gauges set per event: the figures are the
monitor state's own (the same ``MonitorState`` that ``watch`` and the window
read, judged by the same health clock), computed once per scrape, and nothing
on the receive path knows Prometheus exists. Counters come from ``Totals``,
which folds the same batches.

Label cardinality stays bounded: per target, the first ``max_event_names``
event names seen get series of their own (the busiest first when several
arrive between two scrapes) and keep them; every later name counts under
``(other)`` in its namespace. A name never moves between series, so every
counter only goes up.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from sio_monitor.domain.monitor_state import MonitorState
from sio_monitor.domain.throughput.rates import OTHER
from sio_monitor.domain.throughput.totals import Totals

DEFAULT_EVENT_NAMES = 20

#: Every metric family the exporter serves (without the ``_total`` of counters).
GAUGES = {
    "sio_server_clients": "Engine clients of a server, the monitor's admin connections left out.",
    "sio_server_polling_clients": "Engine clients of a server on the polling transport.",
    "sio_server_up": "1 while a server reports its stats on time, 0 once it fell silent.",
    "sio_server_uptime_seconds": "The uptime a server reported in its latest stats.",
    "sio_server_stats_age_seconds": "Seconds since a server's latest stats arrived.",
    "sio_namespace_sockets": "Sockets connected to a namespace (as `watch` counts them).",
    "sio_namespace_rooms": "Public rooms of a namespace (development mode only).",
    "sio_monitor_connected": "1 while the exporter's admin connection to the target is up.",
}
COUNTERS = {
    "sio_events_received": "Events sockets sent to the server, by namespace and event name.",
    "sio_events_sent": "Events the server sent to sockets, by namespace and event name.",
    "sio_bytes_received": "Bytes the server received, from its one-second stats buckets.",
    "sio_bytes_sent": "Bytes the server sent, from its one-second stats buckets.",
    "sio_packets_received": "Engine packets the server received.",
    "sio_packets_sent": "Engine packets the server sent.",
    "sio_connections": "Engine connections the server opened.",
    "sio_disconnections": "Engine connections the server closed, by reason.",
    "sio_monitor_reconnects": "Times the admin connection to the target was lost and retried.",
    "sio_monitor_dropped_payloads": "Malformed admin payloads the monitor dropped.",
}
_BUCKETS = {
    "sio_bytes_received": "bytesIn",
    "sio_bytes_sent": "bytesOut",
    "sio_packets_received": "packetsIn",
    "sio_packets_sent": "packetsOut",
    "sio_connections": "rawConnection",
}


class Target(Protocol):
    """What the collector reads of one exporter target."""

    name: str

    @property
    def state(self) -> MonitorState | None: ...

    @property
    def totals(self) -> Totals: ...

    @property
    def connected(self) -> bool: ...


@dataclass
class EventLabels:
    """The event names of one target that have a series of their own; they keep it."""

    limit: int = DEFAULT_EVENT_NAMES
    chosen: set[str] = field(default_factory=set)

    def update(self, totals: Totals) -> None:
        if len(self.chosen) >= self.limit:
            return
        by_name: dict[str, int] = {}
        for (_, name), count in totals.events.items():
            if name not in self.chosen and name != OTHER:
                by_name[name] = by_name.get(name, 0) + count.both
        ranked = sorted(by_name, key=lambda name: (-by_name[name], name))
        self.chosen.update(ranked[: self.limit - len(self.chosen)])

    def label(self, name: str) -> str:
        return name if name in self.chosen else OTHER


class MonitorCollector(Collector):
    """Reads every target's state at scrape time and yields the metric families."""

    def __init__(
        self,
        targets: Callable[[], Iterable[Target]],
        *,
        max_event_names: int = DEFAULT_EVENT_NAMES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._targets = targets
        self._clock = clock
        self._max_event_names = max_event_names
        self._labels: dict[str, EventLabels] = {}

    def describe(self) -> Iterator[Metric]:
        return iter(())  # families are built per scrape; nothing to check at registration

    def collect(self) -> Iterator[Metric]:
        now = self._clock()
        gauges = {
            name: GaugeMetricFamily(name, text, labels=_gauge_labels(name))
            for name, text in GAUGES.items()
        }
        counters = {
            name: CounterMetricFamily(name, text, labels=_counter_labels(name))
            for name, text in COUNTERS.items()
        }
        for target in self._targets():
            self._target(target, now, gauges, counters)
        yield from gauges.values()
        yield from counters.values()

    def _target(
        self,
        target: Target,
        now: float,
        gauges: dict[str, GaugeMetricFamily],
        counters: dict[str, CounterMetricFamily],
    ) -> None:
        name, totals = target.name, target.totals
        gauges["sio_monitor_connected"].add_metric([name], 1.0 if target.connected else 0.0)
        counters["sio_monitor_reconnects"].add_metric([name], totals.losses)
        state = target.state
        dropped = state.topology.malformed if state is not None else 0
        counters["sio_monitor_dropped_payloads"].add_metric([name], dropped)
        if state is not None:
            _server_gauges(name, state, now, gauges)
            _namespace_gauges(name, state, gauges)
        for server in totals.server_ids():
            for family, kind in _BUCKETS.items():
                counters[family].add_metric([name, server], totals.server_count(kind, server))
        for (server, reason), count in sorted(totals.disconnections.items()):
            counters["sio_disconnections"].add_metric([name, server, reason], count)
        labels = self._labels.setdefault(name, EventLabels(self._max_event_names))
        labels.update(totals)
        received: dict[tuple[str, str], int] = {}
        sent: dict[tuple[str, str], int] = {}
        for (nsp, event), count in totals.events.items():
            key = (nsp, labels.label(event))
            received[key] = received.get(key, 0) + count.received
            sent[key] = sent.get(key, 0) + count.sent
        # A direction an event never took has no series (Prometheus starts one at its first).
        for (nsp, event), count in sorted(received.items()):
            if count:
                counters["sio_events_received"].add_metric([name, nsp, event], count)
        for (nsp, event), count in sorted(sent.items()):
            if count:
                counters["sio_events_sent"].add_metric([name, nsp, event], count)


def _gauge_labels(family: str) -> list[str]:
    if family.startswith("sio_server_"):
        return ["target", "server_id"]
    if family.startswith("sio_namespace_"):
        return ["target", "namespace"]
    return ["target"]


def _counter_labels(family: str) -> list[str]:
    if family.startswith("sio_events_"):
        return ["target", "namespace", "event"]
    if family == "sio_disconnections":
        return ["target", "server_id", "reason"]
    if family in _BUCKETS:
        return ["target", "server_id"]
    return ["target"]


def _server_gauges(
    target: str, state: MonitorState, now: float, gauges: dict[str, GaugeMetricFamily]
) -> None:
    topology, admin = state.topology, state.admin_namespace
    for server in topology.servers():
        labels = [target, server.server_id]
        # Its admin sockets (this monitor's among them) are engine clients too: not the app's.
        clients = max(0, server.clients_count - server.namespaces.get(admin, 0))
        gauges["sio_server_clients"].add_metric(labels, clients)
        gauges["sio_server_polling_clients"].add_metric(labels, server.polling_clients_count)
        healthy = topology.is_server_healthy(server, now)
        gauges["sio_server_up"].add_metric(labels, 1.0 if healthy else 0.0)
        gauges["sio_server_uptime_seconds"].add_metric(labels, server.uptime)
        gauges["sio_server_stats_age_seconds"].add_metric(labels, server.silent_for(now))


def _namespace_gauges(
    target: str, state: MonitorState, gauges: dict[str, GaugeMetricFamily]
) -> None:
    topology, admin = state.topology, state.admin_namespace
    complete = topology.is_complete()
    development = state.is_production is False
    for nsp in topology.namespaces():
        if nsp == admin:
            continue
        sockets = topology.socket_count(nsp) if complete else topology.reported_socket_count(nsp)
        gauges["sio_namespace_sockets"].add_metric([target, nsp], sockets)
        if development:
            gauges["sio_namespace_rooms"].add_metric([target, nsp], topology.room_count(nsp))
