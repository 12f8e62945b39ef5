"""All-time counts of one admin connection's stream, for counters that only ever go up.

``Rates`` keeps a window of per-second series for charts, and what falls out
of the window is gone: a Prometheus counter needs the count since the start
instead. ``Totals`` folds the same batches as the monitor state, counting
exactly what ``watch`` counts between two lines (events by their arrival,
connections and disconnections from the servers' one-second buckets, the
monitor's own admin namespace left out), and never forgets. Memory is fixed:
past a cap, new event names, disconnection reasons and server ids count
under ``(other)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sio_monitor.domain.events import (
    ConnectionChanged,
    ConnectionState,
    DomainEvent,
    EventReceived,
    EventSent,
    ServerStatsReceived,
)
from sio_monitor.domain.throughput.rates import NO_REASON, OTHER

#: Distinct (namespace, event name) pairs counted apart; later ones count under ``(other)``.
MAX_EVENT_KEYS = 2000
#: Distinct (server, reason) pairs of disconnections counted apart.
MAX_REASON_KEYS = 256
#: Distinct server ids counted apart (python nodes take a new id at every restart).
MAX_SERVERS = 64
#: Bucket types of the servers' stats that are summed per server.
SERVER_COUNTS = ("bytesIn", "bytesOut", "packetsIn", "packetsOut", "rawConnection")


@dataclass(slots=True)
class EventCount:
    """How often one event name was received and sent in one namespace."""

    received: int = 0
    sent: int = 0

    @property
    def both(self) -> int:
        return self.received + self.sent


@dataclass
class Totals:
    """Counts since the start of a run, over every (re)connection of it."""

    admin_namespace: str
    #: (namespace, event name) -> counts; ``(other)`` past ``MAX_EVENT_KEYS``.
    events: dict[tuple[str, str], EventCount] = field(default_factory=dict)
    #: (bucket type, server id) -> sum of the servers' one-second buckets.
    servers: dict[tuple[str, str], int] = field(default_factory=dict)
    #: (server id, reason) -> disconnections (python-socketio gives no reason).
    disconnections: dict[tuple[str, str], int] = field(default_factory=dict)
    #: Times the admin connection was lost and retried.
    losses: int = 0
    _state: ConnectionState | None = None
    _servers_seen: set[str] = field(default_factory=set)

    def note(self, batch: Iterable[DomainEvent]) -> None:
        """Count one batch, the one just applied to the monitor state."""
        for event in batch:
            kind = type(event)
            if kind is EventReceived or kind is EventSent:
                self._event(event, kind is EventReceived)  # type: ignore[arg-type]
            elif kind is ServerStatsReceived:
                self._stats(event)  # type: ignore[arg-type]
            elif kind is ConnectionChanged:
                self._connection(event)  # type: ignore[arg-type]

    def _event(self, event: EventReceived | EventSent, received: bool) -> None:
        if event.nsp == self.admin_namespace:
            return  # python-socketio reports the monitor's own traffic too
        key = (event.nsp, event.name)
        count = self.events.get(key)
        if count is None:
            if len(self.events) >= MAX_EVENT_KEYS:
                key = (event.nsp, OTHER)
                count = self.events.get(key)
            if count is None:
                count = self.events[key] = EventCount()
        if received:
            count.received += 1
        else:
            count.sent += 1

    def _stats(self, event: ServerStatsReceived) -> None:
        server = event.server_id
        if server not in self._servers_seen:
            if len(self._servers_seen) >= MAX_SERVERS:
                server = OTHER
            self._servers_seen.add(server)
        for bucket in event.aggregated:
            if bucket.type in SERVER_COUNTS:
                key = (bucket.type, server)
                self.servers[key] = self.servers.get(key, 0) + bucket.count
            elif bucket.type == "rawDisconnection":
                reason = (server, bucket.sub_type or NO_REASON)
                if reason not in self.disconnections and (
                    len(self.disconnections) >= MAX_REASON_KEYS
                ):
                    reason = (server, OTHER)
                self.disconnections[reason] = self.disconnections.get(reason, 0) + bucket.count

    def _connection(self, event: ConnectionChanged) -> None:
        if event.state is ConnectionState.RECONNECTING and self._state is not event.state:
            self.losses += 1
        self._state = event.state

    def server_count(self, kind: str, server: str) -> int:
        return self.servers.get((kind, server), 0)

    def server_ids(self) -> list[str]:
        """Every server that reported a bucket, also those gone since."""
        ids = {server for _, server in self.servers} | {s for s, _ in self.disconnections}
        return sorted(ids)
