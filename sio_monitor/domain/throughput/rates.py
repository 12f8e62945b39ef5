"""Per-second throughput series over a fixed window, from stats buckets and events.

Servers report ``aggregatedEvents`` as one-second buckets, about one stats
interval's worth per message, and a second can be split across two messages:
buckets are added, never overwritten. In development mode every
``event_received``/``event_sent`` is also counted, by its own timestamp's
second, per namespace and per event name (an hour of exact per-second
counts for the names ``NameHistory`` holds), and every ``socket_disconnected``
by its reason. Memory is fixed: ring buffers of one slot per second, and a cap
on the distinct event names, namespaces, servers and disconnection reasons
tracked (the rest are counted under ``(other)``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sio_monitor.domain.events import (
    DomainEvent,
    EventReceived,
    EventSent,
    ServerStatsReceived,
    SocketDisconnected,
)
from sio_monitor.domain.throughput.name_history import HELD_NAMES, NameHistory
from sio_monitor.domain.throughput.rings import Ring
from sio_monitor.domain.topology.servers import ServerState

SERVER_METRICS = (
    "bytesIn",
    "bytesOut",
    "packetsIn",
    "packetsOut",
    "rawConnection",
    "rawDisconnection",
)
EVENT_METRICS = ("eventsReceived", "eventsSent")
#: ``socket_disconnected`` events (development mode), over all namespaces and servers.
SOCKET_DISCONNECTION = "socketDisconnection"
METRICS = SERVER_METRICS + EVENT_METRICS + (SOCKET_DISCONNECTION,)
#: Metrics counted by reason: raw ones from the stats (Node only), socket ones from the events.
REASON_METRICS = ("rawDisconnection", SOCKET_DISCONNECTION)

OTHER = "(other)"
DEFAULT_WINDOW = 3600
NAME_WINDOW = 60  # per event name only recent rates are kept, plus a total
MAX_NAMES = 500
MAX_SERVERS = 64
MAX_NAMESPACES = 256
MAX_REASONS = 32
MAX_SERVER_REASONS = 128  # (reason, server) pairs; then a server's new reasons are (other)
NO_REASON = "(no reason given)"
# A second further than this from the receive clock is a broken server clock;
# taking it would push every honest second out of the window.
MAX_SKEW = 3600.0


@dataclass(slots=True)
class EventNameStats:
    """Counts for one (namespace, event name): recent per-second, and all-time."""

    received: Ring = field(default_factory=lambda: Ring(NAME_WINDOW))
    sent: Ring = field(default_factory=lambda: Ring(NAME_WINDOW))
    total_received: int = 0
    total_sent: int = 0


class Rates:
    """All throughput series; ``apply`` takes the same batches as the topology."""

    def __init__(
        self,
        window: int = DEFAULT_WINDOW,
        max_names: int = MAX_NAMES,
        ignored_namespaces: Iterable[str] = (),
        held_names: int = HELD_NAMES,
    ) -> None:
        self.window = window
        self.max_names = max_names
        #: Exact per-second counts per event name (summed over namespaces) for the whole window.
        self.name_history = NameHistory(window, held_names)
        # The monitor's own admin traffic (python reports it as event_received).
        self.ignored_namespaces = frozenset(ignored_namespaces)
        self.newest: int | None = None  # latest second holding data
        self.received_at: float | None = None  # latest stats receive time
        self.dropped = 0  # buckets and events outside the window or the clock bounds
        self._totals: dict[str, Ring] = {m: Ring(window) for m in METRICS}
        self._by_server: dict[tuple[str, str], Ring] = {}
        self._by_namespace: dict[tuple[str, str], Ring] = {}
        self._servers: dict[str, None] = {}
        self._namespaces: dict[str, None] = {}
        self._reasons: dict[tuple[str, str | None, str], Ring] = {}  # (metric, server, reason)
        self._reason_seen: dict[tuple[str, str | None, str], int] = {}  # latest second counted
        self._reason_counts: dict[str, int] = {}  # distinct reasons per metric, and server pairs
        self._names: dict[tuple[str, str], EventNameStats] = {}
        self._reporting: dict[str, ServerState] = {}  # report rhythm of each server

    # --- applying --------------------------------------------------------------

    def apply(self, batch: Iterable[DomainEvent]) -> None:
        for event in batch:
            kind = type(event)
            if kind is EventSent or kind is EventReceived:
                self._event(event, kind is EventReceived)  # type: ignore[arg-type]
            elif kind is ServerStatsReceived:
                self._stats(event)  # type: ignore[arg-type]
            elif kind is SocketDisconnected:
                self._socket_disconnected(event)  # type: ignore[arg-type]

    def stats_complete_until(self, server: str | None = None) -> int | None:
        """The newest second the stats have fully reported, for one server or all summed.

        Each stats message drains its server's buckets up to the moment it was
        sent, so the seconds after it are not zero but unreported: a chart stops
        there instead of dipping to zero while the event stream runs ahead. For
        one server that is the second before its latest message; summed, the
        earliest of those among the servers still reporting, so one server's
        stats arriving a second after another's cannot dip the sum. A server
        silent for three of its intervals (``ServerState.is_healthy``, judged
        on the receive clock: the latest message of any server) has stopped
        and holds the edge back no longer.
        """
        if server is not None:
            state = self._reporting.get(server)
            return None if state is None else int(state.last_stats_at) - 1
        now = self.received_at
        if now is None:
            return None
        states = self._reporting.values()
        live = [state.last_stats_at for state in states if state.is_healthy(now)]
        return int(min(live) if live else now) - 1

    def _accept(self, second: int) -> bool:
        """Keep a second if it is inside the window and near the receive clock."""
        anchor = self.received_at
        if anchor is not None and abs(second - anchor) > MAX_SKEW:
            self.dropped += 1
            return False
        newest = self.newest
        if newest is None or second > newest:
            self.newest = second
        elif second <= newest - self.window:
            self.dropped += 1
            return False
        return True

    def _stats(self, event: ServerStatsReceived) -> None:
        if self.received_at is None or event.at > self.received_at:
            self.received_at = event.at
        server = _capped(self._servers, event.server_id, MAX_SERVERS)
        state = self._reporting.get(server)
        if state is None:
            state = self._reporting[server] = ServerState(server)
        state.update(event)
        for bucket in event.aggregated:
            if bucket.type not in self._totals:
                continue  # a future bucket type: nothing to chart it against
            second = int(bucket.timestamp)
            if not self._accept(second):
                continue
            self._totals[bucket.type].add(second, bucket.count)
            self._ring(self._by_server, (bucket.type, server)).add(second, bucket.count)
            if bucket.type == "rawDisconnection":  # python-socketio gives no reason
                reason = bucket.sub_type or NO_REASON
                self._reason("rawDisconnection", None, reason, second, bucket.count)
                self._reason("rawDisconnection", server, reason, second, bucket.count)

    def _socket_disconnected(self, event: SocketDisconnected) -> None:
        if event.nsp in self.ignored_namespaces:
            return
        second = int(event.at)
        if self._accept(second):
            self._totals[SOCKET_DISCONNECTION].add(second, 1)
            self._reason(SOCKET_DISCONNECTION, None, event.reason or NO_REASON, second, 1)

    def _reason(
        self, metric: str, server: str | None, reason: str, second: int, count: int
    ) -> None:
        """Count by reason, with ``(other)`` past the caps (per metric, and on server pairs)."""
        key = (metric, server, reason)
        ring = self._reasons.get(key)
        if ring is None:
            limit = MAX_SERVER_REASONS if server is not None else MAX_REASONS
            counter = "servers" if server is not None else metric
            if self._reason_counts.get(counter, 0) >= limit:
                key = (metric, server, OTHER)
                ring = self._reasons.get(key)
            else:
                self._reason_counts[counter] = self._reason_counts.get(counter, 0) + 1
            if ring is None:
                ring = self._reasons[key] = Ring(self.window)
        ring.add(second, count)
        if second > self._reason_seen.get(key, second - 1):
            self._reason_seen[key] = second

    def _event(self, event: EventReceived | EventSent, received: bool) -> None:
        if event.nsp in self.ignored_namespaces:
            return
        second = int(event.at)
        if not self._accept(second):
            return
        metric = "eventsReceived" if received else "eventsSent"
        self._totals[metric].add(second, 1)
        nsp = _capped(self._namespaces, event.nsp, MAX_NAMESPACES)
        self._ring(self._by_namespace, (metric, nsp)).add(second, 1)
        key = (nsp, event.name)
        stats = self._names.get(key)
        if stats is None:
            if len(self._names) >= self.max_names:
                key = (nsp, OTHER)
                stats = self._names.get(key)
            if stats is None:
                stats = self._names[key] = EventNameStats()
        if received:
            stats.received.add(second, 1)
            stats.total_received += 1
        else:
            stats.sent.add(second, 1)
            stats.total_sent += 1
        history = self.name_history
        history.add(event.name, second, received)
        if key[1] == OTHER and event.name != OTHER:  # the "(other)" row can be plotted too
            history.add(OTHER, second, received)

    def _ring(self, rings: dict[tuple[str, str], Ring], key: tuple[str, str]) -> Ring:
        ring = rings.get(key)
        if ring is None:
            ring = rings[key] = Ring(self.window)
        return ring

    # --- queries ---------------------------------------------------------------

    def _source(
        self, metric: str, server: str | None, namespace: str | None, reason: str | None = None
    ) -> Ring | None:
        if metric not in self._totals:
            raise ValueError(f"unknown metric {metric!r}; known: {', '.join(METRICS)}")
        if reason is not None:
            if metric not in REASON_METRICS:
                raise ValueError(f"{metric} is not counted by reason")
            if metric == SOCKET_DISCONNECTION and server is not None:
                raise ValueError("socket events carry no server id")
            return self._reasons.get((metric, server, reason))
        if metric == SOCKET_DISCONNECTION and (server, namespace) != (None, None):
            raise ValueError(f"{metric} is counted over all servers and namespaces")
        if server is not None:
            if metric not in SERVER_METRICS:
                raise ValueError(f"{metric} is counted per namespace, not per server")
            return self._by_server.get((metric, server))
        if namespace is not None:
            if metric not in EVENT_METRICS:
                raise ValueError(f"{metric} is counted per server, not per namespace")
            return self._by_namespace.get((metric, namespace))
        return self._totals[metric]

    def _end(self, now: float | None) -> int | None:
        return int(now) if now is not None else self.newest

    def series(
        self,
        metric: str,
        server: str | None = None,
        namespace: str | None = None,
        last_seconds: int = 60,
        now: float | None = None,
        reason: str | None = None,
    ) -> list[tuple[int, float]]:
        """One ``(second, value)`` per second up to ``now`` (default: newest data), zeros too."""
        ring = self._source(metric, server, namespace, reason)
        end = self._end(now)
        if end is None:
            return []
        span = min(last_seconds, self.window)
        seconds = range(end - span + 1, end + 1)
        if ring is None:
            return [(second, 0.0) for second in seconds]
        get = ring.get
        return [(second, get(second)) for second in seconds]

    def latest_rate(
        self,
        metric: str,
        server: str | None = None,
        namespace: str | None = None,
        seconds: int = 5,
        now: float | None = None,
    ) -> float:
        """Mean per second over the last ``seconds`` (the newest may still be filling)."""
        ring = self._source(metric, server, namespace)
        end = self._end(now)
        if ring is None or end is None or seconds <= 0:
            return 0.0
        return ring.total(end - seconds + 1, end) / seconds

    def total(
        self,
        metric: str,
        server: str | None = None,
        namespace: str | None = None,
        last_seconds: int | None = None,
    ) -> float:
        """Sum over the last ``last_seconds`` (default: the whole window)."""
        ring = self._source(metric, server, namespace)
        if ring is None or self.newest is None:
            return 0.0
        span = self.window if last_seconds is None else min(last_seconds, self.window)
        return ring.total(self.newest - span + 1, self.newest)

    def top_events(
        self, n: int = 10, namespace: str | None = None, seconds: int = 10
    ) -> list[tuple[str, float, float, int]]:
        """``(name, rate in, rate out, total)`` of the busiest event names.

        Busiest by recent rate, then by all-time total; with no namespace the
        names are summed across namespaces.
        """
        end = self.newest
        seconds = max(1, min(seconds, NAME_WINDOW))
        rows: dict[str, list[float]] = {}
        for (nsp, name), stats in self._names.items():
            if namespace is not None and nsp != namespace:
                continue
            row = rows.setdefault(name, [0.0, 0.0, 0])
            if end is not None:
                row[0] += stats.received.total(end - seconds + 1, end) / seconds
                row[1] += stats.sent.total(end - seconds + 1, end) / seconds
            row[2] += stats.total_received + stats.total_sent
        ranked = sorted(
            rows.items(), key=lambda item: (-(item[1][0] + item[1][1]), -item[1][2], item[0])
        )
        return [(name, row[0], row[1], int(row[2])) for name, row in ranked[:n]]

    def reasons(
        self, metric: str = "rawDisconnection", server: str | None = None, last_seconds: int = 60
    ) -> list[str]:
        """Reasons counted in the last ``last_seconds``, in name order; cheap enough per frame.

        ``rawDisconnection``: from the stats, where Node sends them (python-socketio
        sends none: its disconnections count under ``NO_REASON``); ``socketDisconnection``:
        from ``socket_disconnected``, which both servers send in development mode.
        """
        if self.newest is None:
            return []
        first = self.newest - min(last_seconds, self.window) + 1
        return sorted(
            reason
            for (kind, where, reason), seen in self._reason_seen.items()
            if kind == metric and where == server and seen >= first
        )

    def disconnection_reasons(
        self, last_seconds: int = 60, server: str | None = None, metric: str = "rawDisconnection"
    ) -> list[tuple[str, int]]:
        """Disconnections by reason over the last ``last_seconds``, most frequent first."""
        if self.newest is None:
            return []
        first = self.newest - min(last_seconds, self.window) + 1
        counts = [
            (reason, int(self._reasons[(metric, server, reason)].total(first, self.newest)))
            for reason in self.reasons(metric, server, last_seconds)
        ]
        return sorted((c for c in counts if c[1]), key=lambda c: (-c[1], c[0]))

    def servers(self) -> list[str]:
        return list(self._servers)

    def namespaces(self) -> list[str]:
        return list(self._namespaces)

    def event_name_count(self) -> int:
        return len(self._names)


def _capped(seen: dict[str, None], key: str, limit: int) -> str:
    """Register a key unless the cap is reached, in which case it becomes ``(other)``."""
    if key in seen:
        return key
    if len(seen) >= limit:
        return OTHER
    seen[key] = None
    return key
