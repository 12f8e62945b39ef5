"""The codec against recorded payloads of both flavours, hand-made garbage, and fuzzing."""

from __future__ import annotations

import copy
import random
from collections import Counter
from typing import Any

import pytest

from sio_monitor.domain import events as ev
from sio_monitor.net.codec import (
    EVENT_NAMES,
    PayloadError,
    decode,
    display_address,
    header_value,
)
from tests.unit.sessions import FLAVOURS, load, raw_events

NOW = 1_795_311_700.0

EXPECTED_TYPES = {
    "config": ev.ConfigReceived,
    "session": ev.SessionReceived,
    "all_sockets": ev.AllSocketsReceived,
    "server_stats": ev.ServerStatsReceived,
    "socket_connected": ev.SocketConnected,
    "socket_updated": ev.SocketUpdated,
    "socket_disconnected": ev.SocketDisconnected,
    "room_joined": ev.RoomJoined,
    "room_left": ev.RoomLeft,
    "event_received": ev.EventReceived,
    "event_sent": ev.EventSent,
}


def first(flavour: str, name: str) -> tuple[Any, ...]:
    return next(args for event, args, _ in raw_events(flavour) if event == name)


def socket_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": "abc",
        "clientId": "client-1",
        "transport": "websocket",
        "nsp": "/",
        "data": {},
        "rooms": ["abc"],
        "handshake": {"address": "::ffff:127.0.0.1", "headers": {}, "query": {}},
    }
    payload.update(overrides)
    return payload


# --- recorded sessions -----------------------------------------------------------


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_every_recorded_event_decodes_to_its_type(flavour: str) -> None:
    seen: Counter[str] = Counter()
    for name, args, at in raw_events(flavour):
        event = decode(name, args, at)
        assert type(event) is EXPECTED_TYPES[name]
        seen[name] += 1
    assert {"config", "all_sockets", "server_stats", "socket_connected"} <= set(seen)
    assert {"room_joined", "room_left", "event_received", "event_sent"} <= set(seen)


def test_event_names_lists_exactly_what_decode_accepts() -> None:
    assert set(EVENT_NAMES) == set(EXPECTED_TYPES)
    assert len(EVENT_NAMES) == len(set(EVENT_NAMES))


@pytest.mark.parametrize(("flavour", "length"), [("node", 12), ("python", 20)])
def test_client_id_length_differs_by_flavour(flavour: str, length: int) -> None:
    snapshot = decode("all_sockets", first(flavour, "all_sockets"), NOW)
    assert snapshot.sockets
    assert {len(s.client_id) for s in snapshot.sockets} == {length}


@pytest.mark.parametrize(("flavour", "key"), [("node", "user-agent"), ("python", "user_agent")])
def test_headers_are_kept_as_given_and_found_either_way(flavour: str, key: str) -> None:
    snapshot = decode("all_sockets", first(flavour, "all_sockets"), NOW)
    headers = snapshot.sockets[0].handshake.headers
    assert key in headers
    for asked in ("user-agent", "user_agent", "User-Agent"):
        assert header_value(headers, asked) == headers[key]
    assert header_value(headers, "x-missing") is None


def test_header_value_falls_back_to_a_case_blind_scan() -> None:
    assert header_value({"X_Forwarded-For": "1.2.3.4"}, "x-forwarded-for") == "1.2.3.4"


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_timestamps_of_both_flavours_agree_with_the_receive_time(flavour: str) -> None:
    for name, args, at in raw_events(flavour):
        if name in ("room_joined", "room_left", "event_received", "event_sent"):
            event = decode(name, args, at)
            assert isinstance(args[3], str)
            assert abs(event.at - at) < 5.0  # same machine, so the clocks agree


def test_python_resend_keeps_the_real_connection_time() -> None:
    """A re-sent socket_connected carries the ping time; issued has the connection time."""
    connects = [(args, at) for name, args, at in raw_events("python") if name == "socket_connected"]
    by_id: dict[str, list[ev.SocketConnected]] = {}
    for args, at in connects:
        event = decode("socket_connected", args, at)
        by_id.setdefault(event.socket.id, []).append(event)
    resent = [events for events in by_id.values() if len(events) > 1]
    assert resent, "the python recording should hold ping re-sends"
    for events in resent:
        stamps = [e.socket.connected_at for e in events]
        assert max(stamps) - min(stamps) < 1e-3  # ISO microseconds vs issued's float ms
        assert events[-1].at > events[0].socket.connected_at


def test_subtype_is_optional() -> None:
    node = [
        b
        for name, args, at in raw_events("node")
        if name == "server_stats"
        for b in decode(name, args, at).aggregated
    ]
    assert any(b.sub_type == "transport close" for b in node)
    assert all(b.sub_type is None for b in node if b.type != "rawDisconnection")
    python = [
        b
        for name, args, at in raw_events("python")
        if name == "server_stats"
        for b in decode(name, args, at).aggregated
    ]
    assert any(b.type == "rawDisconnection" for b in python)
    assert all(b.sub_type is None for b in python)


# --- hand-made variants ----------------------------------------------------------


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2026-11-22T01:41:09.814Z", 1_795_311_669.814),
        ("2026-11-22T01:41:09.814000+00:00", 1_795_311_669.814),
        ("2026-11-22T02:41:09.814+01:00", 1_795_311_669.814),
        ("2026-11-22T01:41:09.814", 1_795_311_669.814),
        (1_795_311_669_814, 1_795_311_669.814),
        (1_795_311_669.814, 1_795_311_669.814),
        (None, NOW),
    ],
)
def test_timestamp_forms(stamp: Any, expected: float) -> None:
    args = ("/", "room", "abc") if stamp is None else ("/", "room", "abc", stamp)
    assert decode("room_joined", args, NOW).at == pytest.approx(expected, abs=1e-3)


def test_node_address_is_kept_and_display_strips_it() -> None:
    event = decode("socket_connected", (socket_payload(),), NOW)
    assert event.socket.handshake.address == "::ffff:127.0.0.1"
    assert display_address(event.socket.handshake.address) == "127.0.0.1"
    assert display_address("::1") == "::1"
    assert display_address("10.0.0.1") == "10.0.0.1"


def test_connected_at_prefers_timestamp_then_issued_then_receive_time() -> None:
    stamp = "2026-11-22T01:41:09.814Z"
    plain = decode("socket_connected", (socket_payload(), stamp), NOW)
    assert plain.socket.connected_at == pytest.approx(1_795_311_669.814)
    issued = socket_payload(handshake={"issued": 1_795_311_600_000})
    assert decode("all_sockets", ([issued],), NOW).sockets[0].connected_at == 1_795_311_600.0
    assert decode("socket_connected", (issued,), NOW).socket.connected_at == 1_795_311_600.0
    unknown = socket_payload(handshake={"issued": 0, "time": ""})
    assert decode("all_sockets", ([unknown],), NOW).sockets[0].connected_at == NOW
    assert decode("socket_connected", (unknown,), NOW).at == NOW


def test_missing_optional_fields_get_defaults() -> None:
    bare = {"id": "abc", "nsp": "/"}
    info = decode("socket_connected", (bare,), NOW).socket
    assert (info.client_id, info.transport, info.rooms, info.data) == ("", "websocket", (), None)
    stats = decode("server_stats", ({"serverId": "s1"},), NOW)
    assert (stats.clients_count, stats.namespaces, stats.aggregated, stats.pid) == (0, (), (), None)


def test_numeric_rooms_and_event_names_become_strings() -> None:
    assert decode("room_joined", ("/", 42, "abc"), NOW).room == "42"
    assert decode("event_received", ("/", "abc", [7, "x"]), NOW).name == "7"


def test_repeated_header_and_query_values_are_joined() -> None:
    payload = socket_payload(
        handshake={"headers": {"cookie": ["a=1", "b=2"]}, "query": {"tag": ["x", "y"]}}
    )
    handshake = decode("socket_connected", (payload,), NOW).socket.handshake
    assert handshake.headers["cookie"] == "a=1, b=2"
    assert handshake.query["tag"] == "x, y"


def test_socket_updated_variants() -> None:
    moved = decode("socket_updated", ({"id": "a", "nsp": "/", "transport": "websocket"},), NOW)
    assert moved.changes == {"transport": "websocket"}
    data = decode("socket_updated", ({"id": "a", "nsp": "/", "data": {"user": "x"}},), NOW)
    assert data.changes == {"data": {"user": "x"}}


def test_event_packets_split_name_and_args() -> None:
    event = decode("event_sent", ("/chat", "abc", ["news", {"n": 1}, 2], NOW), NOW)
    assert (event.name, event.args) == ("news", ({"n": 1}, 2))


def test_negative_polling_count_is_clamped() -> None:
    stats = decode("server_stats", ({"serverId": "s", "pollingClientsCount": -1},), NOW)
    assert stats.polling_clients_count == 0


GOOD_SOCKET = socket_payload()
MALFORMED: list[tuple[str, tuple[Any, ...]]] = [
    ("no_such_event", ({},)),
    ("config", ()),
    ("config", ({}, {})),
    ("config", ([],)),
    ("config", ({"supportedFeatures": "ALL_EVENTS"},)),
    ("config", ({"supportedFeatures": [1.5]},)),
    ("session", (None,)),
    ("session", ("",)),
    ("session", ({"id": 1},)),
    ("all_sockets", ({},)),
    ("all_sockets", ([None],)),
    ("all_sockets", ([socket_payload(id=None)],)),
    ("all_sockets", ([socket_payload(nsp=3.5)],)),
    ("all_sockets", ([socket_payload(rooms="abc")],)),
    ("all_sockets", ([socket_payload(rooms=[None])],)),
    ("all_sockets", ([socket_payload(rooms=[["nested"]])],)),
    ("all_sockets", ([socket_payload(id="x" * 5000)],)),
    ("all_sockets", ([socket_payload(handshake=[])],)),
    ("all_sockets", ([socket_payload(handshake={"headers": []})],)),
    ("all_sockets", ([socket_payload(handshake={"headers": {"a": {"b": 1}}})],)),
    ("all_sockets", ([socket_payload(handshake={"issued": "yesterday"})],)),
    ("all_sockets", ([socket_payload(handshake={"issued": float("nan")})],)),
    ("all_sockets", ([socket_payload(handshake={"issued": 10**400})],)),
    ("all_sockets", ([socket_payload(handshake={"secure": "yes"})],)),
    ("all_sockets", ([socket_payload(handshake={"address": 127})],)),
    ("all_sockets", ([socket_payload(transport=["websocket"])],)),
    ("all_sockets", ([socket_payload(clientId={"id": 1})],)),
    ("socket_connected", ()),
    ("socket_connected", (GOOD_SOCKET, "2026-01-01T00:00:00Z", "extra")),
    ("socket_connected", ("abc",)),
    ("socket_connected", (GOOD_SOCKET, "not a date")),
    ("socket_connected", (GOOD_SOCKET, "1970-01-01T00:00:00Z")),
    ("socket_connected", (GOOD_SOCKET, 1e30)),
    ("socket_connected", (GOOD_SOCKET, float("inf"))),
    ("socket_connected", (GOOD_SOCKET, True)),
    ("socket_connected", (GOOD_SOCKET, ["2026-01-01T00:00:00Z"])),
    ("socket_connected", (GOOD_SOCKET, "9" * 100)),
    ("socket_updated", ({"id": "a", "nsp": "/"},)),
    ("socket_updated", ({"nsp": "/", "transport": "polling"},)),
    ("socket_updated", ({"id": "a", "nsp": "/", "transport": None},)),
    ("socket_updated", ("a",)),
    ("socket_disconnected", ("/",)),
    ("socket_disconnected", ("/", "a", "r", "2026-01-01T00:00:00Z", "extra")),
    ("socket_disconnected", (None, "a", "r")),
    ("socket_disconnected", ("/", "a", 42)),
    ("socket_disconnected", ("/", "a", "r" * 5000)),
    ("room_joined", ("/", "room")),
    ("room_joined", ("/", None, "a")),
    ("room_joined", ("/", "room", "")),
    ("room_joined", ("/", "room", True)),
    ("room_joined", ("/", 2**60, "a")),
    ("room_left", ({"nsp": "/"}, "room", "a")),
    ("room_left", ("/", "room", "a", {})),
    ("event_received", ("/", "a", [])),
    ("event_received", ("/", "a", "ping")),
    ("event_received", ("/", "a", [None, 1])),
    ("event_received", ("/", "a")),
    ("event_sent", ("/", "a", [{"name": "x"}])),
    ("event_sent", ("/", "a", ["x"], "2026-13-45T99:00:00Z")),
    ("server_stats", ()),
    ("server_stats", ([],)),
    ("server_stats", ({},)),
    ("server_stats", ({"serverId": ""},)),
    ("server_stats", ({"serverId": "s", "pid": "12"},)),
    ("server_stats", ({"serverId": "s", "pid": True},)),
    ("server_stats", ({"serverId": "s", "uptime": -1},)),
    ("server_stats", ({"serverId": "s", "uptime": "long"},)),
    ("server_stats", ({"serverId": "s", "clientsCount": -3},)),
    ("server_stats", ({"serverId": "s", "clientsCount": 1.5},)),
    ("server_stats", ({"serverId": "s", "clientsCount": 2**64},)),
    ("server_stats", ({"serverId": "s", "namespaces": {"/": 1}},)),
    ("server_stats", ({"serverId": "s", "namespaces": [{"name": "/", "socketsCount": "1"}]},)),
    ("server_stats", ({"serverId": "s", "namespaces": [{"socketsCount": 1}]},)),
    ("server_stats", ({"serverId": "s", "aggregatedEvents": [{"type": "bytesIn"}]},)),
    (
        "server_stats",
        ({"serverId": "s", "aggregatedEvents": [{"timestamp": 1, "type": "x", "count": 1}]},),
    ),
    (
        "server_stats",
        (
            {
                "serverId": "s",
                "aggregatedEvents": [
                    {"timestamp": 1_795_311_669_000, "type": "bytesIn", "count": -5}
                ],
            },
        ),
    ),
    (
        "server_stats",
        (
            {
                "serverId": "s",
                "aggregatedEvents": [
                    {"timestamp": 1_795_311_669_000, "type": "x", "count": 1, "subType": 3.5}
                ],
            },
        ),
    ),
    ("server_stats", ({"serverId": "s", "namespaces": [None] * 20_000},)),
]


@pytest.mark.parametrize(
    ("name", "args"), MALFORMED, ids=[f"{n}-{i}" for i, (n, _) in enumerate(MALFORMED)]
)
def test_malformed_payloads_are_refused_as_far_as_they_are_wrong(
    name: str, args: tuple[Any, ...]
) -> None:
    """Each is refused whole (PayloadError) or in part, the part named with a short reason."""
    dropped: list[ev.PayloadRejected] = []
    try:
        decode(name, args, NOW, dropped)
    except PayloadError as caught:
        assert 0 < len(str(caught)) < 120
        return
    assert dropped, "a malformed payload went through without a word"
    for part in dropped:
        assert part.event_name == name and (part.item or part.field)
        assert 0 < len(part.reason) < 120


def test_a_socket_list_keeps_its_valid_sockets_and_names_what_it_dropped() -> None:
    """The hostile list of issue 18: three valid sockets, three malformed."""
    hostile = [
        socket_payload(id="s1"),
        {"id": 5},
        None,
        socket_payload(id="s2", rooms="general"),
        socket_payload(id="s3"),
        socket_payload(id="s4", rooms=["ok", None], handshake={"issued": "yesterday"}),
    ]
    dropped: list[ev.PayloadRejected] = []
    event = decode("all_sockets", (hostile,), NOW, dropped)
    assert isinstance(event, ev.AllSocketsReceived)
    assert [s.id for s in event.sockets] == ["s1", "s2", "s3", "s4"]
    by_id = {s.id: s for s in event.sockets}
    assert by_id["s2"].rooms == () and by_id["s2"].unknown == ("rooms",)
    assert by_id["s4"].rooms == ("ok",) and by_id["s4"].unknown == ("handshake.issued",)
    assert by_id["s1"].unknown == () and by_id["s1"].rooms == ("abc",)
    assert [p.describe() for p in dropped] == [
        "all_sockets socket 2 of 6: nsp is not a string",
        "all_sockets socket 3 of 6: socket is not an object",
        "all_sockets socket s2 rooms: rooms is not a list",
        "all_sockets socket s4 handshake.issued: handshake.issued is not a finite number",
        "all_sockets socket s4 room 2 of 2: room is not a string",
    ]


def test_server_stats_keep_their_valid_namespaces_and_figures() -> None:
    dropped: list[ev.PayloadRejected] = []
    stats = {
        "serverId": "web-1",
        "hostname": 42,
        "uptime": 12.5,
        "clientsCount": 7,
        "namespaces": [{"name": "/", "socketsCount": 3}, {"name": None}, {"name": "/chat"}],
    }
    event = decode("server_stats", (stats,), NOW, dropped)
    assert isinstance(event, ev.ServerStatsReceived)
    assert event.clients_count == 7 and event.uptime == 12.5 and event.hostname == ""
    assert [(n.name, n.sockets_count) for n in event.namespaces] == [("/", 3), ("/chat", 0)]
    assert [(p.item, p.field) for p in dropped] == [
        ("namespace 2 of 3", ""),
        ("server web-1", "hostname"),
    ]


def test_a_bad_timestamp_falls_back_to_the_receive_time_and_is_named() -> None:
    dropped: list[ev.PayloadRejected] = []
    event = decode("room_joined", ("/", "room", "s1", "not a date"), NOW, dropped)
    assert isinstance(event, ev.RoomJoined) and event.at == NOW
    assert [(p.field, p.reason) for p in dropped] == [("timestamp", "timestamp is not ISO-8601")]


def test_unexpected_failures_are_wrapped() -> None:
    class Hostile:
        def __ne__(self, other: object) -> bool:
            raise RuntimeError("boom")

        def __eq__(self, other: object) -> bool:
            raise RuntimeError("boom")

        __hash__ = object.__hash__

    payload = socket_payload(handshake={"issued": Hostile()})
    with pytest.raises(PayloadError, match="unexpected RuntimeError"):
        decode("socket_connected", (payload,), NOW)


def test_non_string_event_name_is_rejected() -> None:
    with pytest.raises(PayloadError):
        decode(None, ({},), NOW)  # type: ignore[arg-type]


# --- fuzzing ---------------------------------------------------------------------

ATOMS: list[Any] = [
    None, True, False, 0, -1, 1, 2**53 + 1, 2**70, 1.5, -0.0, float("nan"), float("inf"),
    "", "/", "x" * 2000, "2026-11-22T01:41:09.814Z", "::ffff:127.0.0.1", "\x00", "é",
    1_795_311_669_814, [], {},
]  # fmt: skip


KEYS = (
    "id", "nsp", "rooms", "handshake", "serverId", "namespaces", "aggregatedEvents",
    "timestamp", "type", "count", "transport", "data", "headers", "issued", "x",
)  # fmt: skip


def random_value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 3 or roll < 0.5:
        return rng.choice(ATOMS)
    if roll < 0.75:
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {rng.choice(KEYS): random_value(rng, depth + 1) for _ in range(rng.randrange(5))}


def mutate(rng: random.Random, value: Any) -> Any:
    """Replace one random node of a real payload by a random value."""
    if isinstance(value, dict) and value and rng.random() < 0.8:
        key = rng.choice(list(value))
        value[key] = mutate(rng, value[key]) if rng.random() < 0.7 else random_value(rng)
        return value
    if isinstance(value, list) and value and rng.random() < 0.8:
        index = rng.randrange(len(value))
        value[index] = mutate(rng, value[index]) if rng.random() < 0.7 else random_value(rng)
        return value
    return random_value(rng)


def check(name: Any, args: Any) -> None:
    try:
        event = decode(name, args, NOW)
    except PayloadError:
        return
    assert type(event) is EXPECTED_TYPES[name]


def test_fuzz_random_structures_only_ever_raise_payload_error() -> None:
    rng = random.Random(20241122)
    names = [*EVENT_NAMES, "bogus"]
    for _ in range(4000):
        args = tuple(random_value(rng) for _ in range(rng.randrange(6)))
        check(rng.choice(names), args)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_fuzz_mutated_real_payloads_only_ever_raise_payload_error(flavour: str) -> None:
    rng = random.Random(len(flavour))
    recorded = load(flavour)["events"]
    for _ in range(3000):
        name, args, _ = rng.choice(recorded)
        mutated = mutate(rng, copy.deepcopy(list(args)))
        check(name, tuple(mutated) if isinstance(mutated, list) else (mutated,))
