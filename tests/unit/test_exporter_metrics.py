"""The exporter's counts and series without a network: totals, bounded event labels, gauges."""

from __future__ import annotations

import io
from dataclasses import replace

from prometheus_client.openmetrics.exposition import generate_latest
from prometheus_client.registry import CollectorRegistry

from sio_monitor.domain import events as ev
from sio_monitor.domain.monitor_state import MonitorState
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.domain.throughput.rates import OTHER
from sio_monitor.domain.throughput.totals import MAX_SERVERS, Totals
from sio_monitor.terminal import Feed
from sio_monitor.terminal.exporter import ExporterTarget
from sio_monitor.terminal.exporter_metrics import COUNTERS, GAUGES, MonitorCollector
from sio_monitor.terminal.watch import Tally, watch_line
from tests.support import events as build

NOW = 1_800_000_000.0


def stats(
    at: float, clients: int = 5, buckets: tuple[ev.AggregatedBucket, ...] = ()
) -> ev.ServerStatsReceived:
    return build.stats(
        "web-1",
        at,
        hostname="web-1",
        pid=7,
        uptime=100.0,
        clients=clients,
        polling=1,
        counts={"/": 3, "/admin": 1},
        aggregated=buckets,
    )


def received(name: str, nsp: str = "/") -> ev.EventReceived:
    return ev.EventReceived(nsp, "s1", name, (), NOW)


class FakeTarget:
    def __init__(self, state: MonitorState, totals: Totals) -> None:
        self.name = "http://web"
        self.state = state
        self.totals = totals
        self.connected = True


def scrape(collector: MonitorCollector) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    samples = {}
    for family in registry.collect():
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    assert generate_latest(registry).endswith(b"# EOF\n")  # valid OpenMetrics
    return samples


def test_totals_count_buckets_events_and_losses_but_not_the_admin_namespace() -> None:
    totals = Totals("/admin")
    buckets = (
        ev.AggregatedBucket(NOW, "rawConnection", 4),
        ev.AggregatedBucket(NOW, "rawDisconnection", 2, "transport close"),
        ev.AggregatedBucket(NOW + 1, "rawDisconnection", 1),
        ev.AggregatedBucket(NOW, "bytesIn", 300),
    )
    lost = ev.ConnectionChanged(ev.ConnectionState.RECONNECTING, "lost", NOW)
    totals.note([stats(NOW, buckets=buckets), received("a"), received("x", "/admin"), lost, lost])
    totals.note([stats(NOW + 2, buckets=(ev.AggregatedBucket(NOW + 2, "rawConnection", 1),))])
    assert totals.server_count("rawConnection", "web-1") == 5
    assert totals.server_count("bytesIn", "web-1") == 300
    assert totals.disconnections == {
        ("web-1", "transport close"): 2,
        ("web-1", "(no reason given)"): 1,
    }
    assert list(totals.events) == [("/", "a")]
    assert totals.losses == 1  # one loss, however many times it is said


def test_event_names_past_the_limit_count_as_other_and_counters_never_go_down() -> None:
    state, totals = MonitorState(), Totals("/admin")
    collector = MonitorCollector(lambda: [FakeTarget(state, totals)], max_event_names=2)
    totals.note([received("busy")] * 5 + [received("calm")] * 2 + [received("rare")])
    first = scrape(collector)

    def count(samples: dict, event: str) -> float | None:
        key = (
            "sio_events_received_total",
            (("event", event), ("namespace", "/"), ("target", "http://web")),
        )
        return samples.get(key)

    assert (count(first, "busy"), count(first, "calm"), count(first, OTHER)) == (5, 2, 1)
    assert count(first, "rare") is None
    totals.note([received("rare")] * 50 + [received("new")])
    second = scrape(collector)
    # "rare" got busy, but the names with series keep them: it stays in (other).
    assert (count(second, "busy"), count(second, "calm"), count(second, OTHER)) == (5, 2, 52)


def test_gauges_read_the_state_at_scrape_time() -> None:
    state, totals = MonitorState(), Totals("/admin")
    clock = [NOW]
    collector = MonitorCollector(lambda: [FakeTarget(state, totals)], clock=lambda: clock[0])
    state.apply([stats(NOW, clients=5)])
    server = (("server_id", "web-1"), ("target", "http://web"))
    samples = scrape(collector)
    # Five engine clients, one of them the admin connection: four are the app's.
    assert samples[("sio_server_clients", server)] == 4
    assert samples[("sio_server_up", server)] == 1
    assert samples[("sio_namespace_sockets", (("namespace", "/"), ("target", "http://web")))] == 3
    assert (
        "sio_namespace_sockets",
        (("namespace", "/admin"), ("target", "http://web")),
    ) not in samples
    clock[0] = NOW + 60  # silent for a minute: the health clock turns it down
    state.tick(clock[0])
    samples = scrape(collector)
    assert samples[("sio_server_up", server)] == 0
    assert samples[("sio_server_stats_age_seconds", server)] == 60
    families = {name for name, _ in samples} | {name + "_total" for name in COUNTERS}
    assert set(GAUGES) - {"sio_namespace_rooms"} <= families


def test_the_exporter_serves_the_figures_watch_prints() -> None:
    """One feed, read by ``watch``'s line and by the exporter's collector: the same numbers."""
    target = ExporterTarget("t", ConnectionSettings("http://127.0.0.1:1"), io.StringIO())
    feed = target.feed = Feed(target.settings, clock=lambda: NOW)
    connected = ev.ConnectionChanged(ev.ConnectionState.CONNECTED, "Connected.", NOW)
    buckets = (ev.AggregatedBucket(NOW - 1, "rawConnection", 3),)
    for event in (connected, ev.ConfigReceived(frozenset(), NOW), stats(NOW, 9, buckets)):
        feed._receive(event)
    tally = Tally()
    batch = feed.take()
    tally.note(batch, "/admin")
    target.totals.note(batch)
    line = watch_line(feed, tally, 2.0, 2.0)
    samples = scrape(MonitorCollector(lambda: [target], clock=lambda: NOW))
    server = (("server_id", "web-1"), ("target", "t"))
    assert samples[("sio_server_clients", server)] == line["clients"] == 8
    for nsp, sockets in line["sockets"].items():
        assert samples[("sio_namespace_sockets", (("namespace", nsp), ("target", "t")))] == sockets
    assert samples[("sio_connections_total", server)] == line["connects"] == 3
    assert samples[("sio_monitor_dropped_payloads_total", (("target", "t"),))] == 0
    assert samples[("sio_monitor_connected", (("target", "t"),))] == 1


def test_server_ids_past_the_cap_count_as_other() -> None:
    totals = Totals("/admin")
    for number in range(MAX_SERVERS + 5):
        bucket = ev.AggregatedBucket(NOW, "rawConnection", 1)
        totals.note([replace(stats(NOW, buckets=(bucket,)), server_id=f"node-{number}")])
    assert len(totals.server_ids()) == MAX_SERVERS + 1
    assert totals.server_count("rawConnection", OTHER) == 5
