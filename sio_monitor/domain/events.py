"""Typed domain events: what the admin client hands to the rest of the app.

The network layer turns each validated wire payload into one of these and
nothing else crosses the boundary, so the topology, the rates and the views
never see a raw dict and never have to guess which server flavour sent it.
Timestamps are epoch seconds (floats): cheap to compare and to bucket.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class ConnectionState(enum.Enum):
    """What the admin connection is doing, as the status bar says it."""

    IDLE = "idle"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    FAILED = "failed"
    DISCONNECTED = "disconnected"


class FailureKind(enum.Enum):
    """Why a connection failed; decides the sentence shown and the CLI exit code."""

    CREDENTIALS = "credentials"  # exit code 2
    UNREACHABLE = "unreachable"  # exit code 3
    TIMEOUT = "timeout"  # exit code 3
    NOT_INSTRUMENTED = "not_instrumented"  # exit code 4
    PROTOCOL = "protocol"  # exit code 4


@dataclass(frozen=True, slots=True)
class Handshake:
    address: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    issued: float | None = None  # epoch seconds
    time: str = ""
    secure: bool = False
    url: str = ""
    xdomain: bool | None = None


@dataclass(frozen=True, slots=True)
class SocketInfo:
    """One Socket.IO socket as the admin protocol serialises it (SerializedSocket)."""

    id: str
    client_id: str
    nsp: str
    transport: str = "websocket"
    data: Any = None
    rooms: tuple[str, ...] = ()
    handshake: Handshake = field(default_factory=Handshake)
    connected_at: float | None = None  # epoch seconds; from the event timestamp or issued
    #: Fields the server sent malformed, left at their defaults: show them as unknown.
    unknown: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NamespaceCount:
    name: str
    sockets_count: int


@dataclass(frozen=True, slots=True)
class AggregatedBucket:
    """One second of server-side counts (``aggregatedEvents``)."""

    timestamp: float  # epoch seconds, start of the bucket
    type: str  # rawConnection, rawDisconnection, packetsIn, packetsOut, bytesIn, bytesOut
    count: int
    sub_type: str | None = None  # Node: the disconnection reason


# --- protocol events -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConfigReceived:
    features: frozenset[str]
    at: float


@dataclass(frozen=True, slots=True)
class SessionReceived:
    session_id: str
    at: float


@dataclass(frozen=True, slots=True)
class AllSocketsReceived:
    sockets: tuple[SocketInfo, ...]
    at: float


@dataclass(frozen=True, slots=True)
class ServerStatsReceived:
    server_id: str
    hostname: str
    pid: int | None
    uptime: float  # seconds
    clients_count: int
    polling_clients_count: int
    namespaces: tuple[NamespaceCount, ...]
    aggregated: tuple[AggregatedBucket, ...]
    at: float  # receive time


@dataclass(frozen=True, slots=True)
class SocketConnected:
    socket: SocketInfo
    at: float


@dataclass(frozen=True, slots=True)
class SocketUpdated:
    nsp: str
    id: str
    changes: dict[str, Any]  # subset of {"transport", "data"}
    at: float


@dataclass(frozen=True, slots=True)
class SocketDisconnected:
    nsp: str
    id: str
    reason: str
    at: float


@dataclass(frozen=True, slots=True)
class RoomJoined:
    nsp: str
    room: str
    id: str
    at: float


@dataclass(frozen=True, slots=True)
class RoomLeft:
    nsp: str
    room: str
    id: str
    at: float


@dataclass(frozen=True, slots=True)
class EventReceived:
    """A socket sent an event to the server (development mode only)."""

    nsp: str
    id: str
    name: str
    args: tuple[Any, ...]
    at: float


@dataclass(frozen=True, slots=True)
class EventSent:
    """The server sent an event to a socket (development mode only)."""

    nsp: str
    id: str
    name: str
    args: tuple[Any, ...]
    at: float


# --- connection lifecycle --------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConnectionChanged:
    """The admin connection changed state; ``message`` is the sentence to show."""

    state: ConnectionState
    message: str
    at: float
    failure: FailureKind | None = None


@dataclass(frozen=True, slots=True)
class PayloadRejected:
    """A malformed payload, or the malformed part of one, was dropped; counted and shown.

    A payload is refused only as far as it is wrong: ``item`` names the list
    entry that was dropped (a socket's position and id, a namespace entry) and
    ``field`` the field left unknown, both empty when the whole event went.
    """

    event_name: str
    reason: str
    at: float
    item: str = ""
    field: str = ""

    def describe(self) -> str:
        """One line for the log and the status bar: event, item, field, why."""
        where = " ".join(part for part in (self.event_name, self.item, self.field) if part)
        return f"{where}: {self.reason}"

    def as_json(self) -> dict[str, str]:
        """The form ``watch --json`` and ``snapshot --json`` print."""
        return {
            "event": self.event_name,
            "item": self.item,
            "field": self.field,
            "why": self.reason,
        }


ProtocolEvent = (
    ConfigReceived
    | SessionReceived
    | AllSocketsReceived
    | ServerStatsReceived
    | SocketConnected
    | SocketUpdated
    | SocketDisconnected
    | RoomJoined
    | RoomLeft
    | EventReceived
    | EventSent
)


@dataclass(frozen=True, slots=True)
class ClockTicked:
    """Time reached ``at`` (epoch seconds, the receive clock): judge what ages by itself."""

    at: float


@dataclass(frozen=True, slots=True)
class ReconnectScheduled:
    """The admin client waits until ``retry_at`` before its ``attempt``-th try to get back."""

    attempt: int
    retry_at: float
    at: float


@dataclass(frozen=True, slots=True)
class ServerStalled:
    """The server stopped answering without closing the connection.

    Nothing was heard for ``silence`` seconds although Engine.IO promised a
    ping every ``ping_interval`` (and allows ``ping_timeout`` more for it): the
    client gave up on the connection. Sent just before the ``ConnectionChanged``
    that says so, so a view can tell a hung server from a closed connection.
    """

    silence: float
    ping_interval: float
    ping_timeout: float
    at: float


@dataclass(frozen=True, slots=True)
class ClockSkewMeasured:
    """A server's clock disagrees with this computer's (or agrees again: ``offset`` 0.0).

    ``offset`` is the server's time minus this computer's, in seconds.
    ``server_id`` names the server when the measure came from its own
    ``server_stats``; None when it came from per-socket events, which name
    no server. Times from such a clock have been replaced by receive times
    before they reached anyone, so this only says by how much, for the views.
    """

    server_id: str | None
    offset: float
    at: float


DomainEvent = (
    ProtocolEvent
    | ConnectionChanged
    | PayloadRejected
    | ClockTicked
    | ReconnectScheduled
    | ServerStalled
    | ClockSkewMeasured
)
