"""One path from a probe event to a log row, for the emit console's log and the event log alike.

The probe's events arrive in one ordered stream (``probe_events``); both logs
read them through ``ProbeRows``, which knows the little a single event does
not say: an ack names only its emit's id, so the emits still waiting for an
ack are remembered (``AckPairing``) to give the ack its namespace and event;
and probe events carry no socket id, so the probe's own is remembered. The
sentences beside a row (``ack after 3.2 ms with 1 argument``, ``no ack within
5 s``) are made here once, for every log and for the emit form's result line.
"""

from __future__ import annotations

import enum
from typing import Any, NamedTuple

from sio_monitor.domain.emit.emit_args import preview
from sio_monitor.domain.emit.probe_events import (
    ProbeAckReceived,
    ProbeAckTimedOut,
    ProbeEmitted,
    ProbeEventReceived,
    ProbeState,
    ProbeStateChanged,
)

#: Emits remembered while they wait for their ack; past it the oldest is forgotten.
MAX_PENDING_EMITS = 10_000


def ack_sentence(rtt_ms: float, count: int) -> str:
    """``ack after 3.2 ms with 1 argument``: an ack's round trip and the size of its reply."""
    return f"ack after {rtt_ms:.1f} ms with {count} argument{'s' * (count != 1)}"


def no_ack_sentence(timeout: float) -> str:
    """``no ack within 5 s``: an emit whose ack did not come in time."""
    return f"no ack within {timeout:g} s"


class AckPairing:
    """Which emit an ack answers: the namespace and event of each emit still waiting for one."""

    def __init__(self, limit: int = MAX_PENDING_EMITS) -> None:
        self.limit = limit
        self._waiting: dict[int, tuple[str, str]] = {}

    def __len__(self) -> int:
        return len(self._waiting)

    def sent(self, emit: ProbeEmitted) -> None:
        """Remember an emit that asked for an ack; one that did not is never answered."""
        if emit.ack_timeout is None:
            return
        if len(self._waiting) >= self.limit:
            del self._waiting[next(iter(self._waiting))]
        self._waiting[emit.emit_id] = (emit.namespace, emit.event)

    def answered(self, emit_id: int) -> tuple[str, str]:
        """The (namespace, event) of the emit an ack or a timeout settles; empty when unknown."""
        return self._waiting.pop(emit_id, ("", ""))


class RowKind(enum.Enum):
    SENT = "sent"  # the probe emitted an event
    RECEIVED = "received"  # the server sent the probe an event
    ACK = "ack"  # the server acknowledged an emit
    TIMEOUT = "timeout"  # no ack came within the emit's timeout
    STATE = "state"  # the probe connection changed state


#: Rows whose arguments are the payload; the others carry a sentence only.
ARGUMENT_ROWS = frozenset({RowKind.SENT, RowKind.RECEIVED, RowKind.ACK})


class ProbeRow(NamedTuple):
    """A probe event as a log shows it; ``source`` is the event, for the sentence beside it."""

    kind: RowKind
    at: float
    namespace: str
    event: str
    args: tuple[Any, ...]
    socket: str  # the probe's socket id at the time; empty while it has none
    source: object

    def result(self) -> str:
        """The sentence beside the row: the wait for an ack, its round trip, the state, …"""
        source = self.source
        if isinstance(source, ProbeEmitted):
            timeout = source.ack_timeout
            return f"waiting up to {timeout:g} s for an ack" if timeout else ""
        if isinstance(source, ProbeEventReceived):
            if source.acked_with is None:
                return ""
            return f"server asked for an ack; answered {preview(source.acked_with, 80)}"
        if isinstance(source, ProbeAckReceived):
            return ack_sentence(source.rtt_ms, len(source.args))
        if isinstance(source, ProbeAckTimedOut):
            return no_ack_sentence(source.timeout)
        if isinstance(source, ProbeStateChanged):
            return source.message
        return ""


class ProbeRows:
    """Turns the probe's events, in order, into log rows; one per log that shows them."""

    def __init__(self, max_pending: int = MAX_PENDING_EMITS) -> None:
        self.pairing = AckPairing(max_pending)
        #: The probe's socket id while it is connected.
        self.socket = ""

    def row(self, event: object) -> ProbeRow | None:
        """The row ``event`` makes, or None for anything that is not a probe event."""
        if isinstance(event, ProbeEmitted):
            self.pairing.sent(event)
            return ProbeRow(
                RowKind.SENT, event.at, event.namespace, event.event, event.args, self.socket, event
            )
        if isinstance(event, ProbeEventReceived):
            return ProbeRow(
                RowKind.RECEIVED,
                event.at,
                event.namespace,
                event.event,
                event.args,
                self.socket,
                event,
            )
        if isinstance(event, ProbeAckReceived):
            namespace, name = self.pairing.answered(event.emit_id)
            return ProbeRow(RowKind.ACK, event.at, namespace, name, event.args, self.socket, event)
        if isinstance(event, ProbeAckTimedOut):
            namespace, name = self.pairing.answered(event.emit_id)
            return ProbeRow(RowKind.TIMEOUT, event.at, namespace, name, (), self.socket, event)
        if isinstance(event, ProbeStateChanged):
            if event.state is ProbeState.CONNECTED and event.sid:
                self.socket = event.sid
            row = ProbeRow(RowKind.STATE, event.at, "", "", (), self.socket, event)
            if event.state is ProbeState.DISCONNECTED:
                self.socket = ""
            return row
        return None
