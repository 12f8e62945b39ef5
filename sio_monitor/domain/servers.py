"""Servers as ``server_stats`` describes them, with their health and report status.

Behind a cluster adapter every node's stats reach every admin, so servers are
keyed by ``serverId``. A server is judged by the rhythm of its own stats: it
is unhealthy once it has been silent for three of its intervals, the interval
being learnt from the gaps between its messages (2 s, the servers' default,
until two have arrived).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sio_monitor.domain.events import ServerStatsReceived

DEFAULT_INTERVAL = 2.0
MISSED_INTERVALS = 3
# Bounds on the learnt interval: a burst of delayed messages must not make a
# server look healthy for hours, nor a duplicate make it look dead in 30 ms.
MIN_INTERVAL = 0.2
MAX_INTERVAL = 120.0
SMOOTHING = 0.3  # weight of the newest gap in the running estimate


@dataclass(slots=True, eq=False)
class ServerState:
    """One server; a long-lived object so views can hold on to it between batches."""

    server_id: str
    hostname: str = ""
    pid: int | None = None
    uptime: float = 0.0
    clients_count: int = 0
    polling_clients_count: int = 0
    namespaces: dict[str, int] = field(default_factory=dict)  # name -> socketsCount
    first_stats_at: float = 0.0
    last_stats_at: float = 0.0
    interval: float = DEFAULT_INTERVAL
    stats_received: int = 0

    @property
    def sockets_count(self) -> int:
        return sum(self.namespaces.values())

    def silent_for(self, now: float) -> float:
        return max(0.0, now - self.last_stats_at)

    def is_healthy(self, now: float) -> bool:
        """False once no stats came for three intervals; ``now`` is the receive clock."""
        return self.silent_for(now) <= MISSED_INTERVALS * self.interval

    def update(self, stats: ServerStatsReceived) -> dict[str, tuple[int, int]]:
        """Take in one message; return the namespaces whose count moved, old and new.

        Namespaces absent from this message count as zero: a server only lists
        the namespaces it has, and python-socketio fixes that list at start-up.
        """
        if self.stats_received:
            gap = stats.at - self.last_stats_at
            if gap > 0:
                learnt = self.interval + SMOOTHING * (gap - self.interval)
                if self.stats_received == 1:
                    learnt = gap
                self.interval = min(MAX_INTERVAL, max(MIN_INTERVAL, learnt))
        else:
            self.first_stats_at = stats.at
        self.stats_received += 1
        self.last_stats_at = max(self.last_stats_at, stats.at)
        self.hostname = stats.hostname
        self.pid = stats.pid
        self.uptime = stats.uptime
        self.clients_count = stats.clients_count
        self.polling_clients_count = stats.polling_clients_count

        moved: dict[str, tuple[int, int]] = {}
        fresh: dict[str, int] = {}
        for entry in stats.namespaces:
            fresh[entry.name] = fresh.get(entry.name, 0) + entry.sockets_count
        for name, old in self.namespaces.items():
            if name not in fresh:
                moved[name] = (old, 0)
        for name, new in fresh.items():
            old = self.namespaces.get(name, 0)
            if old != new or name not in self.namespaces:
                moved[name] = (old, new)
        self.namespaces = fresh
        return moved


class ServerRegistry:
    """All servers seen, plus which of them have not yet reported their sockets.

    There is no serverId on a socket, so "reported" is inferred from counts.
    After a snapshot every server starts out unreported. Then the sockets
    held in each namespace are a budget: servers already reported use up
    their share, and an unreported server whose stats fit in what is left is
    taken as reported, for good until the next snapshot (so a stats message
    lagging behind a disconnection cannot make it doubt again). The server
    whose counts equal the snapshot's is tried first: it is the one the
    admin is connected to. Python nodes of a cluster only show their sockets
    to an admin connected elsewhere at their next ping (~25 s); this is what
    lets a view say "still waiting for N servers" instead of passing a
    partial list off as complete.
    """

    def __init__(self) -> None:
        self.by_id: dict[str, ServerState] = {}
        self.unreported: dict[str, None] = {}
        self.tracking = False  # True once a snapshot has been taken in development mode
        self._snapshot_counts: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.by_id)

    def get(self, server_id: str) -> ServerState | None:
        return self.by_id.get(server_id)

    def apply(
        self, stats: ServerStatsReceived
    ) -> tuple[ServerState, bool, dict[str, tuple[int, int]]]:
        """Store one stats message; return the server, whether it is new, and count moves."""
        server = self.by_id.get(stats.server_id)
        added = server is None
        if server is None:
            server = self.by_id[stats.server_id] = ServerState(stats.server_id)
            if self.tracking:
                self.unreported[stats.server_id] = None
        return server, added, server.update(stats)

    def start_tracking(self, snapshot_counts: dict[str, int]) -> None:
        """A snapshot arrived: from now on, every server must show its sockets."""
        self.tracking = True
        self.unreported = dict.fromkeys(self.by_id)
        self._snapshot_counts = snapshot_counts

    def stop_tracking(self) -> None:
        """Production mode or no snapshot: completeness cannot be judged."""
        self.tracking = False
        self.unreported.clear()
        self._snapshot_counts = {}

    def settle(self, known: Callable[[str], int]) -> bool:
        """Mark the unreported servers whose sockets are all held; True if any was.

        ``known`` gives the sockets held per namespace. Cost is servers times
        the unreported servers' namespaces, both small, and only while some
        server is unreported; it runs once per batch, not per event.
        """
        if not self.unreported:
            return False
        candidates = [self.by_id[server_id] for server_id in self.unreported]
        names = {name for server in candidates for name in server.namespaces}
        budget = {name: known(name) for name in names}
        for server_id, server in self.by_id.items():
            if server_id not in self.unreported:
                for name in names:
                    budget[name] -= server.namespaces.get(name, 0)
        snapshot = self._snapshot_counts
        candidates.sort(key=lambda s: any(s.namespaces.get(n, 0) != c for n, c in snapshot.items()))
        settled = False
        for server in candidates:
            counts = server.namespaces
            if all(count <= budget[name] for name, count in counts.items()):
                for name, count in counts.items():
                    budget[name] -= count
                del self.unreported[server.server_id]
                settled = True
        return settled
