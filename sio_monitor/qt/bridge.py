"""The bridge: domain events in at network speed, one applied batch out per tick.

The admin client calls ``sink`` once per event; that appends to a list and, on
the first event after a quiet spell, arms one single-shot timer. When it fires,
the whole batch is applied to the topology and the rates in one pass and views
hear about it once (``batch_applied``), so the cost of a redraw is paid per
tick, never per event (PlotJuggler's coalescing design). What a batch revealed
that a person should read (a server clock that is off, a socket list found
incomplete) comes out as one ``notice`` sentence each, for the status bar.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from sio_monitor.domain.events import ConnectionChanged, DomainEvent, PayloadRejected
from sio_monitor.domain.throughput.rates import Rates
from sio_monitor.domain.topology.changes import ChangeSet
from sio_monitor.domain.topology.topology import Topology

#: Milliseconds between the first event of a batch and its application.
COALESCE_MS = 30


class EventBridge(QObject):
    """Owns the topology and the rates of one connection; the only writer of both."""

    batch_applied = Signal(object)  # ChangeSet
    events_applied = Signal(object)  # list[DomainEvent]: the batch itself, for action tracking
    connection_changed = Signal(object)  # ConnectionChanged, the newest of the batch
    payload_rejected = Signal(object)  # PayloadRejected, the newest of the batch
    notice = Signal(str)  # a sentence for the status bar, said once

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.topology = Topology()
        self.rates = Rates(ignored_namespaces=("/admin",))
        self.applied_events = 0
        self.rejected_payloads = 0
        self.last_connection: ConnectionChanged | None = None
        #: The monitor's own namespace: servers report it like any other, views hide it.
        self.admin_namespace = "/admin"
        self._pending: list[DomainEvent] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(COALESCE_MS)
        self._timer.timeout.connect(self.flush)

    def sink(self, event: DomainEvent) -> None:
        """Called by the network layer for every event: append, arm, return."""
        if not self._pending:  # nothing pending means the timer is not armed: no Qt call
            self._timer.start()
        self._pending.append(event)

    def flush(self) -> ChangeSet | None:
        """Apply everything pending now; tests call it directly instead of waiting."""
        self._timer.stop()
        if not self._pending:
            return None
        batch, self._pending = self._pending, []
        changes = self.topology.apply(batch)
        self.rates.apply(batch)
        self.applied_events += len(batch)
        newest_state: ConnectionChanged | None = None
        newest_rejection: PayloadRejected | None = None
        for event in batch:
            if isinstance(event, ConnectionChanged):
                newest_state = event
            elif isinstance(event, PayloadRejected):
                newest_rejection = event
                self.rejected_payloads += 1
        if newest_state is not None:
            self.last_connection = newest_state
            self.connection_changed.emit(newest_state)
        if newest_rejection is not None:
            self.payload_rejected.emit(newest_rejection)
        self.events_applied.emit(batch)
        self.batch_applied.emit(changes)
        for sentence in changes.notices:
            self.notice.emit(sentence)
        return changes

    def reset(self, admin_namespace: str = "/admin") -> None:
        """Forget everything: a new server is not the old one with changes."""
        self.admin_namespace = admin_namespace
        self._timer.stop()
        self._pending.clear()
        self.topology = Topology()
        # python-socketio reports the monitor's own commands as admin-namespace traffic
        self.rates = Rates(ignored_namespaces=(admin_namespace,))
        self.last_connection = None
