"""What each observed event becomes in the event log: a kind, names, and payload text made once.

The log keeps no event object. Each event is turned here, when it arrives,
into a flat tuple of plain values: its time, kind, namespace, socket id, event
name and the bytes of its payload text (arguments as one line of JSON, or a
sentence for lifecycle rows). Sizes are measured now and a payload beyond the
in-memory limit is cut now, so nothing is ever rendered twice; the recording
keeps payloads whole.

A big string argument (a 10 MB upload) is not written out only to be cut:
its first characters are escaped and the rest is measured, which costs a
quarter of encoding it. Arguments nested deeper than ``json`` goes are
written by ``dumps_deep``, so their text and size are the true ones too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from time import perf_counter
from typing import Any, NamedTuple

import msgspec

from sio_monitor.domain.alerts import AlertChanged
from sio_monitor.domain.emit.emit_args import (
    BINARY_KEY,
    LITERAL_KEY,
    MAX_DEPTH,
    preview,
    to_jsonable,
)
from sio_monitor.domain.emit.probe_rows import ARGUMENT_ROWS, ProbeRows, RowKind
from sio_monitor.domain.eventlog.rows import (
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
from sio_monitor.domain.format import dumps_deep, text_bytes
from sio_monitor.domain.settings import DEFAULT_ADMIN_NAMESPACE

#: Bytes of payload text held in memory per event; the rest is counted, not kept.
PAYLOAD_LIMIT = 16_384
#: The event log's kind of each probe row.
PROBE_KINDS = {
    RowKind.SENT: Kind.PROBE_OUT,
    RowKind.RECEIVED: Kind.PROBE_IN,
    RowKind.ACK: Kind.PROBE_ACK,
    RowKind.TIMEOUT: Kind.PROBE_TIMEOUT,
    RowKind.STATE: Kind.PROBE_STATE,
}


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
    for arg in args:
        if type(arg) is str and len(arg) > limit:
            return _encode_long(args, limit)
    return _encode_any(args, limit)


def _encode_any(args: tuple[Any, ...], limit: int) -> tuple[bytes, int, int, int]:
    try:
        text = _encode(args)
    except _BinaryError:
        return _encode_binary(args, limit)
    except RecursionError:  # deeper than json goes: the same text, from an explicit stack
        try:
            text = dumps_deep(args, ensure_ascii=False, default=_refuse_binary)
        except _BinaryError:
            return _encode_binary(args, limit)
        except ValueError:
            return plain_text(preview(args, limit), limit)
    except ValueError:  # a cycle: cannot come off the wire, but never raise
        return plain_text(preview(args, limit), limit)
    if '"$' in text and any(marker in text for marker in _MARKERS):
        text = _encode(to_jsonable(args))  # a user's own marker-like key: keep it reversible
    data = text.encode("utf-8", "surrogatepass")
    size = len(data)
    data, flags = _cut(data, limit)
    return data, len(data), size, flags


_fast_encode = msgspec.json.Encoder().encode


def _json_size(text: str) -> int:
    """UTF-8 bytes of ``text`` written as a JSON string, as ``_encode`` writes it.

    msgspec escapes exactly the characters ``json`` does, each to as many bytes
    (checked for every code point in the tests), five times faster: 2 ms for
    10 MB, all of it on the GUI thread. A lone surrogate, which msgspec
    refuses, is counted by writing the string the slow way.
    """
    try:
        return len(_fast_encode(text))
    except UnicodeEncodeError:
        return text_bytes(_encode(text))


def _encode_long(args: tuple[Any, ...], limit: int) -> tuple[bytes, int, int, int]:
    """Arguments with a string longer than what is kept: its head written, its size counted.

    The text kept is the start of what ``_encode_any`` would write; anything
    it would write differently (binary, markers, cycles) takes that path.
    """
    pieces: list[str] = []  # each argument's text, up to the head of the first long string
    headed = False
    size = 2 + 2 * (len(args) - 1)  # the brackets, and ", " between arguments
    for arg in args:
        if type(arg) is str and len(arg) > limit:
            size += _json_size(arg)
            if not headed:
                pieces.append(_encode(arg[:limit])[:-1])  # enough for ``limit`` bytes, unclosed
                headed = True
            continue
        try:
            text = _encode(arg)
        except (_BinaryError, ValueError, RecursionError):
            return _encode_any(args, limit)
        if '"$' in text and any(marker in text for marker in _MARKERS):
            return _encode_any(args, limit)
        size += text_bytes(text)
        if not headed:
            pieces.append(text)
    data = ("[" + ", ".join(pieces)).encode("utf-8", "surrogatepass")[:limit]
    return data, len(data), size, TRUNCATED


def _encode_binary(args: tuple[Any, ...], limit: int) -> tuple[bytes, int, int, int]:
    sizes: list[int] = []

    def count(value: Any) -> Any:
        if isinstance(value, bytes | bytearray | memoryview):
            sizes.append(len(value))
            return None  # four characters, "null", taken out again below
        return repr(value)

    try:
        skeleton = json.dumps(args, ensure_ascii=False, default=count)
    except RecursionError:
        sizes.clear()
        skeleton = dumps_deep(args, ensure_ascii=False, default=count)
    size = len(skeleton.encode("utf-8", "surrogatepass")) - 4 * len(sizes) + sum(sizes)
    kept = _cut_binaries(args, limit) if sum(sizes) > limit else args
    data, flags = _cut(_encode(to_jsonable(kept)).encode("utf-8", "surrogatepass"), limit)
    if kept is not args:
        flags |= TRUNCATED
    shown = preview(args, PREVIEW_CHARS).translate(_CONTROL).encode("utf-8")
    return data + PREVIEW_MARK + shown, len(data), size, flags | BINARY


def _cut_binaries(value: Any, limit: int, depth: int = 0) -> Any:
    """The same structure with every binary longer than ``limit`` cut to it.

    Past ``MAX_DEPTH`` it is left alone: ``to_jsonable`` keeps no deeper.
    """
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value[:limit])
    if depth >= MAX_DEPTH:
        return value
    if isinstance(value, list | tuple):
        return [_cut_binaries(item, limit, depth + 1) for item in value]
    if isinstance(value, dict):
        return {key: _cut_binaries(item, limit, depth + 1) for key, item in value.items()}
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
    each ping, so the live sockets are remembered to log a connection once.
    Probe events become rows through ``ProbeRows``, as in the emit console's
    log: it pairs each ack with its emit and remembers the probe's socket id.

    A payload past the in-memory limit costs milliseconds per megabyte to
    measure, so a batch of several can be read in parts: given a ``deadline``
    (``time.perf_counter()``), reading stops after the first such payload past
    it, and ``taken`` says how many events of the batch were read.
    """

    def __init__(
        self, limit: int = PAYLOAD_LIMIT, hidden_namespace: str = DEFAULT_ADMIN_NAMESPACE
    ) -> None:
        self.limit = limit
        #: The monitor's own namespace: its sockets and commands are not the app's traffic.
        self.hidden_namespace = hidden_namespace
        self._live: set[tuple[str, str]] = set()
        self._probe = ProbeRows()
        self.taken = 0

    def admin(self, batch: Iterable[object], deadline: float | None = None) -> list[Entry]:
        out: list[Entry] = []
        limit, hidden, live = self.limit, self.hidden_namespace, self._live
        taken = 0
        for event in batch:
            taken += 1
            if isinstance(event, EventReceived | EventSent):
                if event.nsp == hidden:
                    continue
                kind = Kind.EVENT_IN if isinstance(event, EventReceived) else Kind.EVENT_OUT
                data, n, size, flags = encode_args(event.args, limit)
                out.append(
                    Entry(event.at, kind, event.nsp, event.id, event.name, data, n, size, flags)
                )
                if flags & TRUNCATED and deadline is not None and perf_counter() > deadline:
                    break
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
                text = event.describe()
                self._plain(out, event.at, Kind.REJECTED, "", "", text)
            elif isinstance(event, AlertChanged):
                self._plain(out, event.at, Kind.ALERT, "", "", event.message)
            elif isinstance(event, AllSocketsReceived):
                live.clear()
                live.update((s.nsp, s.id) for s in event.sockets)
        self.taken = taken
        return out

    def probe(self, batch: Iterable[object], deadline: float | None = None) -> list[Entry]:
        out: list[Entry] = []
        limit, rows = self.limit, self._probe
        taken = 0
        for event in batch:
            taken += 1
            row = rows.row(event)
            if row is None:
                continue
            if row.kind in ARGUMENT_ROWS:
                data, n, size, flags = encode_args(row.args, limit)
            else:  # a sentence: no ack in time, or the probe's state
                data, n, size, flags = plain_text(row.result(), limit)
                size = 0
            kind = PROBE_KINDS[row.kind]
            entry = Entry(row.at, kind, row.namespace, row.socket, row.event, data, n, size, flags)
            out.append(entry)
            if flags & TRUNCATED and deadline is not None and perf_counter() > deadline:
                break
        self.taken = taken
        return out

    def _plain(
        self, out: list[Entry], at: float, kind: Kind, nsp: str, sid: str, text: str
    ) -> None:
        data, n, _size, flags = plain_text(text, self.limit)
        out.append(Entry(at, kind, nsp, sid, "", data, n, 0, flags))
