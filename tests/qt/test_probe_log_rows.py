"""The emit console's log and the event log read the probe's events through one path."""

from __future__ import annotations

from typing import Any

from sio_monitor.domain.emit.probe_events import (
    ProbeAckReceived,
    ProbeAckTimedOut,
    ProbeEmitted,
    ProbeState,
    ProbeStateChanged,
)
from sio_monitor.qt.models.emit_log_model import ACK, SENT, STATE, TIMEOUT, EmitLogModel
from sio_monitor.qt.models.eventlog_model import EventLogModel

T0 = 1_700_000_000.0
STREAM = [
    ProbeStateChanged(ProbeState.CONNECTED, "Probe connected.", T0, sid="p1"),
    ProbeEmitted(1, "/chat", "ping", ("hi",), T0 + 1, 5.0),
    ProbeEmitted(2, "/chat", "slow", (), T0 + 1, 0.5),
    ProbeAckReceived(1, ("pong",), 3.2, T0 + 2),
    ProbeAckTimedOut(2, 0.5, T0 + 3),
]


def test_both_logs_pair_acks_with_their_emits_alike(qapp: Any) -> None:
    emit_log = EmitLogModel()
    emit_log.add_probe_events(STREAM)
    event_log = EventLogModel()
    event_log.add_probe(STREAM)
    shown = [emit_log.entry(r) for r in range(emit_log.rowCount())]
    assert [(e.direction, e.namespace, e.event, e.result) for e in shown] == [
        (STATE, "", "", "Probe connected."),
        (SENT, "/chat", "ping", "waiting up to 5 s for an ack"),
        (SENT, "/chat", "slow", "waiting up to 0.5 s for an ack"),
        (ACK, "/chat", "ping", "ack after 3.2 ms with 1 argument"),
        (TIMEOUT, "/chat", "slow", "no ack within 0.5 s"),
    ]
    logged = [event_log.log_row(r) for r in range(event_log.rowCount())]
    assert [(r.namespace, r.event, r.socket) for r in logged] == [
        ("", "", "p1"),
        ("/chat", "ping", "p1"),
        ("/chat", "slow", "p1"),
        ("/chat", "ping", "p1"),
        ("/chat", "slow", "p1"),
    ]
    assert logged[-1].text == shown[-1].result
