"""Chart rules without a display: the live edge, the curve plans, sampled gauges, CSV export."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from sio_monitor.domain import events as ev
from sio_monitor.domain.throughput.chart_data import (
    FULL_EVERY,
    TAIL_SECONDS,
    SeriesReader,
    gauge_arrays,
    name_arrays,
)
from sio_monitor.domain.throughput.chart_series import (
    ALL_SERVERS,
    MAX_NAMESPACE_CURVES,
    GaugeHistory,
    busiest,
    format_exact,
    gauge_plan,
    live_end,
    rate_plan,
    summed_sockets,
    topology_counts,
)
from sio_monitor.domain.throughput.disconnect_reasons import (
    MAX_REASON_CURVES,
    NO_REASONS,
    NONE_IN_WINDOW,
    RAW,
    reason_plan,
)
from sio_monitor.domain.throughput.rates import SOCKET_DISCONNECTION, Rates
from sio_monitor.domain.topology.topology import Topology
from sio_monitor.store.export import HEADER, ExportSeries, safe_text, write_series_csv
from tests.support import events as build

T0 = 1_795_311_600


# --- the live edge -----------------------------------------------------------------------


def test_the_live_edge_leaves_out_the_second_still_filling() -> None:
    assert live_end(T0, T0 + 0.5) == T0 - 1


def test_the_live_edge_follows_the_clock_when_data_stops() -> None:
    assert live_end(T0, T0 + 60) == T0 + 57
    assert live_end(None, T0) == T0 - 3


def test_a_server_clock_ahead_keeps_its_data_on_screen() -> None:
    assert live_end(T0 + 30, T0) == T0 + 29


# --- plans ---------------------------------------------------------------------------------


def test_development_plan_plots_events_per_namespace_and_picked_names() -> None:
    plan = rate_plan(False, None, ["/", "/chat"], {"typing": 2})
    events = plan["events"]
    assert [s.label for s in events] == [
        "received",
        "sent",
        "/ in",
        "/ out",
        "/chat in",
        "/chat out",
        "typing (in+out)",
    ]
    assert events[4].metric == "eventsReceived" and events[4].namespace == "/chat"
    assert events[-1].source == "names" and events[-1].role == "name2"
    assert [s.metric for s in plan["bytes"]] == ["bytesIn", "bytesOut"]
    assert [s.metric for s in plan["connections"]] == ["rawConnection", "rawDisconnection"]


def test_production_plan_plots_packets_in_the_events_chart() -> None:
    plan = rate_plan(True, "node-a", ["/"], {"typing": 0})
    assert [(s.metric, s.server) for s in plan["events"]] == [
        ("packetsIn", "node-a"),
        ("packetsOut", "node-a"),
    ]


def test_a_server_selection_narrows_only_the_stats_curves() -> None:
    plan = rate_plan(False, "node-b", ["/"])
    assert all(s.server is None for s in plan["events"])
    assert all(s.server == "node-b" for s in plan["packets"])
    assert plan["packets"][0].key != rate_plan(False, None, ["/"])["packets"][0].key


def test_namespace_curves_are_capped() -> None:
    many = [f"/n{i}" for i in range(20)]
    plan = rate_plan(False, None, many)
    assert len(plan["events"]) == 2 + 2 * MAX_NAMESPACE_CURVES
    assert len(gauge_plan(None, many)) == 1 + MAX_NAMESPACE_CURVES


def test_gauge_plan_keys_name_the_server() -> None:
    specs = gauge_plan("node-a", ["/chat"])
    assert [s.gauge for s in specs] == [("clients", "node-a"), ("sockets", "/chat", "node-a")]


def test_busiest_keeps_the_top_in_name_order() -> None:
    assert busiest({"/b": 5, "/a": 1, "/c": 9}, limit=2) == ["/b", "/c"]


def test_exact_figures_for_the_readout() -> None:
    assert format_exact(12431, "/s") == "12,431 /s"
    assert format_exact(2.5, "B/s") == "2.50 B/s"
    assert format_exact(7) == "7"


# --- topology samples ---------------------------------------------------------------------------


def stats(server: str, clients: int, spread: dict[str, int], at: float) -> ev.ServerStatsReceived:
    return build.stats(server, at, hostname="h", clients=clients, counts=spread)


def test_topology_counts_sum_servers_and_hide_the_admin_namespace() -> None:
    topology = Topology()
    topology.apply(
        [
            ev.ConfigReceived(frozenset({"AGGREGATED_EVENTS"}), T0),
            stats("a", 10, {"/": 6, "/chat": 4, "/admin": 1}, T0),
            stats("b", 3, {"/": 3}, T0),
        ]
    )
    counts = topology_counts(topology, hidden=("/admin",))
    assert counts[("clients", ALL_SERVERS)] == 13
    assert counts[("clients", "b")] == 3
    assert counts[("sockets", "/chat", "a")] == 4
    assert summed_sockets(counts) == {"/": 9, "/chat": 4}


def test_a_server_judged_unhealthy_stops_counting_in_the_charts() -> None:
    topology = Topology()
    topology.apply(
        [
            ev.ConfigReceived(frozenset({"AGGREGATED_EVENTS"}), T0),
            stats("a", 10, {"/": 6}, T0),
            stats("b", 3, {"/": 3}, T0),
            stats("a", 10, {"/": 6}, T0 + 2),
            stats("a", 10, {"/": 6}, T0 + 4),
        ]
    )
    topology.apply([ev.ClockTicked(T0 + 60)])  # a keeps reporting below; b fell silent
    topology.apply([stats("a", 10, {"/": 6}, T0 + 60)])
    counts = topology_counts(topology)
    assert counts[("clients", ALL_SERVERS)] == 10
    assert counts[("clients", "b")] == 0
    assert ("sockets", "/", "b") not in counts
    assert summed_sockets(counts) == {"/": 6}


# --- disconnection reasons ----------------------------------------------------------------


def disconnections(second: int, reason: str | None, count: int = 1, server: str = "s"):
    bucket = ev.AggregatedBucket(float(second), "rawDisconnection", count, reason)
    return ev.ServerStatsReceived(server, "h", 1, 1.0, 0, 0, (), (bucket,), float(second + 1))


def test_reasons_from_the_stats_come_first_and_per_server() -> None:
    rates = Rates()
    rates.apply([disconnections(T0, "ping timeout", server="a")])
    rates.apply([disconnections(T0, "transport close", server="b")])
    rates.apply([ev.SocketDisconnected("/", "x", "client namespace disconnect", T0)])
    plan = reason_plan(rates, None, 60, development=True)
    assert plan.metric == RAW and plan.reasons == ("ping timeout", "transport close")
    assert plan.note == "" and [s.label for s in plan.specs(None)] == list(plan.reasons)
    one = reason_plan(rates, "b", 60, development=True)
    assert one.reasons == ("transport close",) and one.title.endswith("server b")
    (spec,) = one.specs("b")
    assert (spec.metric, spec.server, spec.reason, spec.role) == (
        RAW,
        "b",
        "transport close",
        "reason0",
    )


def test_python_reasons_come_from_socket_events_in_development_mode() -> None:
    rates = Rates()
    rates.apply([disconnections(T0, None, 2)])  # python's stats: no reason
    rates.apply([ev.SocketDisconnected("/", "x", "transport close", T0)])
    plan = reason_plan(rates, "s", 60, development=True)
    assert plan.metric == SOCKET_DISCONNECTION and plan.reasons == ("transport close",)
    assert plan.title.startswith("Socket disconnections") and plan.title.endswith("all servers")
    assert all(spec.server is None for spec in plan.specs("s"))
    production = reason_plan(rates, None, 60, development=False)
    assert production.reasons == () and production.note == NO_REASONS


def test_no_disconnections_say_so() -> None:
    assert reason_plan(Rates(), None, 60, development=True).note == NONE_IN_WINDOW
    rates = Rates()
    rates.apply([disconnections(T0, "ping timeout")])
    rates.apply([disconnections(T0 + 100, "transport close")])
    assert reason_plan(rates, None, 60, development=True).reasons == ("transport close",)


def test_the_most_frequent_reasons_get_the_curves() -> None:
    rates = Rates()
    rates.apply([disconnections(T0, f"r{k}", count=k + 1) for k in range(9)])
    plan = reason_plan(rates, None, 60, development=True)
    assert plan.reasons == tuple(f"r{k}" for k in range(9 - MAX_REASON_CURVES, 9))


# --- gauge history ----------------------------------------------------------------------------


def test_gauges_hold_their_value_over_a_missed_second() -> None:
    history = GaugeHistory(window=60)
    history.set("k", T0, 5)
    history.set("k", T0 + 2, 7)
    assert history.series("k", T0 + 3, 10) == [(T0, 5), (T0 + 1, 5), (T0 + 2, 7), (T0 + 3, 7)]
    assert history.series("missing", T0, 10) == []


def test_gauges_forget_what_left_the_window() -> None:
    history = GaugeHistory(window=10)
    history.set("k", T0, 1)
    history.set("k", T0 + 10, 2)  # same slot, a lap later
    assert history.get("k", T0) is None
    assert history.series("k", T0 + 10, 60) == [(T0 + 10, 2)]


def test_a_full_history_keeps_the_keys_it_met_first() -> None:
    history = GaugeHistory(window=10, max_keys=2)
    history.set("a", T0, 1)
    history.set("b", T0, 1)
    version = history.version
    history.set("c", T0 + 1, 1)
    assert history.keys() == ["a", "b"] and history.version == version
    history.clear()
    assert history.keys() == [] and history.version > version


# --- reading into arrays --------------------------------------------------------------------


def bytes_in(second: int, count: int) -> ev.ServerStatsReceived:
    """Stats reporting ``second``, received once that second is over, as servers send them."""
    bucket = ev.AggregatedBucket(float(second), "bytesIn", count)
    return ev.ServerStatsReceived("s", "h", 1, 1.0, 0, 0, (), (bucket,), float(second + 1))


def test_the_reader_shifts_and_rereads_only_the_tail() -> None:
    rates, reader = Rates(), SeriesReader()
    rates.apply([bytes_in(T0 - k, k) for k in range(100)])
    (spec,) = rate_plan(False, None, [])["bytes"][:1]
    empty = GaugeHistory()
    first = reader.read(rates, empty, [spec], T0, 60, clock=0.0)[spec.key]
    assert first[0].tolist() == list(range(T0 - 59, T0 + 1)) and first[1][-1] == 0
    rates.apply([bytes_in(T0 + 1, 500), bytes_in(T0 - TAIL_SECONDS + 2, 1000)])
    xs, ys = reader.read(rates, empty, [spec], T0 + 1, 60, clock=1.0)[spec.key]
    full = rates.series("bytesIn", last_seconds=60, now=T0 + 1)
    assert xs.tolist() == [s for s, _ in full] and ys.tolist() == [v for _, v in full]
    assert reader.full_reads == 1
    assert ys is not first[1]  # pyqtgraph keeps the arrays it was given: never reuse them
    rates.apply([bytes_in(T0 - 40, 7)])  # later than the tail: waits for the next full read
    _, ys = reader.read(rates, empty, [spec], T0 + 1, 60, clock=2.0)[spec.key]
    assert ys[-42] == 40
    _, ys = reader.read(rates, empty, [spec], T0 + 1, 60, clock=2.0 + FULL_EVERY)[spec.key]
    assert ys[-42] == 47 and reader.full_reads == 2


def test_name_arrays_sum_in_and_out_from_the_first_exact_second() -> None:
    rates = Rates()
    rates.apply([ev.EventReceived("/", "s", "move", (), T0 + 0.5) for _ in range(3)])
    rates.apply([ev.EventSent("/", "s", "move", (), T0 + 2.5)])
    xs, ys = name_arrays(rates.name_history, "move", T0 + 3, 60)
    assert xs.tolist() == [T0, T0 + 1, T0 + 2, T0 + 3] and ys.tolist() == [3, 0, 1, 0]
    assert name_arrays(rates.name_history, "other", T0, 60)[0].size == 0


def test_gauge_arrays_fill_gaps_like_the_history() -> None:
    history = GaugeHistory(window=60)
    for second, value in ((T0 - 70, 9), (T0 - 5, 1), (T0 - 3, 2), (T0, 4)):
        history.set("k", second, value)
    xs, ys = gauge_arrays(history, "k", T0, 60)
    expected = history.series("k", T0, 60)
    assert list(zip(xs.tolist(), ys.tolist(), strict=True)) == expected
    assert expected[0] == (T0 - 5, 1) and expected[3] == (T0 - 2, 2)
    assert gauge_arrays(history, "other", T0, 60)[0].size == 0


# --- CSV export ---------------------------------------------------------------------------------


def test_csv_has_a_header_and_one_row_per_point(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    rows = write_series_csv(
        path,
        [
            ExportSeries("bytes", "in", "B/s", [(T0, 1500.0), (T0 + 1, 2.5)]),
            ExportSeries("events", "=cmd|' /C calc'!A0", "/s", [(T0, 3.0)]),
        ],
    )
    with open(path, newline="", encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    assert rows == 3
    assert tuple(table[0]) == HEADER
    assert table[1] == ["bytes", "in", "B/s", str(T0), "2026-11-22T01:40:00Z", "1500"]
    assert table[2][-1] == "2.5"
    assert table[3][1].startswith("'=")  # a spreadsheet shows it, never runs it


def test_a_failed_export_leaves_no_partial_file(tmp_path: Path) -> None:
    def broken():  # type: ignore[no-untyped-def]
        yield ExportSeries("bytes", "in", "B/s", [(T0, 1.0)])
        raise RuntimeError("disk gone")

    with pytest.raises(RuntimeError):
        write_series_csv(tmp_path / "out.csv", broken())
    assert list(tmp_path.iterdir()) == []


def test_safe_text_leaves_ordinary_names_alone() -> None:
    assert safe_text("chat:message") == "chat:message"
    assert safe_text("+1") == "'+1"
