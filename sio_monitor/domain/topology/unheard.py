"""Sockets that no reporting server counts: the mark of a node never heard from.

No socket names its server, so a dead node is found by its silence: three of
its stats intervals without a message. A node that died before one of its
stats reached the monitor, or that never sends any, has no rhythm to break;
yet its sockets came in the snapshot (Node's admin-ui gathers the whole
cluster's) and stay there. What gives it away is the count: the sockets held
in a namespace outnumber what every reporting server says it has there (more
than the connections they just reported opening can explain). When that
lasts three intervals, the socket list is stale and a fresh snapshot
from a live node settles it. A node that is alive but silent keeps the excess
after the refresh; each further refresh then waits twice as long, up to eight
times, so a live silent node costs a snapshot a minute or so, not one per tick.
"""

from __future__ import annotations

from collections.abc import Iterable

MISSED_INTERVALS = 3
MAX_BACKOFF = 8


def outnumbered(held_and_reported: Iterable[tuple[int, int]], slack: int = 0) -> bool:
    """True when some namespace holds more sockets than the reporting servers count.

    ``slack`` is how many the counts may lag behind: the connections the servers
    reported opening in their last interval, whose sockets the socket events
    brought before the next stats could count them.
    """
    return any(held > reported + slack for held, reported in held_and_reported)


class UnheardSockets:
    """When the excess began, and when it will have lasted long enough to act on."""

    def __init__(self) -> None:
        self.since: float | None = None
        self.backoff = 1

    def observe(self, excess: bool, at: float) -> None:
        """The counts after a message received at ``at``: start or end the wait."""
        if not excess:
            self.since, self.backoff = None, 1
        elif self.since is None:
            self.since = at

    def deadline(self, interval: float) -> float | None:
        """When the excess will have lasted three intervals (times the back-off)."""
        if self.since is None:
            return None
        return self.since + MISSED_INTERVALS * interval * self.backoff

    def due(self, now: float, interval: float) -> bool:
        """True once, when the excess has lasted long enough: refresh the socket list."""
        deadline = self.deadline(interval)
        if deadline is None or now < deadline:
            return False
        self.since = None  # the refresh's snapshot starts the next wait
        self.backoff = min(MAX_BACKOFF, self.backoff * 2)
        return True

    def forget(self) -> None:
        """A new connection: whatever was waited for is moot."""
        self.since, self.backoff = None, 1
