"""The topology replayed from real recordings, and under each ordering quirk."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

import pytest

from sio_monitor.domain import events as ev
from sio_monitor.domain.events import ClockTicked, ReconnectScheduled
from sio_monitor.domain.topology.changes import ChangeSet, KeyChanges
from sio_monitor.domain.topology.nodes import MAX_PENDING_SOCKETS
from sio_monitor.domain.topology.topology import Topology
from tests.support import events as build
from tests.support.events import T0, info
from tests.unit.sessions import FLAVOURS, decoded, expected_rooms, load

DEV = frozenset({"AGGREGATED_EVENTS", "ALL_EVENTS", "JOIN"})


def connected(
    sid: str, nsp: str = "/", at: float = T0, connected_at: float = T0, **kw: Any
) -> ev.SocketConnected:
    return ev.SocketConnected(info(sid, nsp, at=connected_at, **kw), at)


def stats(server: str, at: float, **counts: int) -> ev.ServerStatsReceived:
    """``_=3, _chat=1``: 3 sockets in ``/`` and one in ``/chat``."""
    return build.stats(
        server, at, counts={n.replace("_", "/") or "/": c for n, c in counts.items()}
    )


def state_of(topology: Topology, nsp: str) -> dict[str, list[str]]:
    return {s.id: sorted(s.rooms) for s in topology.sockets(nsp)}


def dev_topology(*events: ev.DomainEvent) -> Topology:
    topology = Topology()
    topology.apply([ev.ConfigReceived(DEV, T0), *events])
    return topology


# --- recorded sessions -----------------------------------------------------------


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("batching", ["one-by-one", "all-at-once", "random"])
def test_replay_reaches_the_servers_own_view(flavour: str, batching: str) -> None:
    events = decoded(flavour)
    topology = Topology()
    if batching == "one-by-one":
        for event in events:
            topology.apply([event])
    elif batching == "all-at-once":
        topology.apply(events)
    else:
        rng = random.Random(7)
        index = 0
        while index < len(events):
            step = rng.randint(1, 8)
            topology.apply(events[index : index + step])
            index += step
    for nsp, sockets in expected_rooms(flavour).items():
        assert state_of(topology, nsp) == sockets
        public = {r.name for r in topology.rooms(nsp)}
        assert public == {room for rooms in sockets.values() for room in rooms} - set(sockets)
    admin = load(flavour)["admin_sid"]
    assert topology.socket("/admin", admin) is not None
    assert topology.mode == "development"
    assert topology.is_complete()
    assert topology.unreported_servers() == []
    assert topology.pending_count() == 0


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_replay_groups_sockets_by_engine_client(flavour: str) -> None:
    topology = Topology()
    topology.apply(decoded(flavour))
    truth = expected_rooms(flavour)
    (client,) = [c for c in topology.clients() if len(c.sockets) == 2]
    assert {nsp for nsp, _ in client.sockets} == {"/", "/chat"}
    assert topology.client_count() == sum(len(s) for s in truth.values())  # admin adds one
    assert topology.socket_count() == sum(len(s) for s in truth.values()) + 1


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_replay_counts_servers_and_namespaces(flavour: str) -> None:
    topology = Topology()
    topology.apply(decoded(flavour))
    (server,) = topology.servers()
    assert server.hostname and server.pid
    assert set(server.namespaces) == {"/", "/chat", "/admin"}
    assert topology.namespaces() == ["/", "/admin", "/chat"]
    for nsp, sockets in expected_rooms(flavour).items():
        assert topology.reported_socket_count(nsp) == len(sockets)
        assert topology.socket_count(nsp) == len(sockets)
    interval = 1.0 if flavour == "python" else 2.0
    assert server.interval == pytest.approx(interval, rel=0.2)


def test_python_ping_resends_are_updates_at_most() -> None:
    events = decoded("python")
    topology = Topology()
    for event in events:
        known = isinstance(event, ev.SocketConnected) and topology.socket(
            event.socket.nsp, event.socket.id
        )
        before = topology.socket_count()
        changes = topology.apply([event])
        if known:
            assert topology.socket_count() == before
            assert not changes.sockets.get(event.socket.nsp, KeyChanges()).added
            assert not changes.clients.added


def test_identical_resend_changes_nothing() -> None:
    topology = dev_topology(connected("a", rooms=("red",)))
    connected_at = topology.socket("/", "a").connected_at
    changes = topology.apply([connected("a", rooms=("red",), at=T0 + 25)])
    assert not changes.tree_changed()
    assert topology.socket("/", "a").connected_at == connected_at
    assert topology.socket("/", "a").refreshed_at == T0 + 25
    assert topology.socket_count() == 1
    assert topology.room("/", "red").size == 1


def test_resend_rooms_replace_the_held_rooms() -> None:
    topology = dev_topology(connected("a", rooms=("red", "blue")))
    changes = topology.apply([connected("a", rooms=("green",), at=T0 + 25)])
    assert state_of(topology, "/") == {"a": sorted(["a", "green"])}
    assert topology.room("/", "red") is None
    assert set(changes.rooms["/"].removed) == {"red", "blue"}
    assert set(changes.rooms["/"].added) == {"green"}
    assert list(changes.sockets["/"].updated) == ["a"]


# --- ordering quirks -------------------------------------------------------------


def test_room_joined_before_socket_connected_is_kept_for_it() -> None:
    topology = dev_topology(ev.RoomJoined("/", "a", "a", T0), ev.RoomJoined("/", "lobby", "a", T0))
    assert topology.socket_count() == 0 and topology.pending_count() == 1
    topology.apply([connected("a")])
    assert state_of(topology, "/") == {"a": ["a", "lobby"]}
    assert topology.pending_count() == 0
    assert [r.name for r in topology.rooms("/")] == ["lobby"]
    assert [r.name for r in topology.rooms("/", include_private=True)] == ["a", "lobby"]


def test_room_joined_after_socket_connected() -> None:
    topology = dev_topology(connected("a"))
    changes = topology.apply([ev.RoomJoined("/", "lobby", "a", T0)])
    assert state_of(topology, "/") == {"a": ["a", "lobby"]}
    assert list(changes.rooms["/"].added) == ["lobby"]
    assert list(changes.members[("/", "lobby")].added) == ["a"]


def test_leave_and_disconnect_of_unknown_sockets_are_no_ops() -> None:
    topology = dev_topology(connected("a"))
    changes = topology.apply(
        [ev.RoomLeft("/", "red", "ghost", T0), ev.SocketDisconnected("/", "ghost", "x", T0)]
    )
    assert not changes.tree_changed()
    assert state_of(topology, "/") == {"a": ["a"]}


def test_leave_of_unknown_socket_cancels_its_kept_join() -> None:
    topology = dev_topology(
        ev.RoomJoined("/", "lobby", "a", T0), ev.RoomLeft("/", "lobby", "a", T0)
    )
    assert topology.pending_count() == 0
    topology.apply([connected("a")])
    assert state_of(topology, "/") == {"a": ["a"]}


def test_late_joins_for_a_socket_already_gone_are_dropped() -> None:
    """Python flushes room events after server_stats: a short-lived socket's come after it."""
    topology = dev_topology(connected("brief"), ev.SocketDisconnected("/", "brief", "x", T0 + 1))
    topology.apply([ev.RoomJoined("/", "green", "brief", T0)])
    assert topology.pending_count() == 0
    assert topology.room("/", "green") is None


def test_resend_that_lost_the_race_with_its_disconnection_is_ignored() -> None:
    topology = dev_topology(connected("a"), ev.SocketDisconnected("/", "a", "x", T0 + 30))
    topology.apply([connected("a", at=T0 + 25)])
    assert topology.socket_count() == 0
    topology.apply([connected("a", at=T0 + 40, connected_at=T0 + 40)])  # a real comeback
    assert topology.socket_count() == 1


def test_pending_joins_are_bounded() -> None:
    topology = dev_topology()
    topology.apply(ev.RoomJoined("/", "r", f"s{i}", T0) for i in range(MAX_PENDING_SOCKETS + 500))
    assert topology.pending_count() == MAX_PENDING_SOCKETS


def test_disconnect_leaves_every_room_and_empty_rooms_vanish() -> None:
    topology = dev_topology(connected("a", rooms=("red", "blue")), connected("b", rooms=("red",)))
    changes = topology.apply([ev.SocketDisconnected("/", "a", "transport close", T0)])
    assert state_of(topology, "/") == {"b": ["b", "red"]}
    assert [r.name for r in topology.rooms("/", include_private=True)] == ["b", "red"]
    assert set(changes.rooms["/"].removed) == {"a", "blue"}
    assert list(changes.rooms["/"].updated) == ["red"]
    assert list(changes.sockets["/"].removed) == ["a"]
    assert ("/", "blue") not in changes.members  # its parent row is gone
    assert list(changes.members[("/", "red")].removed) == ["a"]
    assert topology.room_count("/") == 1 and topology.room_count("/", include_private=True) == 2


def test_connect_and_disconnect_in_one_batch_net_to_nothing() -> None:
    topology = dev_topology(connected("a"))
    changes = topology.apply(
        [connected("b", rooms=("red",)), ev.SocketDisconnected("/", "b", "", T0)]
    )
    assert "/" not in changes.sockets and "/" not in changes.rooms
    assert not changes.clients
    assert list(changes.namespaces.updated) == ["/"]


def test_socket_updated_changes_transport_and_data() -> None:
    topology = dev_topology(connected("a", transport="polling"))
    changes = topology.apply(
        [
            ev.SocketUpdated("/", "a", {"transport": "websocket"}, T0),
            ev.SocketUpdated("/", "a", {"data": {"user": "x"}}, T0),
            ev.SocketUpdated("/", "ghost", {"data": {}}, T0),
        ]
    )
    state = topology.socket("/", "a")
    assert (state.transport, state.data) == ("websocket", {"user": "x"})
    assert list(changes.sockets["/"].updated) == ["a"]


# --- snapshots and reconnects ------------------------------------------------------


def test_snapshot_replaces_state_without_ghosts_or_duplicates() -> None:
    topology = dev_topology(connected("a", rooms=("red",)), connected("b"))
    snapshot = ev.AllSocketsReceived((info("b"), info("c", rooms=("blue",))), T0 + 5)
    changes = topology.apply([snapshot])
    assert changes.reset and not changes.sockets and not changes.rooms
    assert state_of(topology, "/") == {"b": ["b"], "c": ["blue", "c"]}
    assert topology.room("/", "red") is None
    assert topology.socket_count() == 2 and topology.client_count() == 2


def test_reconnect_resets_and_the_next_snapshot_fills_in() -> None:
    topology = Topology()
    topology.apply([ev.ConnectionChanged(ev.ConnectionState.CONNECTED, "up", T0)])
    topology.apply([ev.ConfigReceived(DEV, T0), connected("a"), connected("gone")])
    topology.apply([ev.ConnectionChanged(ev.ConnectionState.RECONNECTING, "lost", T0 + 1)])
    assert topology.socket_count() == 2  # the last known picture stays while away
    changes = topology.apply([ev.ConnectionChanged(ev.ConnectionState.CONNECTED, "up", T0 + 9)])
    assert changes.reset and changes.connection is not None
    assert topology.socket_count() == 0 and not topology.is_complete()
    topology.apply(
        [ev.ConfigReceived(DEV, T0 + 9), ev.AllSocketsReceived((info("a"), info("new")), T0 + 9)]
    )
    assert sorted(state_of(topology, "/")) == ["a", "new"]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_reconnect_after_a_recording_leaves_no_ghosts(flavour: str) -> None:
    topology = Topology()
    topology.apply([ev.ConnectionChanged(ev.ConnectionState.CONNECTED, "up", T0)])
    topology.apply(decoded(flavour))
    topology.apply([ev.ConnectionChanged(ev.ConnectionState.CONNECTED, "again", T0 + 100)])
    truth = expected_rooms(flavour)
    snapshot = tuple(
        info(sid, nsp, rooms=tuple(r for r in rooms if r != sid), client="c")
        for nsp, sockets in truth.items()
        for sid, rooms in sockets.items()
    )
    topology.apply([ev.AllSocketsReceived(snapshot, T0 + 100)])
    for nsp, sockets in truth.items():
        assert state_of(topology, nsp) == sockets
    assert topology.sockets("/admin") == []
    assert topology.namespaces() == ["/", "/admin", "/chat"]  # still listed by stats


def test_production_mode_drops_socket_detail() -> None:
    topology = dev_topology(connected("a"))
    changes = topology.apply([ev.ConfigReceived(frozenset({"AGGREGATED_EVENTS"}), T0)])
    assert changes.reset and changes.config_changed
    assert topology.mode == "production"
    assert topology.socket_count() == 0 and not topology.is_complete()


def test_config_session_and_rejections_are_tracked() -> None:
    topology = Topology()
    changes = topology.apply(
        [
            ev.ConfigReceived(DEV, T0),
            ev.SessionReceived("s-1", T0),
            ev.PayloadRejected("room_joined", "room is not a string", T0),
            ev.PayloadRejected("bogus", "unknown event", T0),
            ev.EventReceived("/", "a", "ping", (), T0),
        ]
    )
    assert changes.config_changed and changes.rejected == 2
    assert (topology.mode, topology.features, topology.session_id) == ("development", DEV, "s-1")
    assert topology.malformed == 2 and topology.last_rejection.event_name == "bogus"


# --- servers, health and completeness ------------------------------------------------


def test_health_follows_the_learnt_interval() -> None:
    topology = Topology()
    topology.apply([stats("s1", T0)])
    (server,) = topology.servers()
    assert server.interval == 2.0  # the servers' default until a gap is seen
    assert server.is_healthy(T0 + 6) and not server.is_healthy(T0 + 6.1)
    topology.apply([stats("s1", T0 + 1), stats("s1", T0 + 2)])
    assert server.interval == pytest.approx(1.0)
    assert topology.unhealthy_servers(T0 + 4.9) == []
    assert topology.unhealthy_servers(T0 + 5.1) == ["s1"]


def test_namespace_counts_add_up_across_servers() -> None:
    topology = Topology()
    changes = topology.apply([stats("s1", T0, _=3, _chat=1), stats("s2", T0, _=2)])
    assert set(changes.servers.added) == {"s1", "s2"}
    assert set(changes.namespaces.added) == {"/", "/chat"}
    assert topology.reported_socket_count("/") == 5
    topology.apply([stats("s1", T0 + 2, _=1)])  # /chat no longer listed by s1
    assert topology.reported_socket_count("/") == 3
    assert topology.reported_socket_count("/chat") == 0
    assert topology.namespace("/").reported_by == {"s1": 1, "s2": 2}


def test_cluster_servers_are_unreported_until_their_sockets_show_up() -> None:
    topology = dev_topology(ev.AllSocketsReceived((info("a1"), info("a2")), T0))
    changes = topology.apply([stats("node-a", T0 + 1, _=2), stats("node-b", T0 + 1, _=3)])
    assert topology.unreported_servers() == ["node-b"]
    assert not topology.is_complete()
    assert changes.completeness_changed
    changes = topology.apply([connected("b1"), connected("b2")])
    assert topology.unreported_servers() == ["node-b"]
    assert not changes.completeness_changed
    changes = topology.apply([connected("b3", at=T0 + 25)])
    assert changes.completeness_changed
    assert topology.unreported_servers() == [] and topology.is_complete()
    topology.apply([ev.SocketDisconnected("/", "b3", "", T0 + 26)])
    assert topology.is_complete()  # a stats lag after that is no reason to doubt again


def test_the_server_matching_the_snapshot_is_taken_as_the_reporting_one() -> None:
    topology = dev_topology(stats("node-a", T0, _=2), stats("node-b", T0, _=3))
    assert topology.unreported_servers() == []  # nothing to judge before a snapshot
    changes = topology.apply([ev.AllSocketsReceived((info("a1"), info("a2")), T0 + 1)])
    assert changes.completeness_changed
    assert topology.unreported_servers() == ["node-b"]


def cluster_topology() -> Topology:
    """Connected to node-a of a two-node cluster, its snapshot in, node-b's sockets seen."""
    topology = Topology()
    topology.apply([ev.ConnectionChanged(ev.ConnectionState.CONNECTED, "up", T0)])
    topology.apply([ev.ConfigReceived(DEV, T0), ev.AllSocketsReceived((info("a1"),), T0)])
    for n in range(3):
        topology.apply([stats("node-a", T0 + n, _=1), stats("node-b", T0 + n, _=2)])
    topology.apply([connected("b1"), connected("b2")])
    assert topology.is_complete()
    return topology


def test_a_silent_server_is_judged_on_the_clock_and_its_counts_stop() -> None:
    topology = cluster_topology()
    assert topology.next_health_check() == T0 + 2 + 3.0
    assert not topology.apply([ClockTicked(T0 + 5.0)])  # the deadline itself: still healthy
    topology.apply([stats("node-a", T0 + 5.5, _=1)])
    changes = topology.apply([ClockTicked(T0 + 5.1 + 0.5)])
    assert list(changes.servers.updated) == ["node-b"] and changes.snapshot_stale
    assert [s.server_id for s in topology.servers() if not s.healthy] == ["node-b"]
    assert topology.reported_socket_count("/") == 1
    assert topology.namespace("/").reported_by == {"node-a": 1}
    interval = 2.25  # the upper quartile of node-a's steps 1, 1 and 3.5 s (by arrival)
    assert topology.next_health_check() == pytest.approx(T0 + 5.5 + 3 * interval, abs=1e-6)
    assert not topology.apply([ClockTicked(T0 + 6.0)]).snapshot_stale  # judged once


def test_the_fresh_snapshot_leaves_the_dead_servers_sockets_out() -> None:
    topology = cluster_topology()
    topology.apply([stats("node-a", T0 + 5.5, _=1), ClockTicked(T0 + 5.6)])
    topology.apply([ev.ConnectionChanged(ev.ConnectionState.CONNECTED, "refreshed", T0 + 6)])
    topology.apply([ev.ConfigReceived(DEV, T0 + 6), ev.AllSocketsReceived((info("a1"),), T0 + 6)])
    assert state_of(topology, "/") == {"a1": ["a1"]}
    assert topology.is_complete() and topology.unreported_servers() == []


def test_no_refresh_is_asked_for_when_it_could_not_help() -> None:
    production = Topology()
    production.apply([ev.ConnectionChanged(ev.ConnectionState.CONNECTED, "up", T0)])
    production.apply([ev.ConfigReceived(frozenset({"AGGREGATED_EVENTS"}), T0)])
    production.apply([stats("a", T0, _=1), stats("b", T0 + 4, _=1)])
    assert not production.apply([ClockTicked(T0 + 6.5)]).snapshot_stale
    assert production.reported_socket_count("/") == 1  # counts stop all the same
    everyone_silent = cluster_topology()
    changes = everyone_silent.apply([ClockTicked(T0 + 60)])
    assert len(changes.servers.updated) == 2 and not changes.snapshot_stale  # likely us
    away = cluster_topology()
    away.apply([ev.ConnectionChanged(ev.ConnectionState.RECONNECTING, "lost", T0 + 3)])
    assert not away.apply([stats("node-a", T0 + 5.5), ClockTicked(T0 + 5.6)]).snapshot_stale


def test_a_server_back_from_silence_counts_again_and_shows_its_sockets() -> None:
    topology = cluster_topology()
    topology.apply([stats("node-a", T0 + 5.5, _=1), ClockTicked(T0 + 5.6)])
    changes = topology.apply([stats("node-b", T0 + 7, _=3)])
    assert topology.server("node-b").healthy and "node-b" in changes.servers.updated
    assert topology.reported_socket_count("/") == 4
    assert topology.unreported_servers() == ["node-b"] and changes.completeness_changed
    topology.apply([connected("b3")])
    assert topology.is_complete()


def test_a_reconnect_gives_every_server_three_fresh_intervals() -> None:
    topology = cluster_topology()
    topology.apply([ev.ConnectionChanged(ev.ConnectionState.RECONNECTING, "lost", T0 + 3)])
    topology.apply([ev.ConnectionChanged(ev.ConnectionState.CONNECTED, "again", T0 + 60)])
    assert topology.next_health_check() == T0 + 63
    assert not topology.apply([ClockTicked(T0 + 62)]).servers
    assert all(server.healthy for server in topology.servers())


def test_the_next_reconnect_attempt_is_kept_until_the_connection_settles() -> None:
    topology = Topology()
    topology.apply([ev.ConnectionChanged(ev.ConnectionState.RECONNECTING, "lost", T0)])
    scheduled = ReconnectScheduled(attempt=2, retry_at=T0 + 1.5, at=T0 + 0.5)
    changes = topology.apply([scheduled])
    assert changes.reconnect_changed and topology.reconnect == scheduled
    later = topology.apply([ev.ConnectionChanged(ev.ConnectionState.RECONNECTING, "still", T0)])
    assert not later.reconnect_changed and topology.reconnect == scheduled
    changes = topology.apply([ev.ConnectionChanged(ev.ConnectionState.CONNECTED, "up", T0 + 2)])
    assert changes.reconnect_changed and topology.reconnect is None


def test_change_set_folds_net_effects() -> None:
    group: KeyChanges[str] = KeyChanges()
    group.note_added("a")
    group.note_updated("a")
    assert (list(group.added), list(group.updated)) == (["a"], [])
    group.note_removed("a")
    assert not group
    group.note_removed("b")
    group.note_added("b")
    assert (list(group.removed), list(group.updated)) == ([], ["b"])
    assert not ChangeSet()
    changes = ChangeSet()
    changes.rooms_of("/")
    changes.finish()
    assert not changes.rooms


def test_snapshot_of_many_sockets_stays_indexed() -> None:
    sockets = tuple(
        info(f"s{i}", rooms=(f"room{i % 10}",), client=f"c{i // 2}") for i in range(5000)
    )
    topology = dev_topology(ev.AllSocketsReceived(sockets, T0))
    assert topology.socket_count("/") == 5000 and topology.client_count() == 2500
    assert topology.room("/", "room3").size == 500
    assert topology.room_count("/") == 10
    changes = topology.apply([replace_event(sockets[3])])
    assert list(changes.sockets["/"].updated) == ["s3"]


def replace_event(socket: ev.SocketInfo) -> ev.SocketConnected:
    return ev.SocketConnected(replace(socket, transport="polling"), T0 + 1)


class Mirror:
    """What a view holds if it only ever follows the change-sets."""

    def __init__(self, topology: Topology) -> None:
        self.topology = topology
        self.servers: set[str] = set()
        self.reread()

    def reread(self) -> None:
        t = self.topology
        self.namespaces = set(t.namespaces())
        self.sockets = {n: {s.id for s in t.sockets(n)} for n in self.namespaces}
        self.rooms = {
            n: {r.name for r in t.rooms(n, include_private=True)} for n in self.namespaces
        }
        self.members = {
            (n, r.name): set(r.members) for n in self.namespaces for r in t.rooms(n, True)
        }
        self.clients = {c.client_id for c in t.clients()}

    def follow(self, changes: ChangeSet) -> None:
        self.servers |= set(changes.servers.added)
        if changes.reset:
            self.reread()
            return
        fold(self.namespaces, changes.namespaces)
        fold(self.clients, changes.clients)
        for nsp in changes.namespaces.added:
            self.sockets[nsp], self.rooms[nsp] = set(), set()
        for nsp, group in changes.sockets.items():
            fold(self.sockets[nsp], group)
        for nsp, group in changes.rooms.items():
            fold(self.rooms[nsp], group)
            for room in group.added:
                self.members[(nsp, room)] = set()
            for room in group.removed:
                del self.members[(nsp, room)]
        for key, group in changes.members.items():
            fold(self.members[key], group)

    def matches(self) -> bool:
        copy = Mirror.__new__(Mirror)
        copy.topology = self.topology
        copy.reread()
        return (self.namespaces, self.sockets, self.rooms, self.members, self.clients) == (
            copy.namespaces,
            copy.sockets,
            copy.rooms,
            copy.members,
            copy.clients,
        ) and self.servers == {s.server_id for s in self.topology.servers()}


def fold(rows: set[str], group: KeyChanges[str]) -> None:
    assert not (set(group.added) & rows), "added a row that is already shown"
    assert set(group.removed) <= rows, "removed a row that is not shown"
    assert set(group.updated) <= rows, "updated a row that is not shown"
    rows |= set(group.added)
    rows -= set(group.removed)


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_view_following_change_sets_stays_in_step(flavour: str, seed: int) -> None:
    topology = Topology()
    mirror = Mirror(topology)
    events: list[ev.DomainEvent] = [ev.ConnectionChanged(ev.ConnectionState.CONNECTED, "", T0)]
    events += decoded(flavour)
    events += [ev.ConnectionChanged(ev.ConnectionState.CONNECTED, "again", T0 + 99)]
    events += [e for e in decoded(flavour) if not isinstance(e, ev.ConfigReceived)]
    rng = random.Random(seed)
    index = 0
    while index < len(events):
        step = rng.randint(1, 12)
        mirror.follow(topology.apply(events[index : index + step]))
        assert mirror.matches()
        index += step
