"""Throughput series: recorded sessions, split buckets, the window and the caps."""

from __future__ import annotations

import pytest

from sio_monitor.domain import events as ev
from sio_monitor.domain.throughput.rates import (
    METRICS,
    NAME_WINDOW,
    NO_REASON,
    OTHER,
    SOCKET_DISCONNECTION,
    Rates,
    Ring,
)
from tests.support import events as build
from tests.unit.sessions import FLAVOURS, decoded

T0 = 1_795_311_600


def stats(
    at: float, *buckets: tuple[float, str, int], server: str = "s1", reason: str | None = None
):
    return build.stats(server, at, aggregated=build.buckets(*buckets, reason=reason))


def received(name: str, at: float, nsp: str = "/") -> ev.EventReceived:
    return ev.EventReceived(nsp, "sid", name, (), at)


def sent(name: str, at: float, nsp: str = "/") -> ev.EventSent:
    return ev.EventSent(nsp, "sid", name, (), at)


# --- recorded sessions -----------------------------------------------------------


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_replay_totals_match_the_buckets(flavour: str) -> None:
    events = decoded(flavour)
    rates = Rates()
    rates.apply(events)
    buckets = [b for e in events if isinstance(e, ev.ServerStatsReceived) for b in e.aggregated]
    for metric in ("bytesIn", "bytesOut", "packetsIn", "packetsOut", "rawConnection"):
        expected = sum(b.count for b in buckets if b.type == metric)
        assert expected > 0
        assert rates.total(metric) == expected
        (server,) = rates.servers()
        assert rates.total(metric, server=server) == expected


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_replay_counts_events_per_namespace_and_name(flavour: str) -> None:
    events = decoded(flavour)
    rates = Rates(ignored_namespaces=("/admin",))
    rates.apply(events)
    app = [
        e for e in events if isinstance(e, ev.EventReceived | ev.EventSent) and e.nsp != "/admin"
    ]
    got_in = sum(1 for e in app if isinstance(e, ev.EventReceived))
    assert rates.total("eventsReceived") == got_in
    assert rates.total("eventsSent") == len(app) - got_in
    chat_sent = sum(1 for e in app if isinstance(e, ev.EventSent) and e.nsp == "/chat")
    assert rates.total("eventsSent", namespace="/chat") == chat_sent == 4
    top = {name: total for name, _, _, total in rates.top_events(20)}
    assert top["news"] == 2 and top["announce"] == 2 and top["join"] == 3
    assert "emit" not in top  # python reports the monitor's own commands in /admin


def test_node_disconnection_reasons() -> None:
    rates = Rates()
    rates.apply(decoded("node"))
    assert rates.disconnection_reasons(last_seconds=3600) == [("transport close", 2)]
    (server,) = rates.servers()
    assert rates.disconnection_reasons(3600, server=server) == [("transport close", 2)]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_socket_disconnections_carry_a_reason_from_both_servers(flavour: str) -> None:
    events = decoded(flavour)
    rates = Rates(ignored_namespaces=("/admin",))
    rates.apply(events)
    gone = [e for e in events if isinstance(e, ev.SocketDisconnected) and e.nsp != "/admin"]
    assert len(gone) == 2
    assert rates.reasons(SOCKET_DISCONNECTION, last_seconds=3600) == ["transport close"]
    assert rates.total(SOCKET_DISCONNECTION) == 2
    raw = rates.reasons("rawDisconnection", last_seconds=3600)
    assert raw == (["transport close"] if flavour == "node" else [NO_REASON])


def test_reasons_per_second_per_server_and_summed() -> None:
    rates = Rates()
    rates.apply(
        [
            stats(T0 + 2, (T0, "rawDisconnection", 3), (T0 + 1, "rawDisconnection", 1), reason="a"),
            stats(T0 + 2, (T0 + 1, "rawDisconnection", 2), server="s2", reason="a"),
            stats(T0 + 2, (T0 + 1, "rawDisconnection", 5), server="s2", reason="b"),
        ]
    )
    assert rates.series("rawDisconnection", last_seconds=2, reason="a") == [(T0, 3), (T0 + 1, 3)]
    assert rates.series("rawDisconnection", "s2", last_seconds=1, reason="b") == [(T0 + 1, 5)]
    assert rates.reasons(server="s1", last_seconds=60) == ["a"]
    assert rates.reasons(last_seconds=1) == ["a", "b"]
    assert rates.disconnection_reasons(60) == [("a", 6), ("b", 5)]
    with pytest.raises(ValueError, match="not counted by reason"):
        rates.series("bytesIn", reason="a")
    with pytest.raises(ValueError, match="no server id"):
        rates.series(SOCKET_DISCONNECTION, server="s1", reason="a")


def test_reasons_are_capped() -> None:
    rates = Rates()
    rates.apply(ev.SocketDisconnected("/", f"s{k}", f"reason {k}", T0 + k / 100) for k in range(40))
    assert len(rates.reasons(SOCKET_DISCONNECTION)) == 33  # 32 and "(other)"
    assert dict(rates.disconnection_reasons(metric=SOCKET_DISCONNECTION))[OTHER] == 8


# --- the stats edge in a cluster ------------------------------------------------------


def bytes_until(server: str, received: float, first: int) -> ev.ServerStatsReceived:
    """Stats as servers send them: 10 B a second from ``first`` to the second it is sent in."""
    seconds = range(first, int(received) + 1)
    return stats(received, *((s, "bytesIn", 10) for s in seconds), server=server)


def test_the_summed_stats_edge_waits_for_every_live_server() -> None:
    rates = Rates()
    rates.apply([bytes_until("a", T0 + 0.1, T0 - 1), bytes_until("b", T0 + 0.2, T0 - 1)])
    rates.apply([bytes_until("a", T0 + 2.1, T0 + 1)])  # b's next stats come a second later
    assert rates.stats_complete_until("a") == T0 + 1
    assert rates.stats_complete_until("b") == T0 - 1
    assert rates.stats_complete_until() == T0 - 1
    rates.apply([bytes_until("b", T0 + 3.2, T0 + 1)])
    assert rates.stats_complete_until() == T0 + 1
    assert rates.series("bytesIn", last_seconds=3, now=T0 + 1) == [
        (T0 - 1, 20.0),
        (T0, 20.0),
        (T0 + 1, 20.0),
    ]


def test_a_server_that_stopped_reporting_stops_holding_the_edge_back() -> None:
    rates = Rates()
    for k in range(3):  # both report every 2 s, so each learns a 2 s interval
        second = T0 + 2 * k
        rates.apply(
            [bytes_until("a", second, second - 1), bytes_until("b", second + 0.5, second - 1)]
        )
    b_edge = T0 + 4 - 1
    rates.apply([bytes_until("a", T0 + 2 * k, T0 + 2 * k - 1) for k in (3, 4, 5)])
    assert rates.stats_complete_until() == b_edge  # silent for 5.5 s: within three intervals
    rates.apply([bytes_until("a", T0 + 12, T0 + 11)])
    assert rates.stats_complete_until() == T0 + 11  # silent 7.5 s: b has stopped
    assert rates.stats_complete_until("b") == b_edge
    rates.apply([bytes_until("b", T0 + 12.5, T0 + 5)])  # back: waited for again
    rates.apply([bytes_until("a", T0 + 14, T0 + 13)])
    assert rates.stats_complete_until() == T0 + 11


def test_event_names_get_an_exact_history() -> None:
    rates = Rates(max_names=2)
    rates.apply([received("join", T0), sent("join", T0 + 2), received("a", T0 + 2)])
    rates.apply([received("late", T0 + 3), received("late", T0 + 3.5)])  # beyond the cap
    series = rates.name_history.series("join", T0 + 3, 60)
    assert series is not None and series.first == T0
    assert series.received.tolist() == [1, 0, 0, 0] and series.sent.tolist() == [0, 0, 1, 0]
    late = rates.name_history.series("late", T0 + 3, 60)
    other = rates.name_history.series(OTHER, T0 + 3, 60)
    assert late is not None and other is not None
    assert late.received.tolist() == other.received.tolist() == [0, 0, 0, 2]


# --- buckets ---------------------------------------------------------------------


def test_a_bucket_split_across_two_messages_is_added() -> None:
    rates = Rates()
    rates.apply([stats(T0 + 1.5, (T0, "bytesIn", 100), (T0 + 1, "bytesIn", 10))])
    rates.apply([stats(T0 + 3.5, (T0 + 1, "bytesIn", 5), (T0 + 2, "bytesIn", 7))])
    assert rates.series("bytesIn", last_seconds=3) == [(T0, 100.0), (T0 + 1, 15.0), (T0 + 2, 7.0)]
    assert rates.total("bytesIn") == 122


def test_series_are_per_server_and_summed_over_servers() -> None:
    rates = Rates()
    rates.apply(
        [
            stats(T0, (T0, "packetsOut", 3), server="a"),
            stats(T0, (T0, "packetsOut", 4), server="b"),
        ]
    )
    assert rates.series("packetsOut", server="a", last_seconds=1) == [(T0, 3.0)]
    assert rates.series("packetsOut", server="b", last_seconds=1) == [(T0, 4.0)]
    assert rates.series("packetsOut", last_seconds=1) == [(T0, 7.0)]
    assert rates.series("packetsOut", server="nobody", last_seconds=2) == [(T0 - 1, 0.0), (T0, 0.0)]


def test_series_fill_silent_seconds_with_zeros_and_rates_average() -> None:
    rates = Rates()
    rates.apply([stats(T0 + 9, (T0, "rawConnection", 4), (T0 + 9, "rawConnection", 6))])
    series = rates.series("rawConnection", last_seconds=10)
    assert [s for s, _ in series] == list(range(T0, T0 + 10))
    assert sum(v for _, v in series) == 10
    assert rates.latest_rate("rawConnection", seconds=5) == pytest.approx(6 / 5)
    assert rates.latest_rate("rawConnection", seconds=10) == pytest.approx(1.0)
    assert rates.latest_rate("rawConnection", seconds=5, now=T0 + 30) == 0.0


def test_unknown_bucket_types_are_ignored() -> None:
    rates = Rates()
    rates.apply([stats(T0, (T0, "futureMetric", 9), (T0, "bytesIn", 1))])
    assert rates.total("bytesIn") == 1


def test_empty_rates_answer_quietly() -> None:
    rates = Rates()
    assert rates.series("bytesIn") == []
    assert rates.latest_rate("bytesIn") == 0.0
    assert rates.top_events() == [] and rates.disconnection_reasons() == []


def test_metric_misuse_is_reported() -> None:
    rates = Rates()
    with pytest.raises(ValueError, match="unknown metric"):
        rates.series("bogus")
    with pytest.raises(ValueError, match="per namespace"):
        rates.series("eventsSent", server="a")
    with pytest.raises(ValueError, match="per server"):
        rates.series("bytesIn", namespace="/")
    assert set(METRICS) >= {"bytesIn", "eventsReceived"}


# --- bounds ----------------------------------------------------------------------


def test_the_window_is_bounded() -> None:
    rates = Rates(window=10)
    for second in range(T0, T0 + 100):
        rates.apply([stats(second + 0.5, (second, "bytesOut", 1))])
    assert rates.total("bytesOut") == 10
    assert len(rates.series("bytesOut", last_seconds=1000)) == 10
    rates.apply([stats(T0 + 100, (T0 + 50, "bytesOut", 1000))])  # too old to keep
    assert rates.total("bytesOut") == 10 and rates.dropped == 1


def test_ring_memory_is_fixed() -> None:
    ring = Ring(60)
    size = (len(ring._values), len(ring._seconds))
    for second in range(10_000):
        ring.add(second, 1.0)
    assert (len(ring._values), len(ring._seconds)) == size == (60, 60)
    assert ring.get(9_999) == 1.0 and ring.get(9_000) == 0.0


def test_event_names_are_capped() -> None:
    rates = Rates(max_names=5)
    rates.apply(received(f"name{i}", T0 + i / 100) for i in range(50))
    assert rates.event_name_count() == 6  # five names and "(other)"
    top = {name: total for name, _, _, total in rates.top_events(10)}
    assert top[OTHER] == 45
    assert rates.total("eventsReceived") == 50


def test_top_events_rank_by_recent_rate() -> None:
    rates = Rates()
    rates.apply([received("old", T0) for _ in range(100)])
    rates.apply([received("busy", T0 + 50) for _ in range(30)] + [sent("busy", T0 + 50)])
    rates.apply([sent("quiet", T0 + 50)])
    top = rates.top_events(3, seconds=10)
    assert [row[0] for row in top] == ["busy", "quiet", "old"]
    assert top[0] == ("busy", 3.0, 0.1, 31)
    assert rates.top_events(3, namespace="/other") == []
    assert NAME_WINDOW >= 10


def test_events_are_bucketed_by_their_own_second() -> None:
    rates = Rates()
    rates.apply([received("a", T0 + 0.2), received("a", T0 + 0.9), received("a", T0 + 1.1)])
    assert rates.series("eventsReceived", namespace="/", last_seconds=2) == [
        (T0, 2.0),
        (T0 + 1, 1.0),
    ]


def test_a_wild_server_clock_cannot_push_honest_data_out() -> None:
    rates = Rates()
    rates.apply([stats(T0, (T0, "bytesIn", 1))])
    rates.apply([stats(T0 + 1, (T0 + 86_400 * 30, "bytesIn", 1))])
    rates.apply([stats(T0 + 2, (T0 + 2, "bytesIn", 1))])
    assert rates.newest == T0 + 2 and rates.total("bytesIn") == 2 and rates.dropped == 1


def test_ignored_namespaces_are_not_counted() -> None:
    rates = Rates(ignored_namespaces=("/admin",))
    rates.apply([received("join", T0, nsp="/admin"), received("join", T0, nsp="/")])
    assert rates.total("eventsReceived") == 1
    assert rates.namespaces() == ["/"]
