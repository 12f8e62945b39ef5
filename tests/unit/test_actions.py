"""Admin actions: what is offered, what is refused, and how each result is recognised."""

from __future__ import annotations

import pytest

from sio_monitor.domain import actions as act
from sio_monitor.domain import events as ev
from sio_monitor.domain.actions import (
    ActionError,
    ActionKind,
    ActionTracker,
    ActionType,
    Outcome,
    Scope,
    Target,
)
from sio_monitor.domain.topology.topology import Topology
from tests.support import events as build

T0 = 1_795_311_600.0
ACTIONS = {"EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT"}
DEV = frozenset({"AGGREGATED_EVENTS", "ALL_EVENTS", *ACTIONS})
PROD = frozenset({"AGGREGATED_EVENTS", *ACTIONS})


def socket(sid: str, nsp: str = "/chat", *rooms: str) -> ev.SocketConnected:
    return ev.SocketConnected(build.info(sid, nsp, rooms, at=None), T0)


def stats(**counts: int) -> ev.ServerStatsReceived:
    names = {f"/{n}" if n != "root" else "/": c for n, c in counts.items()}
    return build.stats("s1", T0, counts=names)


def chat_room(features: frozenset[str] = DEV) -> Topology:
    """/chat with a, b, c in room 'lobby', and d alone; /admin holds the monitor."""
    topology = Topology()
    topology.apply(
        [
            ev.ConfigReceived(features, T0),
            socket("a", "/chat", "lobby"),
            socket("b", "/chat", "lobby"),
            socket("c", "/chat", "lobby", "vip"),
            socket("d", "/chat"),
            socket("m", "/admin"),
        ]
    )
    return topology


def production() -> Topology:
    topology = Topology()
    topology.apply([ev.ConfigReceived(PROD, T0), stats(chat=4, admin=1)])
    return topology


# --- what is offered ---------------------------------------------------------------


def test_every_action_is_offered_when_the_server_advertises_them() -> None:
    offered = act.available_actions(DEV)
    assert len(offered) == len(act.ACTION_TYPES) == 9
    assert ActionType(ActionKind.DISCONNECT, Scope.ROOM) in offered


def test_a_read_only_server_offers_nothing_and_says_why() -> None:
    features = {"AGGREGATED_EVENTS", "ALL_EVENTS"}
    assert act.available_actions(features) == []
    reason = act.why_unavailable(ActionType(ActionKind.JOIN, Scope.SOCKET), features)
    assert reason is not None and "read-only" in reason


def test_room_wide_actions_need_their_own_feature() -> None:
    features = {"ALL_EVENTS", "EMIT", "JOIN", "LEAVE", "DISCONNECT"}  # a Socket.IO 3 server
    offered = act.available_actions(features)
    assert ActionType(ActionKind.JOIN, Scope.SOCKET) in offered
    assert ActionType(ActionKind.JOIN, Scope.ROOM) not in offered
    assert ActionType(ActionKind.EMIT, Scope.ROOM) in offered  # emit has no room variant
    reason = act.why_unavailable(ActionType(ActionKind.DISCONNECT, Scope.ROOM), features)
    assert reason == (
        "This server does not allow disconnecting a whole room (it does not advertise MDISCONNECT)."
    )


def test_nothing_is_offered_before_config_or_when_the_monitor_is_read_only() -> None:
    join = ActionType(ActionKind.JOIN, Scope.SOCKET)
    assert "configuration" in (act.why_unavailable(join, frozenset()) or "")
    assert act.available_actions(DEV, read_only=True) == []
    assert act.why_unavailable(join, DEV) is None


# --- the commands sent ---------------------------------------------------------------


def test_commands_carry_the_wire_arguments_in_order() -> None:
    assert act.emit("/chat", Target.room("lobby"), "news", {"a": 1}, 2).command() == (
        "emit",
        "/chat",
        "lobby",
        "news",
        {"a": 1},
        2,
    )
    assert act.emit("/", Target.namespace(), "hi").command() == ("emit", "/", None, "hi")
    assert act.join("/chat", "vip", Target.socket("a")).command() == ("join", "/chat", "vip", "a")
    assert act.leave("/chat", "vip", Target.room("lobby")).command() == (
        "leave",
        "/chat",
        "vip",
        "lobby",
    )
    assert act.disconnect("/chat", Target.socket("a"), close=True).command() == (
        "_disconnect",
        "/chat",
        True,
        "a",
    )


@pytest.mark.parametrize(
    ("action", "words"),
    [
        (act.join("/typo", "vip", Target.socket("a")), "has not been seen"),
        (act.join("/admin", "vip", Target.socket("m")), "admin namespace"),
        (act.join("/chat", "", Target.socket("a")), "name of the room"),
        (act.join("/chat", "vip", Target.socket("zz")), "not connected"),
        (act.leave("/chat", "vip", Target.room("nowhere")), "known to be in room"),
        (act.emit("/chat", Target.socket("a"), "disconnect"), "reserved"),
        (act.emit("/chat", Target.socket("a"), ""), "name of the event"),
        (act.disconnect("/chat", Target.namespace()), "Only emit"),
        (act.join("/chat", "vip", Target(Scope.SOCKET, None)), "Choose the socket"),
    ],
)
def test_unsendable_actions_are_refused_with_a_sentence(action: act.Action, words: str) -> None:
    with pytest.raises(ActionError, match=words) as refusal:
        ActionTracker().start(action, chat_room(), T0)
    message = str(refusal.value)
    assert (message[0].isupper() or message[0] in "'/") and message.endswith(".")


def test_an_action_the_server_does_not_advertise_is_refused() -> None:
    topology = chat_room(frozenset({"ALL_EVENTS", "EMIT"}))
    with pytest.raises(ActionError, match="does not advertise JOIN"):
        ActionTracker().start(act.join("/chat", "vip", Target.socket("a")), topology, T0)


# --- results observed ---------------------------------------------------------------


def test_a_join_settles_when_the_room_event_arrives() -> None:
    tracker = ActionTracker(timeout=5)
    pending = tracker.start(act.join("/chat", "vip", Target.socket("a")), chat_room(), T0)
    assert pending.result is None and tracker.next_deadline() == T0 + 5
    assert tracker.apply([ev.RoomJoined("/chat", "other", "a", T0)], T0 + 1) == []
    assert tracker.apply([ev.RoomJoined("/", "vip", "a", T0)], T0 + 1) == []
    [result] = tracker.apply([ev.RoomJoined("/chat", "vip", "a", T0)], T0 + 1)
    assert result.outcome is Outcome.OBSERVED and result.ok
    assert result.message == "Socket a joined room 'vip'."
    assert tracker.pending() == [] and tracker.next_deadline() is None


def test_a_room_wide_leave_waits_for_every_member() -> None:
    tracker = ActionTracker()
    pending = tracker.start(act.leave("/chat", "lobby", Target.room("lobby")), chat_room(), T0)
    assert pending.expected == 3
    first = [ev.RoomLeft("/chat", "lobby", sid, T0) for sid in ("a", "b")]
    assert tracker.apply(first, T0 + 1) == []
    [result] = tracker.apply([ev.RoomLeft("/chat", "lobby", "c", T0)], T0 + 2)
    assert result.message == "All 3 sockets of room 'lobby' left room 'lobby'."
    assert (result.observed, result.expected) == (3, 3)


def test_joining_a_room_already_joined_settles_at_once() -> None:
    tracker = ActionTracker()
    pending = tracker.start(act.join("/chat", "vip", Target.socket("c")), chat_room(), T0)
    assert pending.result is not None and pending.result.outcome is Outcome.OBSERVED
    assert "already in room 'vip'" in pending.result.message
    assert tracker.pending() == []


def test_a_room_wide_join_awaits_only_the_members_not_in_the_room_yet() -> None:
    tracker = ActionTracker()
    pending = tracker.start(act.join("/chat", "vip", Target.room("lobby")), chat_room(), T0)
    assert pending.awaiting == {"a", "b"}


def test_a_disconnect_settles_on_socket_disconnected() -> None:
    tracker = ActionTracker()
    tracker.start(act.disconnect("/chat", Target.room("lobby"), close=True), chat_room(), T0)
    done = tracker.apply(
        [ev.SocketDisconnected("/chat", sid, "server namespace disconnect", T0) for sid in "abc"],
        T0 + 1,
    )
    assert [r.message for r in done] == ["All 3 sockets of room 'lobby' disconnected."]


def test_an_emit_settles_when_every_recipient_got_the_event() -> None:
    tracker = ActionTracker()
    tracker.start(act.emit("/chat", Target.namespace(), "news", 1), chat_room(), T0)
    sent = [ev.EventSent("/chat", sid, "news", (1,), T0) for sid in "abcd"]
    noise = [
        ev.EventSent("/chat", "a", "other", (), T0),
        ev.EventReceived("/chat", "a", "news", (), T0),
    ]
    assert tracker.apply(noise + sent[:3], T0) == []
    [result] = tracker.apply(sent[3:], T0)
    assert result.message == "All 4 sockets of /chat received 'news'."


def test_a_target_that_leaves_first_is_not_waited_for() -> None:
    tracker = ActionTracker()
    tracker.start(act.emit("/chat", Target.room("lobby"), "news"), chat_room(), T0)
    [result] = tracker.apply(
        [
            ev.EventSent("/chat", "a", "news", (), T0),
            ev.SocketDisconnected("/chat", "b", "transport close", T0),
            ev.EventSent("/chat", "c", "news", (), T0),
        ],
        T0,
    )
    assert result.outcome is Outcome.OBSERVED
    assert result.message == "2 of 3 sockets received 'news'; 1 disconnected first."


def test_no_effect_is_reported_after_the_timeout() -> None:
    tracker = ActionTracker(timeout=4)
    tracker.start(act.join("/chat", "vip", Target.room("lobby")), chat_room(), T0)
    tracker.apply([ev.RoomJoined("/chat", "vip", "a", T0)], T0 + 1)
    assert tracker.expire(T0 + 3.9) == []
    [result] = tracker.expire(T0 + 4)
    assert result.outcome is Outcome.TIMED_OUT and not result.ok
    assert result.message == (
        "1 of 2 sockets joined room 'vip'; no effect observed on the other 1 within 4 s."
    )

    tracker.start(act.disconnect("/chat", Target.socket("d")), chat_room(), T0)
    [silent] = tracker.expire(T0 + 10)
    assert silent.message.startswith("No effect observed within 4 s after asking to disconnect")


def test_production_mode_sends_without_anything_to_observe() -> None:
    tracker = ActionTracker()
    pending = tracker.start(act.emit("/chat", Target.room("lobby"), "news"), production(), T0)
    assert pending.result is not None
    assert pending.result.outcome is Outcome.UNOBSERVABLE and pending.result.ok
    assert pending.result.message.endswith("There is no effect to observe in production mode.")
    assert tracker.pending() == []


def test_production_mode_still_refuses_unseen_namespaces() -> None:
    with pytest.raises(ActionError, match="has not been seen"):
        ActionTracker().start(act.emit("/nope", Target.namespace(), "x"), production(), T0)


def test_a_broken_connection_settles_what_was_pending() -> None:
    tracker = ActionTracker()
    tracker.start(act.join("/chat", "vip", Target.socket("a")), chat_room(), T0)
    lost = ev.ConnectionChanged(ev.ConnectionState.RECONNECTING, "Lost the connection.", T0)
    [result] = tracker.apply([lost], T0)
    assert result.outcome is Outcome.CONNECTION_LOST
    assert tracker.pending() == []


def test_several_pending_actions_are_told_apart() -> None:
    tracker = ActionTracker()
    topology = chat_room()
    join_a = tracker.start(act.join("/chat", "vip", Target.socket("a")), topology, T0)
    join_b = tracker.start(act.join("/chat", "vip", Target.socket("b")), topology, T0)
    [result] = tracker.apply([ev.RoomJoined("/chat", "vip", "b", T0)], T0)
    assert result is join_b.result and join_a.result is None
    assert [p.id for p in tracker.pending()] == [join_a.id]
