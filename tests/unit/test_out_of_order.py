"""Events out of order: the picture stays consistent, and only an anomaly is said, once."""

from __future__ import annotations

import random

import pytest

from sio_monitor.domain import events as ev
from sio_monitor.domain.topology.topology import Topology
from tests.support import events as build
from tests.support.events import T0

DEV = frozenset({"AGGREGATED_EVENTS", "ALL_EVENTS"})


def info(sid: str, rooms: tuple[str, ...] = (), at: float = T0) -> ev.SocketInfo:
    return build.info(sid, "/", rooms, at=at)


def stats(at: float, sockets: int, server: str = "web-1") -> ev.ServerStatsReceived:
    return build.stats(server, at, uptime=10.0, clients=sockets, counts={"/": sockets})


def listening(*sockets: ev.SocketInfo) -> Topology:
    """Connected, development mode, a snapshot of ``sockets`` that one server's stats confirm."""
    topology = Topology()
    topology.apply(
        [
            ev.ConnectionChanged(ev.ConnectionState.CONNECTED, "up", T0),
            ev.ConfigReceived(DEV, T0),
            ev.AllSocketsReceived(sockets, T0),
            stats(T0, len(sockets)),
        ]
    )
    return topology


def check_invariants(topology: Topology) -> None:
    """What any view may rely on, whatever order the events came in."""
    total = 0
    for nsp in topology.namespaces():
        ns = topology.namespace(nsp)
        assert ns is not None
        total += len(ns.sockets)
        for sid, state in ns.sockets.items():
            assert state.id == sid
            for room in state.rooms:
                assert sid in ns.rooms[room].members, f"{sid} is in {room} but not its member"
            client = topology.client(state.client_id)
            assert client is not None and (nsp, sid) in client.sockets
        for name, room in ns.rooms.items():
            assert room.members, f"empty room {name} is still shown"
            for member in room.members:
                assert name in ns.sockets[member].rooms, f"member {member} of {name} is not there"
        assert ns.private_rooms == sum(room.private for room in ns.rooms.values())
    assert topology.socket_count() == total
    for client in topology.clients():
        assert client.sockets, "a client without sockets is still shown"
        for nsp, sid in client.sockets:
            assert topology.socket(nsp, sid) is not None


def notices(topology: Topology, *events: ev.DomainEvent) -> list[str]:
    return topology.apply(list(events)).notices


# --- the quirks every server has: absorbed, and never said ---------------------------------


def test_room_joined_before_socket_connected_ends_in_the_servers_state_silently() -> None:
    topology = listening()
    said = notices(
        topology,
        ev.RoomJoined("/", "a", "a", T0 + 1),
        ev.RoomJoined("/", "lobby", "a", T0 + 1),
        ev.SocketConnected(info("a", at=T0 + 1), T0 + 1),
    )
    assert said == []
    assert sorted(topology.socket("/", "a").rooms) == ["a", "lobby"]  # type: ignore[union-attr]
    check_invariants(topology)


def test_room_left_for_a_room_the_socket_is_not_in_changes_nothing() -> None:
    """Python sends a socket's rooms at each ping and its leaves later: the leave comes twice."""
    topology = listening(info("a", rooms=("lobby",)))
    changes = topology.apply([ev.RoomLeft("/", "never-joined", "a", T0 + 1)])
    assert not changes.tree_changed() and changes.notices == []
    assert topology.room("/", "never-joined") is None
    assert sorted(topology.socket("/", "a").rooms) == ["a", "lobby"]  # type: ignore[union-attr]
    check_invariants(topology)


def test_room_events_for_unknown_sockets_and_rooms_are_silent() -> None:
    topology = listening(info("a"))
    said = notices(
        topology,
        ev.RoomLeft("/", "nowhere", "ghost", T0 + 1),
        ev.RoomLeft("/", "nowhere", "a", T0 + 1),
        ev.RoomJoined("/", "x", "later", T0 + 1),
    )
    assert said == []
    check_invariants(topology)


def test_a_repeated_disconnection_is_silent() -> None:
    topology = listening(info("a"), info("b"))
    assert notices(topology, ev.SocketDisconnected("/", "a", "transport close", T0 + 1)) == []
    assert notices(topology, ev.SocketDisconnected("/", "a", "transport close", T0 + 2)) == []
    check_invariants(topology)


# --- the anomaly: a socket a complete list never held ---------------------------------------


def test_a_socket_never_seen_disconnecting_is_said_once_per_connection() -> None:
    topology = listening(info("a"))
    first = notices(topology, ev.SocketDisconnected("/", "ghost", "ping timeout", T0 + 1))
    assert first == [
        "A socket this monitor never saw has disconnected (/ ghost): "
        "the socket list may be missing others until the next reconnect."
    ]
    assert notices(topology, ev.SocketDisconnected("/", "ghost-2", "", T0 + 2)) == []
    assert [s.id for s in topology.sockets("/")] == ["a"]
    check_invariants(topology)
    topology.apply([ev.ConnectionChanged(ev.ConnectionState.CONNECTED, "again", T0 + 10)])
    topology.apply([ev.AllSocketsReceived((info("a"),), T0 + 10), stats(T0 + 10, 1)])
    assert len(notices(topology, ev.SocketDisconnected("/", "ghost-3", "", T0 + 11))) == 1


@pytest.mark.parametrize("why", ["no snapshot yet", "servers not all reported", "production"])
def test_no_sentence_when_the_list_was_never_said_to_be_whole(why: str) -> None:
    topology = Topology()
    topology.apply([ev.ConnectionChanged(ev.ConnectionState.CONNECTED, "up", T0)])
    if why == "no snapshot yet":
        topology.apply([ev.ConfigReceived(DEV, T0), stats(T0, 1)])
    elif why == "servers not all reported":
        topology.apply([ev.ConfigReceived(DEV, T0), stats(T0, 0, "web-1"), stats(T0, 3, "web-2")])
        topology.apply([ev.AllSocketsReceived((), T0)])  # web-2's sockets have not shown up
        assert topology.unreported_servers() == ["web-2"]
    else:
        topology.apply([ev.ConfigReceived(frozenset({"AGGREGATED_EVENTS"}), T0), stats(T0, 1)])
    assert notices(topology, ev.SocketDisconnected("/", "ghost", "", T0 + 2)) == []


def test_a_disconnection_that_overtook_the_snapshot_leaves_no_ghost() -> None:
    """The server serialised its sockets, then one left, and its goodbye arrived first."""
    topology = listening(info("a"))
    topology.apply([ev.ConnectionChanged(ev.ConnectionState.CONNECTED, "again", T0 + 10)])
    topology.apply([ev.SocketDisconnected("/", "b", "transport close", T0 + 11)])
    topology.apply([ev.AllSocketsReceived((info("a"), info("b", at=T0 + 5)), T0 + 11.2)])
    assert [s.id for s in topology.sockets("/")] == ["a"]
    check_invariants(topology)


# --- any order at all ----------------------------------------------------------------------


def scenario(rng: random.Random, sockets: int = 12) -> list[ev.DomainEvent]:
    """Sockets connecting, joining, leaving and disconnecting, in the order a server saw it."""
    events: list[ev.DomainEvent] = []
    at = T0 + 1
    for n in range(sockets):
        sid = f"s{n}"
        events.append(ev.SocketConnected(info(sid, at=at), at))
        rooms: list[str] = []
        for _ in range(rng.randint(0, 4)):
            at += 0.1
            room = f"r{rng.randint(0, 3)}"
            if room in rooms and rng.random() < 0.5:
                rooms.remove(room)
                events.append(ev.RoomLeft("/", room, sid, at))
            else:
                rooms.append(room)
                events.append(ev.RoomJoined("/", room, sid, at))
        if rng.random() < 0.4:
            at += 0.1
            events.append(ev.SocketDisconnected("/", sid, "transport close", at))
    return events


@pytest.mark.parametrize("seed", range(8))
def test_any_order_of_delivery_keeps_every_invariant(seed: int) -> None:
    rng = random.Random(seed)
    events = scenario(rng)
    # Shuffled within a sliding reach, as late flushes and cluster relays reorder them.
    keyed = sorted(enumerate(events), key=lambda pair: pair[0] + rng.uniform(0, 8))
    shuffled = [event for _, event in keyed]
    topology = listening()
    index = 0
    while index < len(shuffled):
        step = rng.randint(1, 5)
        topology.apply(shuffled[index : index + step])
        check_invariants(topology)
        index += step
    assert topology.pending_count() <= len(events)


@pytest.mark.parametrize("seed", range(4))
def test_room_events_before_their_socket_reach_the_in_order_picture(seed: int) -> None:
    """Each socket's room events moved ahead of its connection (Node's order) change nothing."""
    events = scenario(random.Random(seed))
    in_order = listening()
    in_order.apply(events)
    early: list[ev.DomainEvent] = []
    for event in events:
        if isinstance(event, ev.SocketConnected):
            early.append(event)
        elif isinstance(event, ev.RoomJoined | ev.RoomLeft):
            connect = next(i for i, e in enumerate(early) if _is_connect_of(e, event.id))
            early.insert(connect, event)
        else:
            early.append(event)
    reordered = listening()
    reordered.apply(early)
    check_invariants(reordered)
    picture = {s.id: sorted(s.rooms) for s in in_order.sockets("/")}
    assert {s.id: sorted(s.rooms) for s in reordered.sockets("/")} == picture


def _is_connect_of(event: ev.DomainEvent, sid: str) -> bool:
    return isinstance(event, ev.SocketConnected) and event.socket.id == sid
