"""One path from a probe event to a log row: the ack-to-emit pairing and the sentences."""

from __future__ import annotations

from sio_monitor.domain.emit.probe_events import (
    ProbeAckReceived,
    ProbeAckTimedOut,
    ProbeEmitted,
    ProbeEventReceived,
    ProbeState,
    ProbeStateChanged,
)
from sio_monitor.domain.emit.probe_rows import (
    AckPairing,
    ProbeRows,
    RowKind,
    ack_sentence,
    no_ack_sentence,
)

T0 = 1_700_000_000.0


def test_the_sentences() -> None:
    assert ack_sentence(3.25, 1) == "ack after 3.2 ms with 1 argument"
    assert ack_sentence(12.0, 0) == "ack after 12.0 ms with 0 arguments"
    assert no_ack_sentence(0.5) == "no ack within 0.5 s"
    assert no_ack_sentence(5.0) == "no ack within 5 s"


def test_an_ack_and_a_timeout_are_named_after_their_emit() -> None:
    rows = ProbeRows()
    stream = [
        ProbeStateChanged(ProbeState.CONNECTED, "Probe connected.", T0, sid="p1"),
        ProbeEmitted(1, "/chat", "ping", ({"n": 1},), T0 + 1, 5.0),
        ProbeEmitted(2, "/chat", "slow", (), T0 + 1, 0.5),
        ProbeEmitted(3, "/", "fire", (), T0 + 1, None),
        ProbeEventReceived("/chat", "question", ("?",), T0 + 2, acked_with=("yes",)),
        ProbeAckReceived(1, ("pong",), 3.2, T0 + 2),
        ProbeAckTimedOut(2, 0.5, T0 + 3),
        ProbeStateChanged(ProbeState.DISCONNECTED, "Probe disconnected.", T0 + 4),
        ProbeEventReceived("/chat", "late", (), T0 + 5),
        "not a probe event",
    ]
    made = [rows.row(event) for event in stream]
    assert made[-1] is None
    got = [(r.kind, r.namespace, r.event, r.args, r.socket, r.result()) for r in made if r]
    assert got == [
        (RowKind.STATE, "", "", (), "p1", "Probe connected."),
        (RowKind.SENT, "/chat", "ping", ({"n": 1},), "p1", "waiting up to 5 s for an ack"),
        (RowKind.SENT, "/chat", "slow", (), "p1", "waiting up to 0.5 s for an ack"),
        (RowKind.SENT, "/", "fire", (), "p1", ""),
        (RowKind.RECEIVED, "/chat", "question", ("?",), "p1",
         'server asked for an ack; answered ["yes"]'),
        (RowKind.ACK, "/chat", "ping", ("pong",), "p1", "ack after 3.2 ms with 1 argument"),
        (RowKind.TIMEOUT, "/chat", "slow", (), "p1", "no ack within 0.5 s"),
        (RowKind.STATE, "", "", (), "p1", "Probe disconnected."),
        (RowKind.RECEIVED, "/chat", "late", (), "", ""),
    ]  # fmt: skip
    assert len(rows.pairing) == 0  # settled emits, and the one that asked no ack, are not kept


def test_the_pairing_is_bounded_and_forgets_the_oldest() -> None:
    pairing = AckPairing(limit=2)
    for emit_id in (1, 2, 3):
        pairing.sent(ProbeEmitted(emit_id, "/", f"e{emit_id}", (), T0, 5.0))
    assert len(pairing) == 2
    assert pairing.answered(1) == ("", "")  # forgotten: the ack row names no event
    assert pairing.answered(3) == ("/", "e3")
    assert pairing.answered(3) == ("", "")
