"""The recording codec: every event type, nested types included, comes back exactly as it went."""

from __future__ import annotations

import dataclasses
import enum
import json
import types
import typing
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sio_monitor.domain import events as ev
from sio_monitor.domain.emit import probe_events as pe
from sio_monitor.store import event_codec
from sio_monitor.store.event_codec import (
    CodecError,
    UnknownEventTypeError,
    decode,
    encode,
    registered_event_types,
)
from tests.unit.sessions import FLAVOURS, decoded

# --- strategies from the type hints ---------------------------------------------------

_text = st.text(max_size=12)  # any code point, lone surrogates included: the wire may send them
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False)
    | _text
    | st.binary(max_size=8)
)
# Payloads as the wire delivers them, plus the dicts that look like the codec's own markers.
_payload = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(_text, inner, max_size=4)
        | st.dictionaries(st.sampled_from(["$b", "$d", "t", "$x"]), inner, min_size=1, max_size=1)
    ),
    max_leaves=12,
)


def strategy(hint: Any) -> st.SearchStrategy[Any]:
    if hint is Any:
        return _payload
    if hint is str:
        return _text
    if hint is int:
        return st.integers(min_value=-(2**53), max_value=2**53)
    if hint is float:
        return st.floats(allow_nan=False)
    if hint is bool:
        return st.booleans()
    if hint is type(None):
        return st.none()
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(strategy(arg) for arg in args))
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return st.lists(strategy(args[0]), max_size=3).map(tuple)
        return st.tuples(*(strategy(arg) for arg in args))
    if origin is frozenset:
        return st.frozensets(strategy(args[0]), max_size=4)
    if origin is dict:
        return st.dictionaries(strategy(args[0]), strategy(args[1]), max_size=3)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return st.sampled_from(list(hint))
    if dataclasses.is_dataclass(hint):
        return instances(hint)
    raise AssertionError(f"no strategy for {hint!r}")


def instances(cls: type) -> st.SearchStrategy[Any]:
    hints = typing.get_type_hints(cls)
    fields = {f.name: strategy(hints[f.name]) for f in dataclasses.fields(cls)}
    return st.builds(cls, **fields)


def nested_dataclasses(cls: type, seen: set[type] | None = None) -> set[type]:
    """Every dataclass reachable from ``cls``'s fields."""
    seen = set() if seen is None else seen
    for hint in typing.get_type_hints(cls).values():
        stack = [hint]
        while stack:
            one = stack.pop()
            stack.extend(typing.get_args(one))
            if dataclasses.is_dataclass(one) and one not in seen:
                seen.add(one)
                nested_dataclasses(one, seen)
    return seen


# --- the registry -----------------------------------------------------------------------

EVENT_TYPES = registered_event_types()


def test_every_event_the_app_emits_is_registered() -> None:
    expected = {
        *typing.get_args(ev.DomainEvent),
        *typing.get_args(pe.ProbeEvent),
        ev.ClockTicked,
        ev.ReconnectScheduled,
    }
    assert expected <= set(EVENT_TYPES)
    nested = set().union(*(nested_dataclasses(cls) for cls in EVENT_TYPES))
    assert {ev.SocketInfo, ev.Handshake, ev.NamespaceCount, ev.AggregatedBucket} <= nested
    assert nested <= set(event_codec.nested_types())


def test_a_second_type_with_a_registered_name_is_refused() -> None:
    @dataclasses.dataclass(frozen=True)
    class RoomJoined:  # same name as the real one
        at: float

    with pytest.raises(ValueError, match="two event types are named RoomJoined"):
        event_codec.register_event_type(RoomJoined)


# --- round trips --------------------------------------------------------------------------


@pytest.mark.parametrize("cls", EVENT_TYPES, ids=lambda cls: cls.__name__)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_every_event_type_round_trips_exactly(cls: type, data: st.DataObject) -> None:
    event = data.draw(instances(cls))
    text = encode(event)
    assert text.isascii()
    again = decode(text)
    assert type(again) is cls
    assert again == event
    for name in (f.name for f in dataclasses.fields(cls)):  # tuples stay tuples, enums enums
        assert type(getattr(again, name)) is type(getattr(event, name))


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_real_admin_sessions_round_trip(flavour: str) -> None:
    events = decoded(flavour)
    assert {type(e) for e in events} >= {ev.AllSocketsReceived, ev.ServerStatsReceived}
    assert [decode(encode(event)) for event in events] == events


def test_nested_types_are_rebuilt_not_left_as_dicts() -> None:
    handshake = ev.Handshake(address="::1", headers={"host": "x"}, issued=1.5, xdomain=True)
    socket = ev.SocketInfo(
        "s1", "c1", "/chat", data={"t": "x"}, rooms=("s1", "a"), handshake=handshake
    )
    event = decode(encode(ev.AllSocketsReceived((socket,), 3.0)))
    assert isinstance(event, ev.AllSocketsReceived)
    (again,) = event.sockets
    assert isinstance(again.handshake, ev.Handshake)
    assert again.rooms == ("s1", "a")
    assert again.data == {"t": "x"}  # a payload key named like the type tag stays a payload


def test_the_format_is_the_documented_one() -> None:
    changed = ev.ConnectionChanged(
        ev.ConnectionState.FAILED, "no", 2.5, failure=ev.FailureKind.TIMEOUT
    )
    assert json.loads(encode(changed)) == {
        "t": "ConnectionChanged",
        "state": "failed",
        "message": "no",
        "at": 2.5,
        "failure": "timeout",
    }
    emitted = pe.ProbeEmitted(1, "/", "up", (b"\x00\xff", {"$b": "not bytes"}), 1.0, None)
    document = json.loads(encode(emitted))
    assert document["args"][0] == {"$b": "AP8="}
    assert decode(encode(emitted)) == emitted
    assert json.loads(encode(ev.ConfigReceived(frozenset({"b", "a"}), 1.0)))["features"] == [
        "a",
        "b",
    ]


# --- what cannot be recorded or read -------------------------------------------------------


def test_an_unregistered_type_is_refused_on_the_way_in() -> None:
    with pytest.raises(UnknownEventTypeError):
        encode(ev.Handshake())
    with pytest.raises(CodecError, match="cannot record"):
        encode(ev.EventReceived("/", "s", "x", ({1, 2, object()},), 1.0))


def test_stored_text_from_elsewhere_is_a_clear_error() -> None:
    with pytest.raises(UnknownEventTypeError, match="FutureEvent"):
        decode('{"t": "FutureEvent", "at": 1}')
    with pytest.raises(CodecError, match="not valid JSON"):
        decode("{nope")
    with pytest.raises(CodecError, match="not an event"):
        decode("[1, 2]")
    with pytest.raises(CodecError, match="does not fit"):
        decode('{"t": "RoomJoined", "nsp": "/"}')  # required fields missing


def test_newer_and_older_fields_are_tolerated() -> None:
    """A field a later version adds is ignored; one it drops takes its default."""
    text = '{"t":"ConnectionChanged","state":"connected","message":"ok","at":1.0,"extra":[1]}'
    assert decode(text) == ev.ConnectionChanged(ev.ConnectionState.CONNECTED, "ok", 1.0)
