"""Typed events of the probe connection: what the emit console shows and the CLI reports.

The probe client hands each of these to a sink, as the admin client does with
its own events, so the window, the ``emit`` command and the tests read one
ordered stream. Arguments are kept exactly as they travelled (binary as
``bytes``); timestamps are epoch seconds.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from sio_monitor.domain.events import FailureKind


class ProbeState(enum.Enum):
    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"


@dataclass(frozen=True, slots=True)
class ProbeStateChanged:
    """The probe changed state; ``message`` is the sentence a user reads.

    ``failure`` is set when a connection attempt failed, and decides the
    command line's exit code.
    """

    state: ProbeState
    message: str
    at: float
    sid: str | None = None
    transport: str | None = None
    namespaces: tuple[str, ...] = ()
    failure: FailureKind | None = None
    #: The server's Socket.IO major version once connected: 2, or 4 for 3 and 4 alike.
    socketio_version: int | None = None


@dataclass(frozen=True, slots=True)
class ProbeEventReceived:
    """The server sent an event; ``acked_with`` is our reply when it asked for an ack."""

    namespace: str
    event: str
    args: tuple[Any, ...]
    at: float
    acked_with: tuple[Any, ...] | None = None


@dataclass(frozen=True, slots=True)
class ProbeEmitted:
    """An event left for the server; ``ack_timeout`` is None when no ack was asked for."""

    emit_id: int
    namespace: str
    event: str
    args: tuple[Any, ...]
    at: float
    ack_timeout: float | None


@dataclass(frozen=True, slots=True)
class ProbeAckReceived:
    emit_id: int
    args: tuple[Any, ...]
    rtt_ms: float
    at: float


@dataclass(frozen=True, slots=True)
class ProbeAckTimedOut:
    emit_id: int
    timeout: float
    at: float


@dataclass(frozen=True, slots=True)
class EmitResult:
    """What one emit came to: ``reply`` holds every argument of the ack, in order."""

    emit_id: int
    acked: bool
    reply: tuple[Any, ...] = ()
    rtt_ms: float | None = None
    timed_out: bool = False


ProbeEvent = (
    ProbeStateChanged | ProbeEventReceived | ProbeEmitted | ProbeAckReceived | ProbeAckTimedOut
)
