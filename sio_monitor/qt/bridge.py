"""The bridge: domain events in at network speed, one applied batch out per tick.

The admin client calls ``sink`` once per event; that appends to a list and, on
the first event after a quiet spell, arms one single-shot timer. When it fires,
the whole batch is applied to the connection's ``MonitorState`` (the same
object the terminal front ends fold the stream into) in one pass and views
hear about it once (``batch_applied``), so the cost of a redraw is paid per
tick, never per event (PlotJuggler's coalescing design). What a batch revealed
that a person should read (a server clock that is off, a socket list found
incomplete) comes out as one ``notice`` sentence each, for the status bar.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from sio_monitor.domain.events import ConnectionChanged, DomainEvent
from sio_monitor.domain.monitor_state import MonitorState
from sio_monitor.domain.settings import DEFAULT_ADMIN_NAMESPACE
from sio_monitor.domain.throughput.rates import Rates
from sio_monitor.domain.topology.changes import ChangeSet
from sio_monitor.domain.topology.topology import Topology
from sio_monitor.qt.timers import coalescing_timer

#: Milliseconds between the first event of a batch and its application.
COALESCE_MS = 30


class EventBridge(QObject):
    """A Qt coalescer around the connection's ``MonitorState``, its only writer in the window."""

    batch_applied = Signal(object)  # ChangeSet
    events_applied = Signal(object)  # list[DomainEvent]: the batch itself, for action tracking
    connection_changed = Signal(object)  # ConnectionChanged, the newest of the batch
    payload_rejected = Signal(object)  # PayloadRejected, the newest of the batch
    notice = Signal(str)  # a sentence for the status bar, said once

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = MonitorState()
        self._pending: list[DomainEvent] = []
        self._timer = coalescing_timer(self, COALESCE_MS, self.flush)

    # The views read the state through the bridge, which outlives a reset.
    @property
    def topology(self) -> Topology:
        return self.state.topology

    @property
    def rates(self) -> Rates:
        return self.state.rates

    @property
    def admin_namespace(self) -> str:
        """The monitor's own namespace: servers report it like any other, views hide it."""
        return self.state.admin_namespace

    @property
    def applied_events(self) -> int:
        return self.state.applied_events

    @property
    def rejected_payloads(self) -> int:
        return self.state.rejected_payloads

    @property
    def last_connection(self) -> ConnectionChanged | None:
        return self.state.last_connection

    def sink(self, event: DomainEvent) -> None:
        """Called by the network layer for every event: append, arm, return."""
        if not self._pending:  # nothing pending means the timer is not armed: no Qt call
            self._timer.start()
        self._pending.append(event)

    def flush(self) -> ChangeSet | None:
        """Apply everything pending now; tests call it directly instead of waiting."""
        self._timer.stop()
        if not self._pending and not self.state.replaced:
            return None
        batch, self._pending = self._pending, []
        applied = self.state.apply(batch)
        if applied.connection is not None:
            self.connection_changed.emit(applied.connection)
        if applied.rejection is not None:
            self.payload_rejected.emit(applied.rejection)
        self.events_applied.emit(batch)
        self.batch_applied.emit(applied.changes)
        for sentence in applied.changes.notices:
            self.notice.emit(sentence)
        return applied.changes

    def reset(self, admin_namespace: str = DEFAULT_ADMIN_NAMESPACE) -> None:
        """Forget the server; the next batch says the topology was replaced."""
        self._timer.stop()
        self._pending.clear()
        self.state.reset(admin_namespace)
        self.flush()  # views hear of the replacement at once, in a change-set of its own
