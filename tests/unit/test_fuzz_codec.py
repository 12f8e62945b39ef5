"""Hostile payloads: the codec, the topology, the rates and the probe's formatting never break.

Every admin event name is fed shapes a server should never send (wrong types,
missing and extra fields, huge numbers, NaN, deep nesting, lone surrogates,
bytes where text belongs) next to plausible ones. ``decode`` must return a
well-formed domain event or raise ``PayloadError``, and a ``PayloadError`` must
be one of its own checks, never an internal error it caught. Sequences of what
comes out, rejections included, are then folded into a Topology and Rates with
the invariants checked after every step.
"""

from __future__ import annotations

import json
import math
import os
import sys
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sio_monitor.domain.emit import emit_args
from sio_monitor.domain.events import (
    AllSocketsReceived,
    ClockTicked,
    ConfigReceived,
    ConnectionChanged,
    ConnectionState,
    DomainEvent,
    EventReceived,
    EventSent,
    PayloadRejected,
    RoomJoined,
    RoomLeft,
    ServerStatsReceived,
    SessionReceived,
    SocketConnected,
    SocketDisconnected,
    SocketInfo,
    SocketUpdated,
)
from sio_monitor.domain.throughput.rates import METRICS, Rates
from sio_monitor.domain.topology.topology import Topology
from sio_monitor.net import codec
from sio_monitor.net.wire_checks import MAX_NAME

NOW = 1_750_000_000.0
#: Examples per property; SIO_MONITOR_FUZZ_EXAMPLES=5000 makes a longer hunt of it.
EXAMPLES = int(os.environ.get("SIO_MONITOR_FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
STEPS = settings(
    max_examples=max(1, EXAMPLES // 2), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
DECODED = (
    ConfigReceived,
    SessionReceived,
    AllSocketsReceived,
    ServerStatsReceived,
    SocketConnected,
    SocketUpdated,
    SocketDisconnected,
    RoomJoined,
    RoomLeft,
    EventReceived,
    EventSent,
)

# --- shapes ----------------------------------------------------------------------------------

# Any character, lone surrogates included: what a lenient decoder may hand over.
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=24)
huge_numbers = st.sampled_from(
    [2**53, 2**53 + 1, -(2**63), 2**64, 10**30, 1e308, -1e308, 5e-324, -0.0]
)
odd_floats = st.floats(allow_nan=True, allow_infinity=True)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | huge_numbers
    | odd_floats
    | any_text
    | st.binary(max_size=16)
)
garbage = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(any_text | st.integers(), inner, max_size=4)
    ),
    max_leaves=12,
)


def deep(depth: int) -> Any:
    value: Any = "bottom"
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


deep_values = st.integers(min_value=50, max_value=3000).map(deep)


def maybe(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the right shape, sometimes anything at all."""
    return st.one_of(valid, valid, valid, garbage)


def record(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[Any, Any]]:
    """An object whose fields may each be missing or wrong, with extra fields sometimes."""
    known = st.fixed_dictionaries({}, optional={k: maybe(v) for k, v in fields.items()})
    extra = st.dictionaries(any_text, garbage, max_size=2)
    return st.builds(lambda a, b: {**b, **a}, known, extra)


namespaces = st.sampled_from(["/", "/chat", "/admin"]) | any_text
sids = st.sampled_from([f"s{n}" for n in range(5)]) | st.integers(-3, 3)
rooms = st.sampled_from(["r1", "r2", "s1", "s2"]) | any_text
servers = st.sampled_from(["node-a", "node-b"]) | any_text
epoch_ms = st.integers(int(NOW * 1000) - 10**7, int(NOW * 1000) + 10**7)
timestamps = st.one_of(
    st.none(),
    epoch_ms,
    epoch_ms.map(lambda ms: ms / 1000),
    st.sampled_from(["2025-06-15T12:00:00Z", "2025-06-15T12:00:00.123+02:00", "not a date"]),
    st.datetimes(timezones=st.none() | st.timezones()).map(lambda d: d.isoformat()),
    st.datetimes(timezones=st.none() | st.timezones()),  # a parser that builds datetimes
    huge_numbers,
    odd_floats,
    garbage,
)
string_maps = st.dictionaries(
    any_text,
    any_text | st.lists(any_text, max_size=3) | st.integers() | odd_floats | st.none() | garbage,
    max_size=4,
)
handshakes = record(
    {
        "address": any_text,
        "headers": string_maps,
        "query": string_maps,
        "issued": timestamps,
        "time": any_text,
        "secure": st.booleans(),
        "url": any_text,
        "xdomain": st.booleans() | st.none(),
    }
)
sockets = record(
    {
        "id": sids,
        "clientId": st.sampled_from(["c1", "c2", "c3"]) | any_text,
        "nsp": namespaces,
        "transport": st.sampled_from(["websocket", "polling"]) | any_text,
        "data": garbage | deep_values,
        "rooms": st.lists(rooms, max_size=4),
        "handshake": handshakes,
    }
)
metric_names = st.sampled_from([*METRICS, "future"]) | any_text
buckets = record(
    {"timestamp": timestamps, "type": metric_names, "count": st.integers(), "subType": any_text}
)
stats = record(
    {
        "serverId": servers,
        "hostname": any_text,
        "pid": st.integers(),
        "uptime": st.floats(allow_nan=True) | st.integers(),
        "clientsCount": st.integers(-2, 50) | huge_numbers,
        "pollingClientsCount": st.integers(-2, 50),
        "namespaces": st.lists(
            record({"name": namespaces, "socketsCount": st.integers(-2, 20)}), max_size=4
        ),
        "aggregatedEvents": st.lists(buckets, max_size=4),
    }
)
features = st.lists(
    st.sampled_from(["ALL_EVENTS", "AGGREGATED_EVENTS", "EMIT", "JOIN", "LEAVE", "DISCONNECT"])
    | any_text,
    max_size=6,
)
event_packets = st.lists(garbage | deep_values, max_size=3).flatmap(
    lambda args: maybe(st.sampled_from(["chat", "typing"]) | any_text).map(lambda n: [n, *args])
)


def tail(*parts: st.SearchStrategy[Any]) -> st.SearchStrategy[tuple[Any, ...]]:
    return st.tuples(*parts)


ARGUMENTS: dict[str, st.SearchStrategy[tuple[Any, ...]]] = {
    "config": tail(record({"supportedFeatures": features})),
    "session": tail(maybe(any_text)),
    "all_sockets": tail(maybe(st.lists(sockets, max_size=4))),
    "server_stats": tail(stats),
    "socket_connected": tail(maybe(sockets), timestamps),
    "socket_updated": tail(
        record({"nsp": namespaces, "id": sids, "transport": any_text, "data": garbage})
    ),
    "socket_disconnected": tail(maybe(namespaces), maybe(sids), maybe(any_text), timestamps),
    "room_joined": tail(maybe(namespaces), maybe(rooms), maybe(sids), timestamps),
    "room_left": tail(maybe(namespaces), maybe(rooms), maybe(sids), timestamps),
    "event_received": tail(maybe(namespaces), maybe(sids), maybe(event_packets), timestamps),
    "event_sent": tail(maybe(namespaces), maybe(sids), maybe(event_packets), timestamps),
}
assert set(ARGUMENTS) == set(codec.EVENT_NAMES)


def arity(args: tuple[Any, ...]) -> st.SearchStrategy[tuple[Any, ...]]:
    """The arguments as sent, one short, one too many, or each in a list of its own."""
    return st.one_of(
        st.just(args),
        st.just(args[:-1]),
        garbage.map(lambda extra: (*args, extra)),
        st.just(args[0] if len(args) == 1 else list(args)),
    )


# Well-formed payloads, as a healthy server sends them: they build up state worth checking.
valid_names = st.sampled_from(["/", "/chat", "/admin"])
valid_sids = st.sampled_from([f"s{n}" for n in range(5)])
valid_rooms = st.sampled_from(["r1", "r2", "s1", "s2"])
valid_times = st.none() | epoch_ms | st.just("2025-06-15T12:00:00Z")
valid_text = st.text(max_size=12)
valid_handshake = st.fixed_dictionaries(
    {
        "address": valid_text,
        "headers": st.dictionaries(valid_text, valid_text, max_size=3),
        "query": st.dictionaries(valid_text, valid_text, max_size=3),
        "issued": epoch_ms,
        "time": valid_text,
        "secure": st.booleans(),
        "url": valid_text,
        "xdomain": st.booleans(),
    }
)
valid_socket = st.fixed_dictionaries(
    {
        "id": valid_sids,
        "clientId": st.sampled_from(["c1", "c2", "c3"]),
        "nsp": valid_names,
        "transport": st.sampled_from(["websocket", "polling"]),
        "data": garbage | deep_values,  # data is the application's own: anything goes
        "rooms": st.lists(valid_rooms, max_size=3),
        "handshake": valid_handshake,
    }
)
valid_stats = st.fixed_dictionaries(
    {
        "serverId": st.sampled_from(["node-a", "node-b"]),
        "hostname": valid_text,
        "pid": st.integers(1, 99_999),
        "uptime": st.floats(0, 1e6),
        "clientsCount": st.integers(0, 50),
        "pollingClientsCount": st.integers(0, 50),
        "namespaces": st.lists(
            st.fixed_dictionaries({"name": valid_names, "socketsCount": st.integers(0, 20)}),
            max_size=4,
        ),
        "aggregatedEvents": st.lists(
            st.fixed_dictionaries(
                {
                    "timestamp": epoch_ms,
                    "type": st.sampled_from([*METRICS, "future"]),
                    "count": st.integers(0, 100),
                },
                optional={"subType": valid_text},
            ),
            max_size=4,
        ),
    }
)
valid_packet = st.tuples(st.sampled_from(["chat", "typing"]), st.lists(garbage, max_size=2)).map(
    lambda p: [p[0], *p[1]]
)
VALID: dict[str, st.SearchStrategy[tuple[Any, ...]]] = {
    "config": tail(st.fixed_dictionaries({"supportedFeatures": features})),
    "session": tail(valid_text.filter(bool)),
    "all_sockets": tail(st.lists(valid_socket, max_size=5)),
    "server_stats": tail(valid_stats),
    "socket_connected": tail(valid_socket, valid_times),
    "socket_updated": tail(
        st.fixed_dictionaries({"nsp": valid_names, "id": valid_sids, "data": garbage})
    ),
    "socket_disconnected": tail(valid_names, valid_sids, valid_text, valid_times),
    "room_joined": tail(valid_names, valid_rooms, valid_sids, valid_times),
    "room_left": tail(valid_names, valid_rooms, valid_sids, valid_times),
    "event_received": tail(valid_names, valid_sids, valid_packet, valid_times),
    "event_sent": tail(valid_names, valid_sids, valid_packet, valid_times),
}
assert set(VALID) == set(codec.EVENT_NAMES)


@st.composite
def mutated(draw: st.DrawFn, clean: st.SearchStrategy[Any]) -> Any:
    """A well-formed value with one or two things wrong: a field gone, replaced or added."""
    value = draw(clean)
    for _ in range(draw(st.integers(1, 2))):
        containers = [c for c in shallow_containers(value) if c]
        if not containers:
            return value
        target = draw(st.sampled_from(containers))
        if isinstance(target, dict):
            key = draw(st.sampled_from(sorted(target, key=repr)) | any_text)
            if draw(st.booleans()):
                target.pop(key, None)
            else:
                target[key] = draw(garbage)
        else:
            target[draw(st.integers(0, len(target) - 1))] = draw(garbage)
    return value


def shallow_containers(value: Any, depth: int = 4) -> list[Any]:
    """The dicts and lists within ``depth`` levels (socket data may be deep: not walked)."""
    found: list[Any] = []
    level = [value]
    for _ in range(depth):
        found.extend(item for item in level if isinstance(item, dict | list))
        level = [
            child
            for item in level
            if isinstance(item, dict | list)
            for child in (item.values() if isinstance(item, dict) else item)
        ]
    return found


def event_args(name: str) -> st.SearchStrategy[tuple[Any, ...]]:
    valid = VALID[name]
    as_list = valid.map(list)
    return st.one_of(
        valid,
        valid,
        mutated(as_list).map(tuple),
        ARGUMENTS[name].flatmap(arity),
    )


admin_events = st.sampled_from(codec.EVENT_NAMES).flatmap(
    lambda name: event_args(name).map(lambda args: (name, args))
)
healthy_events = st.sampled_from(codec.EVENT_NAMES).flatmap(
    lambda name: VALID[name].map(lambda args: (name, args))
)


# --- decode ----------------------------------------------------------------------------------


def decode_or_reject(name: Any, args: Any, at: float = NOW) -> DomainEvent:
    """What the admin client does: a decoded event, or a rejection with the reason."""
    try:
        return codec.decode(name, args, at)
    except codec.PayloadError as error:
        assert error.__cause__ is None, (
            f"{name}: a checker crashed: {error!r} <- {error.__cause__!r}"
        )
        return PayloadRejected(str(name)[:40], str(error), at)


def check_name(value: object) -> None:
    assert type(value) is str and 0 < len(value) <= MAX_NAME, repr(value)[:80]


def check_time(value: object) -> None:
    assert type(value) is float and math.isfinite(value), value


def check_socket(info: SocketInfo) -> None:
    check_name(info.id)
    check_name(info.nsp)
    assert type(info.client_id) is str and type(info.transport) is str
    assert all(type(room) is str for room in info.rooms)
    assert all(type(k) is str and type(v) is str for k, v in info.handshake.headers.items())
    assert all(type(k) is str and type(v) is str for k, v in info.handshake.query.items())
    if info.connected_at is not None:
        check_time(info.connected_at)


def check_decoded(event: DomainEvent) -> None:
    """A decoded event carries only the types its class promises."""
    assert isinstance(event, DECODED), type(event)
    check_time(event.at)
    if isinstance(event, SocketConnected):
        check_socket(event.socket)
    elif isinstance(event, AllSocketsReceived):
        for info in event.sockets:
            check_socket(info)
    elif isinstance(event, ServerStatsReceived):
        check_name(event.server_id)
        assert math.isfinite(event.uptime) and event.uptime >= 0
        assert event.clients_count >= 0 and event.polling_clients_count >= 0
        assert all(n.sockets_count >= 0 for n in event.namespaces)
        for bucket in event.aggregated:
            check_time(bucket.timestamp)
            assert type(bucket.count) is int and bucket.count >= 0
    elif isinstance(event, SocketDisconnected | RoomJoined | RoomLeft | SocketUpdated):
        check_name(event.nsp)
        check_name(event.id)
    elif isinstance(event, EventReceived | EventSent):
        check_name(event.name)
        check_name(event.id)
    elif isinstance(event, ConfigReceived):
        assert all(type(f) is str for f in event.features)


@FUZZ
@given(admin_events)
def test_decode_returns_a_well_formed_event_or_a_payload_error(event: tuple[str, Any]) -> None:
    name, args = event
    decoded = decode_or_reject(name, args)
    if not isinstance(decoded, PayloadRejected):
        check_decoded(decoded)


@FUZZ
@given(st.sampled_from(codec.EVENT_NAMES), garbage)
def test_decode_survives_any_value_in_place_of_the_arguments(name: str, args: Any) -> None:
    decoded = decode_or_reject(name, args)
    if not isinstance(decoded, PayloadRejected):
        check_decoded(decoded)


@FUZZ
@given(garbage, garbage)
def test_an_unknown_or_odd_event_name_is_rejected(name: Any, args: Any) -> None:
    if name in codec.EVENT_NAMES:
        return
    assert isinstance(decode_or_reject(name, args), PayloadRejected)


# --- topology and rates ----------------------------------------------------------------------


def check_topology(topology: Topology, rejected: int) -> None:
    """Every cross-reference of the socket tree holds, and every count adds up."""
    total = 0
    for name in topology.namespaces():
        ns = topology.namespace(name)
        assert ns is not None and ns.name == name
        total += len(ns.sockets)
        assert ns.reported_count == sum(ns.reported_by.values()) >= 0
        assert ns.private_rooms == sum(room.private for room in ns.rooms.values())
        assert 0 <= ns.public_rooms <= len(ns.rooms)
        for room_name, room in ns.rooms.items():
            assert room.name == room_name and room.nsp == name and room.members
            for sid in room.members:
                assert sid in ns.sockets, f"{sid!r} is in {room_name!r} but not in {name!r}"
                assert room_name in ns.sockets[sid].rooms
        for sid, state in ns.sockets.items():
            assert state.id == sid and state.nsp == name
            for room_name in state.rooms:
                assert sid in ns.rooms[room_name].members
            client = topology.client(state.client_id)
            assert client is not None and (name, sid) in client.sockets
    assert topology.socket_count() == total
    for client in topology.clients():
        assert client.sockets
        for nsp, sid in client.sockets:
            state = topology.socket(nsp, sid)
            assert state is not None and state.client_id == client.client_id
    for server in topology.servers():
        assert server.clients_count >= 0 and all(c >= 0 for c in server.namespaces.values())
    assert topology.malformed == rejected
    assert topology.pending_count() >= 0


def check_rates(rates: Rates) -> None:
    assert rates.dropped >= 0
    for metric in METRICS:
        for _second, value in rates.series(metric, last_seconds=30):
            assert math.isfinite(value) and value >= 0
    for _name, rate_in, rate_out, total in rates.top_events(5):
        assert rate_in >= 0 and rate_out >= 0 and total >= 0
    for reason, count in rates.disconnection_reasons(metric="socketDisconnection"):
        assert type(reason) is str and count > 0


clock_events = st.one_of(
    st.floats(NOW - 10, NOW + 600).map(ClockTicked),
    st.sampled_from(list(ConnectionState)).map(lambda s: ConnectionChanged(s, "state", NOW)),
)
received_at = st.floats(NOW - 5, NOW + 60)
steps = st.lists(
    st.one_of(
        st.tuples(healthy_events, received_at).map(lambda e: decode_or_reject(*e[0], e[1])),
        st.tuples(healthy_events, received_at).map(lambda e: decode_or_reject(*e[0], e[1])),
        st.tuples(admin_events, received_at).map(lambda e: decode_or_reject(*e[0], e[1])),
        clock_events,
    ),
    min_size=1,
    max_size=30,
)


@STEPS
@given(steps, st.integers(1, 4))
def test_any_sequence_keeps_the_topology_and_rates_consistent(
    events: list[DomainEvent], batch_size: int
) -> None:
    topology, rates = Topology(), Rates(window=120, ignored_namespaces=("/admin",))
    rejected = 0
    for start in range(0, len(events), batch_size):
        batch = events[start : start + batch_size]
        changes = topology.apply(batch)
        rates.apply(batch)
        rejected += sum(isinstance(e, PayloadRejected) for e in batch)
        assert changes.rejected == sum(isinstance(e, PayloadRejected) for e in batch)
        check_topology(topology, rejected)
        check_rates(rates)


def test_a_socket_with_deeply_nested_data_can_be_sent_again() -> None:
    """Python re-sends every socket at each ping: comparing its data must not recurse away."""

    def resent() -> tuple[Any, ...]:  # each message decodes to objects of its own
        data = deep(sys.getrecursionlimit() * 2)
        return ({"id": "s1", "clientId": "c1", "nsp": "/", "data": data, "rooms": ["s1"]},)

    first = codec.decode("socket_connected", resent(), NOW)
    again = codec.decode("socket_connected", resent(), NOW + 1)
    updated = codec.decode("socket_updated", ({"nsp": "/", "id": "s1", "data": deep(5)},), NOW)
    topology = Topology()
    topology.apply([ConfigReceived(frozenset({"ALL_EVENTS"}), NOW), first])
    topology.apply([again, updated])
    check_topology(topology, 0)
    state = topology.socket("/", "s1")
    assert state is not None and state.data == deep(5)


# --- the probe's formatting ------------------------------------------------------------------

probe_values = st.recursive(
    scalars | st.binary(max_size=64).map(bytearray) | st.binary(max_size=8).map(memoryview),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(any_text | st.integers() | st.none(), inner, max_size=4)
    ),
    max_leaves=16,
)


@FUZZ
@given(probe_values | deep_values, st.integers(0, 300))
def test_preview_is_one_bounded_line_for_any_value(value: Any, limit: int) -> None:
    text = emit_args.preview(value, limit)
    assert type(text) is str and len(text) <= max(limit, 1)


@FUZZ
@given(probe_values | deep_values)
def test_to_jsonable_leaves_no_bytes_and_serialises(value: Any) -> None:
    stored = emit_args.to_jsonable(value)
    assert not any(isinstance(v, bytes | bytearray | memoryview) for v in leaves(stored))
    text = json.dumps(stored, indent=2)  # NaN is allowed: Python's JSON reads it back
    emit_args.from_jsonable(json.loads(text))


def leaves(value: Any) -> list[Any]:
    found, stack = [], [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
            found.extend(item)
        else:
            found.append(item)
    return found


string_keyed = st.recursive(
    st.none() | st.booleans() | st.integers() | any_text | st.binary(max_size=32),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=16,
)


def as_lists(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [as_lists(item) for item in value]
    if isinstance(value, dict):
        return {k: as_lists(v) for k, v in value.items()}
    return bytes(value) if isinstance(value, bytearray | memoryview) else value


@FUZZ
@given(string_keyed)
def test_to_jsonable_round_trips_string_keyed_values(value: Any) -> None:
    assert emit_args.from_jsonable(emit_args.to_jsonable(value)) == as_lists(value)


@FUZZ
@given(st.binary(max_size=600), st.integers(0, 700))
def test_hex_dump_shows_any_bytes(data: bytes, limit: int) -> None:
    lines = emit_args.hex_dump(data, limit).splitlines()
    shown = min(len(data), limit)
    rows = -(-shown // 16)  # 16 bytes a row, the last one partial
    assert len(lines) == rows + (len(data) > limit)
    if len(data) > limit:
        assert lines[-1] == f"… {len(data) - limit:,} more bytes"


def test_values_nested_past_the_limit_are_cut_not_crashed_on() -> None:
    value = deep(sys.getrecursionlimit() * 5)
    text = emit_args.preview(value, 100_000)
    assert text.endswith("…") or "…" in text
    stored = emit_args.to_jsonable(value)
    levels = 0
    while isinstance(stored, list | dict):
        stored = stored[0] if isinstance(stored, list) else stored["k"]
        levels += 1
    assert (levels, stored) == (emit_args.MAX_DEPTH, emit_args.DEEPER)
    json.dumps(emit_args.to_jsonable(value), indent=2)  # the history and the log encode it
