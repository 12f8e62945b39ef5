"""What a row of the event log is: its kind, its flags, and the row as read back for display.

The table, the details pane and the exports read rows through ``LogRow``;
the ring stores them as columns (``eventlog``) and ``eventlog_entries`` makes
them from events. Everything shown is plain text: names and payloads come
from the network.
"""

from __future__ import annotations

import enum
import json
import time
from typing import NamedTuple

from sio_monitor.domain.clock_format import time_of_day
from sio_monitor.domain.emit.emit_args import from_jsonable, hex_dump
from sio_monitor.domain.format import SHOWN_CHARS, format_bytes, shorten

#: Characters of the one-line argument preview shown in the table.
PREVIEW_CHARS = 200

# Row flags (one byte per row).
TRUNCATED = 1  # the payload text was cut at the in-memory limit
BINARY = 2  # binary arguments: the preview is stored after the JSON text
PLAIN = 4  # the payload is a sentence, not a JSON array of arguments

#: Separates a binary row's JSON from its stored preview; never found in JSON text.
PREVIEW_MARK = b"\x1f"


class Kind(enum.IntEnum):
    """What a row records; stored as one byte per row."""

    EVENT_IN = 0
    EVENT_OUT = 1
    CONNECT = 2
    DISCONNECT = 3
    JOIN = 4
    LEAVE = 5
    PROBE_OUT = 6
    PROBE_IN = 7
    PROBE_ACK = 8
    PROBE_TIMEOUT = 9
    CONNECTION = 10
    PROBE_STATE = 11
    REJECTED = 12
    ALERT = 13


#: The direction column: a short word per kind.
KIND_LABELS: dict[Kind, str] = {
    Kind.EVENT_IN: "in",
    Kind.EVENT_OUT: "out",
    Kind.CONNECT: "connect",
    Kind.DISCONNECT: "disconnect",
    Kind.JOIN: "join",
    Kind.LEAVE: "leave",
    Kind.PROBE_OUT: "probe out",
    Kind.PROBE_IN: "probe in",
    Kind.PROBE_ACK: "ack",
    Kind.PROBE_TIMEOUT: "no ack",
    Kind.CONNECTION: "monitor",
    Kind.PROBE_STATE: "probe",
    Kind.REJECTED: "rejected",
    Kind.ALERT: "alert",
}
KIND_TIPS: dict[Kind, str] = {
    Kind.EVENT_IN: "a socket emitted this event to the server",
    Kind.EVENT_OUT: "the server emitted this event to a socket",
    Kind.CONNECT: "a socket connected",
    Kind.DISCONNECT: "a socket disconnected, for the reason given",
    Kind.JOIN: "a socket joined a room",
    Kind.LEAVE: "a socket left a room",
    Kind.PROBE_OUT: "the emit console's probe emitted this event",
    Kind.PROBE_IN: "the server emitted this event to the probe",
    Kind.PROBE_ACK: "the server acknowledged a probe emit",
    Kind.PROBE_TIMEOUT: "a probe emit got no ack within its timeout",
    Kind.CONNECTION: "the monitor's admin connection changed state",
    Kind.PROBE_STATE: "the probe connection changed state",
    Kind.REJECTED: "a malformed admin payload was dropped",
    Kind.ALERT: "an alert rule fired or cleared",
}
#: Kinds whose payload is a JSON array of arguments (and whose size means something).
ARGUMENT_KINDS = frozenset(
    {Kind.EVENT_IN, Kind.EVENT_OUT, Kind.PROBE_OUT, Kind.PROBE_IN, Kind.PROBE_ACK}
)
#: The direction filter's menu, in order, with a separator between groups.
KIND_GROUPS: tuple[tuple[Kind, ...], ...] = (
    (Kind.EVENT_IN, Kind.EVENT_OUT),
    (Kind.CONNECT, Kind.DISCONNECT, Kind.JOIN, Kind.LEAVE),
    (Kind.PROBE_OUT, Kind.PROBE_IN, Kind.PROBE_ACK, Kind.PROBE_TIMEOUT),
    (Kind.CONNECTION, Kind.PROBE_STATE, Kind.REJECTED, Kind.ALERT),
)


#: What the details pane calls a lifecycle row's sentence.
PLAIN_LABELS: dict[Kind, str] = {
    Kind.CONNECT: "Connection",
    Kind.DISCONNECT: "Reason",
    Kind.JOIN: "Room",
    Kind.LEAVE: "Room",
    Kind.PROBE_TIMEOUT: "Result",
    Kind.CONNECTION: "Message",
    Kind.PROBE_STATE: "Message",
    Kind.REJECTED: "Rejected",
    Kind.ALERT: "Alert",
}


class LogRow(NamedTuple):
    """One row, materialised for a view, the details pane or an export."""

    seq: int
    at: float  # epoch seconds
    server: str
    namespace: str
    socket: str
    kind: Kind
    event: str
    size: int  # the payload's true size in bytes (0 for lifecycle rows)
    flags: int
    text: str  # the payload text held in memory: JSON arguments, or a sentence
    preview: str  # one line, at most PREVIEW_CHARS characters

    @property
    def truncated(self) -> bool:
        return bool(self.flags & TRUNCATED)

    @property
    def has_binary(self) -> bool:
        return bool(self.flags & BINARY)

    @property
    def is_plain(self) -> bool:
        return bool(self.flags & PLAIN)

    def details(self) -> str:
        """Everything about the row as plain text: arguments pretty-printed, binary as hex."""
        day = time.strftime("%Y-%m-%d", time.localtime(self.at))
        event = shorten(self.event)
        lines = [
            f"{KIND_LABELS[self.kind]}  {event}".rstrip() + f"  ({KIND_TIPS[self.kind]})",
            f"Time       {day} {time_of_day(self.at, millis=True)}",
        ]
        if event != self.event:
            lines.append(
                f"Name       {len(self.event):,} characters: only the first {SHOWN_CHARS} are shown"
            )
        for label, value in (
            ("Server", self.server),
            ("Namespace", self.namespace),
            ("Socket", self.socket),
        ):
            if value:
                lines.append(f"{label:<10} {value}")
        if self.is_plain:
            lines.append(f"\n{PLAIN_LABELS.get(self.kind, 'Text')}: {self.text}")
            return "\n".join(lines)
        lines.append(f"Size       {format_size(self.size)}")
        if self.truncated:
            lines.append(
                f"\nOnly the first {len(self.text.encode('utf-8')):,} of {self.size:,} bytes are "
                "held in memory; the session recording keeps the whole payload. As held:\n"
            )
            lines.append(self.text)
            return "\n".join(lines)
        try:
            args = json.loads(self.text)
            listed = args if isinstance(args, list) else ()
            shown = [_argument(number, arg) for number, arg in enumerate(listed, start=1)]
        except (ValueError, TypeError, RecursionError):  # not JSON, or deeper than json goes
            lines.extend(("", self.text))
            return "\n".join(lines)
        if not isinstance(args, list) or not args:
            lines.append("\nNo arguments.")
        lines.extend(shown)
        return "\n".join(lines)


def format_size(size: int) -> str:
    """``1,234 bytes``, and past a megabyte the size people read: ``10,000,004 bytes (10.0 MB)``."""
    if size < 1_000_000:
        return f"{size:,} bytes"
    return f"{size:,} bytes ({format_bytes(size)})"


def _argument(number: int, arg: object) -> str:
    value = from_jsonable(arg)
    if isinstance(value, bytes):
        return f"\nArgument {number}: binary, {len(value):,} bytes\n{hex_dump(value)}"
    return f"\nArgument {number}:\n{json.dumps(arg, indent=2, ensure_ascii=False)}"
