"""The monitor's state of one admin connection, the same for every front end.

The window, ``snapshot``, ``watch``, ``record``, replay and the exporter all
fold the admin stream into one of these, and tick its health clock from a
timer of their own. Because the verdicts (a silent server dropped from the
totals, production or development mode, the monitor's own namespace hidden)
are reached here and nowhere else, every front end shows the same numbers
from the same stream; a front end adds presentation only.
"""

from __future__ import annotations

from dataclasses import dataclass

from sio_monitor.domain.events import (
    ClockTicked,
    ConnectionChanged,
    DomainEvent,
    PayloadRejected,
)
from sio_monitor.domain.settings import DEFAULT_ADMIN_NAMESPACE
from sio_monitor.domain.throughput.rates import Rates
from sio_monitor.domain.topology.changes import ChangeSet
from sio_monitor.domain.topology.topology import Topology

#: A verdict is judged this long after its deadline, so that it never comes a hair early.
HEALTH_MARGIN = 0.05


@dataclass(slots=True)
class Applied:
    """What one applied batch said, beyond its row changes: what a front end reports."""

    changes: ChangeSet
    connection: ConnectionChanged | None = None  # the newest of the batch
    rejection: PayloadRejected | None = None  # the newest of the batch


class MonitorState:
    """Topology, rates and the health clock of one connection; the only writer of all three."""

    def __init__(self, admin_namespace: str = DEFAULT_ADMIN_NAMESPACE) -> None:
        self.admin_namespace = admin_namespace
        self.topology = Topology()
        self.rates = self._new_rates()
        self.applied_events = 0
        self.rejected_payloads = 0
        self.last_connection: ConnectionChanged | None = None
        self.replaced = False  # the next change-set says the state was replaced

    def _new_rates(self) -> Rates:
        # python-socketio reports the monitor's own commands as admin-namespace traffic
        return Rates(ignored_namespaces=(self.admin_namespace,))

    def reset(self, admin_namespace: str | None = None) -> None:
        """Forget the server: a new one is not the old one with changes.

        The counters of what was applied and rejected stay: they describe this
        monitor's run, not a server.
        """
        if admin_namespace is not None:
            self.admin_namespace = admin_namespace
        self.topology = Topology()
        self.rates = self._new_rates()
        self.last_connection = None
        self.replaced = True

    def apply(self, batch: list[DomainEvent]) -> Applied:
        """Fold a batch into the topology and the rates in one pass, in order."""
        changes = self.topology.apply(batch)
        if self.replaced:
            changes.replaced = changes.reset = True
            self.replaced = False
        self.rates.apply(batch)
        self.applied_events += len(batch)
        applied = Applied(changes)
        for event in batch:
            if isinstance(event, ConnectionChanged):
                applied.connection = event
            elif isinstance(event, PayloadRejected):
                applied.rejection = event
                self.rejected_payloads += 1
        if applied.connection is not None:
            self.last_connection = applied.connection
        return applied

    # --- the health clock ----------------------------------------------------

    def health_due(self) -> float | None:
        """When the next health verdict is due (epoch seconds, margin included), or None."""
        deadline = self.topology.next_health_check()
        return None if deadline is None else deadline + HEALTH_MARGIN

    def tick_due(self, now: float) -> ClockTicked | None:
        """The clock event to add to the next batch when a verdict is due by ``now``."""
        due = self.health_due()
        return ClockTicked(now) if due is not None and now >= due else None

    def tick(self, now: float) -> Applied:
        """Judge health now, as a batch of its own (headless front ends, tests)."""
        return self.apply([ClockTicked(now)])

    # --- one answer for every view -------------------------------------------

    @property
    def is_production(self) -> bool | None:
        """True in production mode, False in development, None until the server said."""
        return self.topology.is_production
