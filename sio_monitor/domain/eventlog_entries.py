"""What each observed event becomes in the event log: a kind, names, and payload text made once.

The log keeps no event object. Each event is turned here, when it arrives,
into a flat tuple of plain values: its time, kind, namespace, socket id, event
name and the bytes of its payload text (arguments as one line of JSON, or a
sentence for lifecycle rows). Sizes are measured now and a payload beyond the
in-memory limit is cut now, so nothing is ever rendered twice; the recording
keeps payloads whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, NamedTuple

from sio_monitor.domain.emit_args import BINARY_KEY, LITERAL_KEY, preview, to_jsonable
from sio_monitor.domain.eventlog_rows import (
    BINARY,
    PLAIN,
    PREVIEW_CHARS,
    PREVIEW_MARK,
    TRUNCATED,
    Kind,
)
from sio_monitor.domain.events import (
    AllSocketsReceived,
    ConnectionChanged,
    EventReceived,
    EventSent,
    PayloadRejected,
    RoomJoined,
    RoomLeft,
    SocketConnected,
    SocketDisconnected,
)
from sio_monitor.domain.probe_events import (
    ProbeAckReceived,
    ProbeAckTimedOut,
    ProbeEmitted,
    ProbeEventReceived,
    ProbeState,
    ProbeStateChanged,
)

#: Bytes of payload text held in memory per event; the rest is counted, not kept.
PAYLOAD_LIMIT = 16_384
#: Acks still awaited, remembered so an ack row can name its event; the oldest go first.
MAX_PENDING_EMITS = 10_000


class Entry(NamedTuple):
    """One row before it is stored: ``data`` is the payload text (plus a binary preview)."""

    at: float
    kind: int
    namespace: str
    socket: str
    event: str
    data: bytes
    text_len: int  # bytes of ``data`` that are the payload itself
    size: int  # the payload's true size in bytes
    flags: int


class _BinaryError(Exception):
    """Raised from the encoder's hook: the arguments hold bytes and take the slow path."""


def _refuse_binary(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        raise _BinaryError
    return repr(value)  # not JSON after all: shown as Python wrote it, as preview() does


# One encoder for every event: json.dumps with options builds a new one per call.
_encode = json.JSONEncoder(ensure_ascii=False, default=_refuse_binary).encode
_MARKERS = (f'"{BINARY_KEY}"', f'"{LITERAL_KEY}"')
_CONTROL = str.maketrans({"\n": "\\n", "\r": "\\r", "\x1f": " "})


def _cut(data: bytes, limit: int) -> tuple[bytes, int]:
    if len(data) <= limit:
        return data, 0
    return data[:limit], TRUNCATED


def encode_args(args: tuple[Any, ...], limit: int = PAYLOAD_LIMIT) -> tuple[bytes, int, int, int]:
    """(stored bytes, payload length within them, true size, flags) for a list of arguments.

    The common case is one C-speed JSON encode. Binary arguments are stored as
    ``{"$binary": base64}`` (reversible with ``from_jsonable``) and counted at
    their raw size, as they travel as attachments; their preview is stored
    after the JSON, since a base64 string previews nothing useful.
    """
    try:
        text = _encode(args)
    except _BinaryError:
        return _encode_binary(args, limit)
    except (ValueError, RecursionError):  # a cycle: cannot come off the wire, but never raise
        return plain_text(preview(args, limit), limit)
    if '"$' in text and any(marker in text for marker in _MARKERS):
        text = _encode(to_jsonable(args))  # a user's own marker-like key: keep it reversible
    data = text.encode("utf-8")
    size = len(data)
    data, flags = _cut(data, limit)
    return data, len(data), size, flags


def _encode_binary(args: tuple[Any, ...], limit: int) -> tuple[bytes, int, int, int]:
    sizes: list[int] = []

    def count(value: Any) -> Any:
        if isinstance(value, bytes | bytearray | memoryview):
            sizes.append(len(value))
            return None  # four characters, "null", taken out again below
        return repr(value)

    skeleton = json.dumps(args, ensure_ascii=False, default=count)
    size = len(skeleton.encode("utf-8")) - 4 * len(sizes) + sum(sizes)
    kept = _cut_binaries(args, limit) if sum(sizes) > limit else args
    data, flags = _cut(_encode(to_jsonable(kept)).encode("utf-8"), limit)
    if kept is not args:
        flags |= TRUNCATED
    shown = preview(args, PREVIEW_CHARS).translate(_CONTROL).encode("utf-8")
    return data + PREVIEW_MARK + shown, len(data), size, flags | BINARY


def _cut_binaries(value: Any, limit: int) -> Any:
    """The same structure with every binary longer than ``limit`` cut to it."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value[:limit])
    if isinstance(value, list | tuple):
        return [_cut_binaries(item, limit) for item in value]
    if isinstance(value, dict):
        return {key: _cut_binaries(item, limit) for key, item in value.items()}
    return value


def plain_text(text: str, limit: int = PAYLOAD_LIMIT) -> tuple[bytes, int, int, int]:
    """A sentence as one stored line: line breaks shown as ``\\n``, never taken as rows."""
    data = text.translate(_CONTROL).encode("utf-8")
    size = len(data)
    data, flags = _cut(data, limit)
    return data, len(data), size, flags | PLAIN


def _connect_text(event: SocketConnected) -> str:
    info = event.socket
    parts = [f"transport {info.transport}"]
    if info.handshake.address:
        parts.append(f"address {info.handshake.address}")
    if info.client_id:
        parts.append(f"client {info.client_id}")
    if info.data is not None and info.data != {}:
        try:
            parts.append(f"data {_encode(info.data)}")
        except (_BinaryError, ValueError, RecursionError):
            parts.append(f"data {preview(info.data, PAYLOAD_LIMIT)}")
    return ", ".join(parts)


class EntryMaker:
    """Turns batches of admin and probe events into entries; remembers the little it must.

    Python's instrumentation re-sends ``socket_connected`` for every socket at
    each ping, so the live sockets are remembered to log a connection once; an
    ack names only its emit, so pending emits are remembered to name its event;
    probe events carry no socket id, so the probe's own is remembered.
    """

    def __init__(self, limit: int = PAYLOAD_LIMIT, hidden_namespace: str = "/admin") -> None:
        self.limit = limit
        #: The monitor's own namespace: its sockets and commands are not the app's traffic.
        self.hidden_namespace = hidden_namespace
        self._live: set[tuple[str, str]] = set()
        self._emits: dict[int, tuple[str, str]] = {}
        self._probe_sid = ""

    def admin(self, batch: Iterable[object]) -> list[Entry]:
        out: list[Entry] = []
        limit, hidden, live = self.limit, self.hidden_namespace, self._live
        for event in batch:
            if isinstance(event, EventReceived | EventSent):
                if event.nsp == hidden:
                    continue
                kind = Kind.EVENT_IN if isinstance(event, EventReceived) else Kind.EVENT_OUT
                data, n, size, flags = encode_args(event.args, limit)
                out.append(
                    Entry(event.at, kind, event.nsp, event.id, event.name, data, n, size, flags)
                )
            elif isinstance(event, SocketConnected):
                key = (event.socket.nsp, event.socket.id)
                if key in live or key[0] == hidden:
                    continue  # python's per-ping refresh, not a new connection
                live.add(key)
                self._plain(out, event.at, Kind.CONNECT, *key, _connect_text(event))
            elif isinstance(event, SocketDisconnected):
                live.discard((event.nsp, event.id))
                if event.nsp != hidden:
                    self._plain(out, event.at, Kind.DISCONNECT, event.nsp, event.id, event.reason)
            elif isinstance(event, RoomJoined | RoomLeft):
                if event.nsp != hidden:
                    kind = Kind.JOIN if isinstance(event, RoomJoined) else Kind.LEAVE
                    self._plain(out, event.at, kind, event.nsp, event.id, event.room)
            elif isinstance(event, ConnectionChanged):
                self._plain(out, event.at, Kind.CONNECTION, "", "", event.message)
            elif isinstance(event, PayloadRejected):
                text = f"{event.event_name}: {event.reason}"
                self._plain(out, event.at, Kind.REJECTED, "", "", text)
            elif isinstance(event, AllSocketsReceived):
                live.clear()
                live.update((s.nsp, s.id) for s in event.sockets)
        return out

    def probe(self, batch: Iterable[object]) -> list[Entry]:
        out: list[Entry] = []
        for event in batch:
            if isinstance(event, ProbeEmitted):
                if len(self._emits) >= MAX_PENDING_EMITS:
                    del self._emits[next(iter(self._emits))]
                self._emits[event.emit_id] = (event.namespace, event.event)
                self._args(out, event.at, Kind.PROBE_OUT, event.namespace, event.event, event.args)
            elif isinstance(event, ProbeEventReceived):
                self._args(out, event.at, Kind.PROBE_IN, event.namespace, event.event, event.args)
            elif isinstance(event, ProbeAckReceived):
                nsp, name = self._emits.pop(event.emit_id, ("", ""))
                self._args(out, event.at, Kind.PROBE_ACK, nsp, name, event.args)
            elif isinstance(event, ProbeAckTimedOut):
                nsp, name = self._emits.pop(event.emit_id, ("", ""))
                data, n, _size, flags = plain_text(f"no ack within {event.timeout:g} s", self.limit)
                sid = self._probe_sid
                out.append(Entry(event.at, Kind.PROBE_TIMEOUT, nsp, sid, name, data, n, 0, flags))
            elif isinstance(event, ProbeStateChanged):
                if event.state is ProbeState.CONNECTED and event.sid:
                    self._probe_sid = event.sid
                self._plain(out, event.at, Kind.PROBE_STATE, "", self._probe_sid, event.message)
                if event.state is ProbeState.DISCONNECTED:
                    self._probe_sid = ""
        return out

    def _args(
        self, out: list[Entry], at: float, kind: Kind, nsp: str, name: str, args: tuple[Any, ...]
    ) -> None:
        data, n, size, flags = encode_args(args, self.limit)
        out.append(Entry(at, kind, nsp, self._probe_sid, name, data, n, size, flags))

    def _plain(
        self, out: list[Entry], at: float, kind: Kind, nsp: str, sid: str, text: str
    ) -> None:
        data, n, _size, flags = plain_text(text, self.limit)
        out.append(Entry(at, kind, nsp, sid, "", data, n, 0, flags))
