"""Domain events to JSON text and back, exactly: the one serialisation recordings use.

A recording keeps domain events rather than wire payloads, so a replay feeds
the same objects to the same sinks as a live connection did. The codec is
generic: it reads each event class's fields and type hints once, so an event
type added to the unions in ``domain/events.py`` or ``domain/emit/probe_events.py``
is recorded without touching this module. An event becomes
``{"t": "SocketConnected", <field>: <value>, ...}``; nested dataclasses become
plain objects of their fields, enums their values, tuples and frozensets
lists, and bytes ``{"$b": "<base64>"}``. Decoding is driven by the type hints,
so a payload dict that happens to have a ``"t"`` key is never mistaken for an
event, and the rebuilt object equals the original.

Only payloads (``Any`` fields) can hold bytes or a dict shaped like the bytes
marker; both are rare, so the common path is one C-level ``json.dumps`` and
the careful walk runs only when the fast text shows a ``{"$`` key.

The careful walk is also the path for payloads past what ``json`` handles
well: nesting deeper than its recursion limit, and strings of megabytes,
which it writes a piece at a time, so that the GUI thread is never kept
waiting for the interpreter while the recording's thread writes ten of them.
Reading falls back the same way when a stored event is nested that deep.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import json
import json.encoder
import operator
import time
import types
import typing
from collections.abc import Callable, Iterable
from typing import Any

from sio_monitor.domain import events as admin_events
from sio_monitor.domain.emit import probe_events
from sio_monitor.domain.format import dumps_deep, loads_any

Converter = Callable[[Any], Any]

#: The marker keys of the format: bytes, and a payload dict escaped because it looked like one.
BYTES_KEY = "$b"
ESCAPED_KEY = "$d"
_MARKER = '{"$'


class CodecError(ValueError):
    """A value cannot be recorded, or a stored text is not an event this version knows."""


class UnknownEventTypeError(CodecError):
    """The stored event names a type this version does not have (a newer recording)."""


@dataclasses.dataclass(frozen=True, slots=True)
class _Spec:
    cls: type
    name: str
    fields: tuple[str, ...]
    values: Callable[[Any], tuple[Any, ...]]
    converters: tuple[tuple[str, Converter | None], ...]


_BY_TYPE: dict[type, _Spec] = {}  # every dataclass the codec can write, nested ones too
_EVENTS: dict[str, _Spec] = {}  # the event types, by the name stored in "t"
_EVENT_TYPES: dict[type, _Spec] = {}  # the same, by class, for encoding


def _values_getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    if len(names) == 1:
        (name,) = names
        return lambda obj: (getattr(obj, name),)
    return operator.attrgetter(*names)  # type: ignore[return-value]


def _spec_for(cls: type) -> _Spec:
    spec = _BY_TYPE.get(cls)
    if spec is not None:
        return spec
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    hints = typing.get_type_hints(cls)
    names = tuple(f.name for f in dataclasses.fields(cls) if f.init)
    # Register before resolving the fields, so that a self-referencing type terminates.
    spec = _Spec(cls, cls.__name__, names, _values_getter(names), ())
    _BY_TYPE[cls] = spec
    converters = tuple((name, _converter(hints[name])) for name in names)
    spec = dataclasses.replace(spec, converters=converters)
    _BY_TYPE[cls] = spec
    return spec


def _optional(convert: Converter) -> Converter:
    return lambda value: None if value is None else convert(value)


def _converter(hint: Any) -> Converter | None:
    """How a decoded JSON value becomes a value of ``hint``; None when it already is one."""
    if hint is Any or hint in (str, int, float, bool, type(None), object):
        return None
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [arg for arg in args if arg is not type(None)]
        converters = [_converter(arg) for arg in inner]
        if all(convert is None for convert in converters):
            return None
        if len(inner) != 1:
            raise TypeError(f"cannot record a union of structured types: {hint!r}")
        return _optional(converters[0])  # type: ignore[arg-type]
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            item = _converter(args[0])
            return tuple if item is None else lambda value: tuple(map(item, value))
        items = [_converter(arg) for arg in args]
        return lambda value: tuple(
            v if convert is None else convert(v) for convert, v in zip(items, value, strict=True)
        )
    if origin in (frozenset, set, list):
        item = _converter(args[0]) if args else None
        return origin if item is None else lambda value: origin(map(item, value))
    if origin is dict:
        item = _converter(args[1]) if len(args) == 2 else None
        return None if item is None else lambda value: {k: item(v) for k, v in value.items()}
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        nested = _spec_for(hint)
        return lambda value: _build(nested, value)
    raise TypeError(f"cannot record a field of type {hint!r}")


def _build(spec: _Spec, document: dict[str, Any]) -> Any:
    """The object ``document`` describes; missing fields take their defaults, unknown ones drop."""
    kwargs = {}
    for name, convert in spec.converters:
        if name in document:
            value = document[name]
            kwargs[name] = value if convert is None else convert(value)
    return spec.cls(**kwargs)


# --- the registry ----------------------------------------------------------------------


def register_event_type(cls: type) -> None:
    """Make ``cls`` recordable; its name is what a recording stores, so it must be unique."""
    spec = _spec_for(cls)
    known = _EVENTS.get(spec.name)
    if known is not None and known.cls is not cls:
        raise ValueError(f"two event types are named {spec.name}: {known.cls!r} and {cls!r}")
    _EVENTS[spec.name] = spec
    _EVENT_TYPES[cls] = spec


def registered_event_types() -> tuple[type, ...]:
    return tuple(spec.cls for spec in _EVENTS.values())


def nested_types() -> tuple[type, ...]:
    """The dataclasses that appear inside events, for tests that check every one round-trips."""
    events = {spec.cls for spec in _EVENTS.values()}
    return tuple(cls for cls in _BY_TYPE if cls not in events)


def _default_event_types() -> Iterable[type]:
    # The admin stream includes the app's own events (clock ticks, scheduled reconnects),
    # so health verdicts and countdowns replay as they happened.
    yield from typing.get_args(admin_events.DomainEvent)
    yield from typing.get_args(probe_events.ProbeEvent)


for _cls in _default_event_types():
    register_event_type(_cls)


# --- encoding --------------------------------------------------------------------------


def _bytes(value: bytes | bytearray | memoryview) -> dict[str, str]:
    return {BYTES_KEY: base64.b64encode(bytes(value)).decode("ascii")}


def _default(value: Any) -> Any:
    """What ``json.dumps`` cannot write itself: nested dataclasses, enums, sets, bytes."""
    spec = _BY_TYPE.get(type(value))
    if spec is not None:
        return dict(zip(spec.fields, spec.values(value), strict=True))
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, frozenset | set):
        return _sorted(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return _bytes(value)
    raise TypeError(f"cannot record a value of type {type(value).__name__}")


def _sorted(values: frozenset[Any] | set[Any]) -> list[Any]:
    try:
        return sorted(values)
    except TypeError:  # mixed types: any order round-trips a set
        return list(values)


def _plain(value: Any) -> Any:
    """The careful walk: JSON-ready values, with bytes marked and look-alike dicts escaped."""
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)) in (BYTES_KEY, ESCAPED_KEY):
            return {ESCAPED_KEY: [[key, _plain(item)] for key, item in value.items()]}
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    spec = _BY_TYPE.get(type(value))
    if spec is not None:
        return {
            name: _plain(item) for name, item in zip(spec.fields, spec.values(value), strict=True)
        }
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, frozenset | set):
        return [_plain(item) for item in _sorted(value)]
    if isinstance(value, bytes | bytearray | memoryview):
        return _bytes(value)
    raise TypeError(f"cannot record a value of type {type(value).__name__}")


def _encoder(default: Callable[[Any], Any] | None) -> Callable[[Any], str]:
    """A compact ASCII JSON writer; the C one made once, as ``json.dumps`` would per call."""
    make = json.encoder.c_make_encoder
    if make is None:  # an interpreter without the C accelerator
        return json.JSONEncoder(separators=(",", ":"), default=default).encode
    chunks = make(
        None, default, json.encoder.encode_basestring_ascii, None, ":", ",", False, False, True
    )
    return lambda value: "".join(chunks(value, 0))


_dumps = _encoder(_default)


def _spec_of_event(event: object) -> _Spec:
    spec = _EVENT_TYPES.get(type(event))
    if spec is None:
        raise UnknownEventTypeError(f"{type(event).__name__} is not a registered event type")
    return spec


#: A string longer than this is written by the careful walk, in pieces.
LONG_TEXT = 1 << 20


def _long_text(values: tuple[Any, ...]) -> bool:
    """Whether a field, or an argument of a field, is a string of over ``LONG_TEXT``."""
    for value in values:
        kind = type(value)
        if kind is str:
            if len(value) > LONG_TEXT:
                return True
        elif kind is tuple or kind is list:
            for item in value:
                if type(item) is str and len(item) > LONG_TEXT:
                    return True
    return False


def _pause() -> None:
    """Between megabytes: hand the GIL to any thread waiting for it (the GUI's, when recording)."""
    time.sleep(0)


def _escaped(document: dict[Any, Any]) -> Any:
    """A payload dict that looks like a marker, escaped so that it reads back as itself."""
    if len(document) == 1 and next(iter(document)) in (BYTES_KEY, ESCAPED_KEY):
        return {ESCAPED_KEY: [[key, item] for key, item in document.items()]}
    return document


def encode(event: object) -> str:
    """One event as compact JSON text (ASCII: lone surrogates from the wire survive too)."""
    spec = _spec_of_event(event)
    values = spec.values(event)
    document: dict[str, Any] = {"t": spec.name}
    document.update(zip(spec.fields, values, strict=True))
    try:
        if not _long_text(values):
            try:
                text = _dumps(document)
            except RecursionError:  # deeper than json goes
                text = _MARKER
            if _MARKER not in text:
                return text
        return dumps_deep(
            document, separators=(",", ":"), default=_default, dict_hook=_escaped, pause=_pause
        )
    except (TypeError, ValueError) as exc:
        raise CodecError(f"cannot record {spec.name}: {exc}") from None


def to_document(event: object) -> dict[str, Any]:
    """The JSON-ready structure of ``event`` (what ``encode`` writes)."""
    spec = _spec_of_event(event)
    return {"t": spec.name, **_plain(event)}


# --- decoding --------------------------------------------------------------------------


def _revive(document: dict[str, Any]) -> Any:
    if len(document) == 1:
        key = next(iter(document))
        if key == BYTES_KEY:
            return base64.b64decode(document[key])
        if key == ESCAPED_KEY:
            return dict(document[key])
    return document


def from_document(document: dict[str, Any]) -> object:
    """The event a decoded document describes; UnknownEventTypeError when its type is not known."""
    try:
        name = document["t"]
    except (KeyError, TypeError):
        raise CodecError("the stored text is not an event (no type)") from None
    spec = _EVENTS.get(name) if isinstance(name, str) else None
    if spec is None:
        raise UnknownEventTypeError(f"unknown event type {name!r}")
    try:
        return _build(spec, document)
    except (TypeError, ValueError, KeyError) as exc:
        raise CodecError(f"the stored {name} does not fit its type: {exc}") from None


def decode(text: str | bytes) -> object:
    """The event ``encode`` wrote as ``text``, equal to the original."""
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        document = loads_any(text, object_hook=_revive if _MARKER in text else None)
    except (ValueError, TypeError) as exc:  # bad JSON, bad base64
        raise CodecError(f"the stored text is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise CodecError("the stored text is not an event (not an object)")
    return from_document(document)
