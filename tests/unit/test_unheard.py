"""A node never heard from: its sockets came in the snapshot, its stats never came.

Judged on an injected clock, no network: the topology of a cluster whose two
reporting workers count 3 sockets while the snapshot holds 5.
"""

from __future__ import annotations

from sio_monitor.domain import events as ev
from sio_monitor.domain.events import ClockTicked
from sio_monitor.domain.topology.topology import Topology
from sio_monitor.domain.topology.unheard import MAX_BACKOFF, UnheardSockets
from tests.support import events as build
from tests.support.events import T0, info

DEV = frozenset({"AGGREGATED_EVENTS", "ALL_EVENTS", "JOIN"})


def stats(server: str, at: float, uptime: float, count: int) -> ev.ServerStatsReceived:
    return build.stats(server, at, uptime=uptime, counts={"/": count})


def cluster_with_an_unheard_node() -> Topology:
    """Workers 1 and 2 report 2 and 1 sockets; the snapshot also holds worker 3's two."""
    topology = Topology()
    topology.apply([ev.ConnectionChanged(ev.ConnectionState.CONNECTED, "up", T0)])
    sockets = tuple(info(sid) for sid in ("a1", "a2", "b1", "c1", "c2"))
    topology.apply([ev.ConfigReceived(DEV, T0), ev.AllSocketsReceived(sockets, T0)])
    for n in range(3):  # a 1 s rhythm, learnt from uptime
        at = T0 + 0.1 + n
        topology.apply([stats("worker-1", at, 10.0 + n, 2), stats("worker-2", at, 20.0 + n, 1)])
    return topology


def test_sockets_no_reporting_server_counts_make_the_snapshot_stale_after_three_intervals() -> None:
    topology = cluster_with_an_unheard_node()
    assert topology.socket_count("/") == 5 and topology.reported_socket_count("/") == 3
    due = topology.next_health_check()
    assert due is not None and due <= T0 + 0.1 + 3 * 1.0
    assert not topology.apply([ClockTicked(due - 0.01)]).snapshot_stale
    assert topology.apply([ClockTicked(due)]).snapshot_stale
    # The fresh snapshot from a live node no longer holds the dead node's sockets.
    sockets = tuple(info(sid) for sid in ("a1", "a2", "b1"))
    topology.apply([ev.AllSocketsReceived(sockets, due + 0.1)])
    topology.apply([stats("worker-1", due + 0.2, 14.0, 2)])
    assert topology.socket_count("/") == 3
    assert not topology.apply([ClockTicked(due + 100.0)]).snapshot_stale


def test_a_live_silent_node_is_refreshed_ever_less_often() -> None:
    unheard = UnheardSockets()
    waits = []
    at = T0
    for _ in range(6):
        unheard.observe(True, at)
        deadline = unheard.deadline(2.0)
        assert deadline is not None and not unheard.due(deadline - 0.01, 2.0)
        assert unheard.due(deadline, 2.0)
        waits.append(deadline - at)
        at = deadline + 0.5  # the refresh's snapshot, still outnumbered
    assert waits == [6.0, 12.0, 24.0, 48.0, 6.0 * MAX_BACKOFF, 6.0 * MAX_BACKOFF]
    unheard.observe(False, at)  # counts agree again: back to three intervals
    unheard.observe(True, at)
    assert unheard.deadline(2.0) == at + 6.0


def test_counts_that_agree_set_no_deadline() -> None:
    topology = Topology()
    topology.apply([ev.ConnectionChanged(ev.ConnectionState.CONNECTED, "up", T0)])
    sockets = tuple(info(sid) for sid in ("a1", "a2", "b1"))
    topology.apply([ev.ConfigReceived(DEV, T0), ev.AllSocketsReceived(sockets, T0)])
    topology.apply([stats("worker-1", T0 + 0.1, 10.0, 2), stats("worker-2", T0 + 0.1, 5.0, 1)])
    due = topology.next_health_check()
    assert due == T0 + 0.1 + 3 * 2.0  # the servers' own deadline only
    assert not topology.apply([ClockTicked(due - 0.01)]).snapshot_stale


def test_sockets_the_servers_just_reported_connecting_are_not_taken_for_an_unheard_node() -> None:
    """A growing server: its socket events run ahead of its counts by one interval."""
    topology = Topology()
    topology.apply([ev.ConnectionChanged(ev.ConnectionState.CONNECTED, "up", T0)])
    topology.apply([ev.ConfigReceived(DEV, T0), ev.AllSocketsReceived((), T0)])
    held = 0
    for n in range(10):  # ten new sockets a second, counted a second late
        sockets = [info(f"s{held + k}") for k in range(10)]
        held += 10
        topology.apply([ev.SocketConnected(s, T0 + n) for s in sockets])
        joined = (ev.AggregatedBucket(T0 + n, "rawConnection", 10),)
        names = (ev.NamespaceCount("/", held - 10),)
        message = ev.ServerStatsReceived("web", "host", 1, 10.0 + n, 0, 0, names, joined, T0 + n)
        topology.apply([message])
        assert topology.socket_count("/") == held
        assert not topology.apply([ClockTicked(T0 + n + 0.5)]).snapshot_stale
    assert topology.next_health_check() == T0 + 9 + 3 * 1.0  # only the server's own deadline
