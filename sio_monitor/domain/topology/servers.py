"""Servers as ``server_stats`` describes them: their figures, their health, their reports.

Behind a cluster adapter every node's stats reach every admin, so servers are
keyed by ``serverId``. A server is judged by the rhythm of its own stats: it
is unhealthy once it has been silent for three of its intervals. The interval
is learnt from the server's own uptime (free of network jitter), or from
arrival times when uptime does not move (2 s, the servers' default, until a
step has been seen), and robustly: python-socketio's sync ``instrument()``
starts one stats task per connection that races at start-up, so one server
may send 3 to 8 ``server_stats`` per interval, each task counting uptime from
its own start. Their uptimes fall on the same levels (k times the interval),
so the interval is the upper quartile of the steps between the distinct
levels of the last few messages: duplicates (steps under 50 ms) and bursts
teach nothing, and a late or lagging task cannot shorten it. A restart or a comeback teaches
nothing about the rhythm either, so neither moves the interval.

Health has two faces. ``is_healthy(now)`` is the rule itself, for anyone
holding a clock. ``healthy`` is the judgement the registry last passed: it
turns false only in ``judge(now)``, which the app calls on a timer because a
silent server sends nothing that could trigger it, and true again with the
server's next message. Counts of a server judged unhealthy stop counting.
Silence only counts while the monitor listens: after a reconnect every server
gets three fresh intervals, since stats missed while away say nothing of it.
"""

from __future__ import annotations

import itertools
import statistics
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sio_monitor.domain.events import ServerStatsReceived

DEFAULT_INTERVAL = 2.0
MISSED_INTERVALS = 3
# Bounds on the learnt interval: a burst of delayed messages must not make a
# server look healthy for hours, nor a duplicate make it look dead in 30 ms.
MIN_INTERVAL = 0.2
MAX_INTERVAL = 120.0
SAMPLES = 24  # the last messages whose uptimes (or arrivals) the interval is learnt from
SAME_MOMENT = 0.05  # s: two stats this close on the server's clock are one tick, raced

Moves = dict[str, tuple[int, int]]  # namespace -> (old count, new count)


def _moves(old: dict[str, int], new: dict[str, int]) -> Moves:
    moved: Moves = {name: (count, 0) for name, count in old.items() if name not in new}
    for name, count in new.items():
        before = old.get(name)
        if before != count:
            moved[name] = (before or 0, count)
    return moved


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
    healthy: bool = True  # the last judgement; see the module docstring
    went_down: int = 0  # how many times it was judged unhealthy
    #: Its clock minus this computer's, in seconds, while that is more than a few
    #: seconds (``ClockSkewMeasured``); its times are shown on this computer's clock.
    clock_offset: float | None = None
    #: The last messages' uptimes (or arrival times, once uptime stood still).
    samples: deque[float] = field(default_factory=lambda: deque(maxlen=SAMPLES))
    #: Engine connections its last message reported opened (``rawConnection``): sockets
    #: of these may be held before the counts of the next message include them.
    recent_connections: int = 0
    by_arrival: bool = False  # uptime does not move: learn from arrival times

    @property
    def sockets_count(self) -> int:
        return sum(self.namespaces.values())

    def app_clients(self, admin_namespace: str) -> int:
        """Its engine clients less the admin connections (this monitor's own included).

        ``clientsCount`` counts every engine connection, the monitor's among
        them; each admin connection holds one socket in the admin namespace.
        """
        return max(0, self.clients_count - self.namespaces.get(admin_namespace, 0))

    def deadline(self, listening_since: float = 0.0) -> float:
        """When, without another message, this server turns unhealthy."""
        return max(self.last_stats_at, listening_since) + MISSED_INTERVALS * self.interval

    def silent_for(self, now: float) -> float:
        return max(0.0, now - self.last_stats_at)

    def is_healthy(self, now: float, listening_since: float = 0.0) -> bool:
        """False once no stats came for three intervals; ``now`` is the receive clock.

        ``listening_since`` is when the monitor last (re)connected: silence
        before it is the monitor's, not the server's.
        """
        return now <= self.deadline(listening_since)

    def counted(self) -> dict[str, int]:
        """The sockets this server adds to the namespaces' totals: none while it is down."""
        return self.namespaces if self.healthy else {}

    def update(self, stats: ServerStatsReceived) -> Moves:
        """Take in one message; return how the counted sockets per namespace moved.

        Namespaces absent from this message count as zero: a server only lists
        the namespaces it has, and python-socketio fixes that list at start-up.
        """
        before = self.counted()
        restarted = self._learn(stats)
        if not self.stats_received:
            self.first_stats_at = stats.at
        self.stats_received += 1
        self.last_stats_at = max(self.last_stats_at, stats.at)
        self.hostname = stats.hostname
        self.pid = stats.pid
        # Racing stats tasks each count from their own start: show the longest.
        self.uptime = stats.uptime if restarted else max(self.uptime, stats.uptime)
        self.clients_count = stats.clients_count
        self.polling_clients_count = stats.polling_clients_count
        self.recent_connections = sum(
            bucket.count for bucket in stats.aggregated if bucket.type == "rawConnection"
        )
        fresh: dict[str, int] = {}
        for entry in stats.namespaces:
            fresh[entry.name] = fresh.get(entry.name, 0) + entry.sockets_count
        self.namespaces = fresh
        self.healthy = True
        return _moves(before, fresh)

    def mark_down(self) -> Moves:
        """Judged unhealthy: its sockets stop counting until it reports again."""
        before = self.counted()
        self.healthy = False
        self.went_down += 1
        return _moves(before, {})

    def _learn(self, stats: ServerStatsReceived) -> bool:
        """Add this message to the samples and re-learn the interval; True on a restart."""
        samples = self.samples
        if not self.stats_received:
            samples.append(stats.uptime)
            return True
        restarted = stats.pid != self.pid or (
            stats.uptime < self.uptime - MISSED_INTERVALS * self.interval
            and stats.uptime < self.uptime / 2
        )
        if restarted or not self.healthy:
            samples.clear()  # back from silence, or a new process: no rhythm in that gap
            self.by_arrival = False
            samples.append(stats.uptime)
            return restarted
        if not self.by_arrival and stats.uptime == self.uptime and stats.uptime == samples[-1]:
            self.by_arrival = True  # uptime stood still: fall back to arrivals
            samples.clear()
            samples.append(self.last_stats_at)
        samples.append(stats.at if self.by_arrival else stats.uptime)
        learnt = typical_step(samples)
        if learnt is not None:
            self.interval = min(MAX_INTERVAL, max(MIN_INTERVAL, learnt))
        return False


def typical_step(samples: deque[float] | list[float]) -> float | None:
    """The typical step between the distinct levels of ``samples``; None before one is seen.

    Sorted, the samples of a server sending every I seconds step by I, however
    many racing tasks sent them and in whatever order they arrived. Steps under
    ``SAME_MOMENT`` are one tick sent twice and teach nothing; of the rest the
    upper quartile is taken, so that a raced tick slipping past that bound
    cannot shorten the interval, nor one lagging tick among many stretch it.
    """
    values = sorted(samples)
    steps = [b - a for a, b in itertools.pairwise(values) if b - a >= SAME_MOMENT]
    if len(steps) < 2:
        return steps[0] if steps else None
    return statistics.quantiles(steps, n=4, method="inclusive")[2]


def app_clients(servers: Iterable[ServerState], admin_namespace: str) -> int:
    """The application's clients: every view's figure, as ``watch`` prints it.

    The engine clients of the servers still reporting, less the admin
    connections (this monitor's own included), which are not the application's.
    """
    return sum(s.app_clients(admin_namespace) for s in servers if s.healthy)


class ServerRegistry:
    """All servers seen, their health, and which have not yet shown their sockets.

    There is no serverId on a socket, so "reported" is inferred from counts.
    After a snapshot every healthy server starts out unreported. Then the
    sockets held in each namespace are a budget: healthy servers already
    reported use up their share, and an unreported server whose stats fit in
    what is left is taken as reported, for good until the next snapshot (so a
    stats message lagging behind a disconnection cannot make it doubt again).
    The server whose counts equal the snapshot's is tried first: it is the
    one the admin is connected to. Python nodes of a cluster only show their
    sockets to an admin connected elsewhere at their next ping (~25 s); this
    is what lets a view say "still waiting for N servers" instead of passing
    a partial list off as complete. A server judged unhealthy has nothing to
    show and leaves the unreported list; when it comes back it joins it again.
    """

    def __init__(self) -> None:
        self.by_id: dict[str, ServerState] = {}
        self.unreported: dict[str, None] = {}
        self.tracking = False  # True once a snapshot has been taken in development mode
        self.listening_since = 0.0  # when the monitor last (re)connected
        self._snapshot_counts: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.by_id)

    def get(self, server_id: str) -> ServerState | None:
        return self.by_id.get(server_id)

    def apply(self, stats: ServerStatsReceived) -> tuple[ServerState, bool, Moves]:
        """Store one stats message; return the server, whether it is new, and count moves."""
        server = self.by_id.get(stats.server_id)
        added = server is None
        if server is None:
            server = self.by_id[stats.server_id] = ServerState(stats.server_id)
        if self.tracking and (added or not server.healthy):
            self.unreported[stats.server_id] = None
        return server, added, server.update(stats)

    def judge(self, now: float) -> list[tuple[ServerState, Moves]]:
        """Mark the servers silent for too long as down; return them with their count moves."""
        down: list[tuple[ServerState, Moves]] = []
        for server in self.by_id.values():
            if server.healthy and not server.is_healthy(now, self.listening_since):
                down.append((server, server.mark_down()))
                self.unreported.pop(server.server_id, None)
        return down

    def next_deadline(self) -> float | None:
        """The earliest moment a healthy server can turn unhealthy; when to judge next."""
        since = self.listening_since
        return min((s.deadline(since) for s in self.by_id.values() if s.healthy), default=None)

    def healthy_count(self) -> int:
        return sum(server.healthy for server in self.by_id.values())

    def start_tracking(self, snapshot_counts: dict[str, int]) -> None:
        """A snapshot arrived: from now on, every healthy server must show its sockets."""
        self.tracking = True
        self.unreported = {sid: None for sid, server in self.by_id.items() if server.healthy}
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
            if server_id not in self.unreported and server.healthy:
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
