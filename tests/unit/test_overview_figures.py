"""The overview's tiles from the monitor's own figures: values, sparklines, change, and why."""

from __future__ import annotations

from sio_monitor.domain import events as ev
from sio_monitor.domain.throughput.overview_figures import (
    PRODUCTION_WHY,
    OverviewFigures,
    change_text,
    human,
)
from sio_monitor.domain.throughput.rates import Rates
from sio_monitor.domain.topology.topology import Topology
from tests.support import events as build

T0 = 1_800_000_000.0


def stats(at: float, clients: int, bytes_in: int) -> ev.ServerStatsReceived:
    return build.stats(
        "web-1",
        at,
        hostname="web-1",
        pid=7,
        uptime=at - T0 + 100,
        clients=clients,
        counts={"/": clients - 1, "/admin": 1},
        aggregated=build.buckets((at - 1, "bytesIn", bytes_in)),
    )


def feed(seconds: int) -> tuple[Topology, Rates]:
    topology, rates = Topology(), Rates()
    batch: list[ev.DomainEvent] = [ev.ConfigReceived(frozenset(), T0)]  # production mode
    topology.apply(batch)
    rates.apply(batch)
    for second in range(1, seconds + 1):
        one = [stats(T0 + second, clients=5 + second, bytes_in=100 * second)]
        topology.apply(one)
        rates.apply(one)
    return topology, rates


def test_tiles_read_the_domain_figures_with_a_minute_of_history() -> None:
    topology, rates = feed(20)
    figures = OverviewFigures()
    for second in range(15, 21):  # a view ticking once a second
        tiles = {t.key: t for t in figures.tiles(topology, rates, "/admin", T0 + second + 0.2)}
    clients = tiles["clients"]
    assert clients.value == 24  # 25 engine clients less the admin connection
    assert clients.spark == (24.0,) * 6 and clients.change == 0
    assert tiles["servers"].text == "1 of 1"
    bytes_in = tiles["bytes_in"]
    assert bytes_in.spark[-1] == 2000.0  # the last second every server fully reported
    assert bytes_in.spark[0] == 100.0  # from the first second heard, not a minute of zeros
    assert bytes_in.value == sum(range(1600, 2100, 100)) / 5
    assert bytes_in.change is not None and bytes_in.change > 0
    assert tiles["events_in"].value is None and tiles["events_in"].why == PRODUCTION_WHY


def test_before_any_server_every_tile_waits() -> None:
    tiles = OverviewFigures().tiles(Topology(), Rates(), "/admin", T0)
    assert {t.text for t in tiles} == {"—"}
    assert {t.why for t in tiles} == {""}  # the summary above says "Not connected."


def test_short_figures() -> None:
    assert human(1234, "B/s") == "1.2kB/s"
    assert human(0.4, "/s") == "0.4/s"
    assert human(2_500_000) == "2.5M"
    assert change_text(None) == ""
    assert change_text(0.01, "/s") == "±0 in 60 s"
    assert change_text(-12, "") == "-12 in 60 s"
