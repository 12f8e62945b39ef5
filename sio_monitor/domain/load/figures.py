"""The figures of a load run, as the Locust child reports them once a second.

The child writes one JSON line per second (cumulative counts and
percentiles per request kind and name, the errors by kind, the number of
virtual users); ``LoadFigures`` turns consecutive lines into per-second
points for the charts and, at the end, into the summary. Cumulative counts
rather than rates cross the pipe, so a late or lost line never skews a rate.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

#: Request kinds, as Locust's ``request_type``: a namespace connect (its name is the namespace)...
CONNECT = "connect"
#: ...an emit without an ack (its name is the event name, its time the write)...
EMIT = "emit"
#: ...an emit that waited for its ack (its time is the round trip)...
ACK = "emit+ack"
#: ...and an event the server sent to a user.
RECEIVED = "received"
PERCENTILES = (0.5, 0.95, 0.99)
#: The keys of a request's figures in the summary (the window's percentiles are live only).
SUMMARY_KEYS = (
    "kind",
    "name",
    "requests",
    "failures",
    "p50",
    "p95",
    "p99",
    "max",
    "average",
    "rate",
)
#: Points kept for the charts: an hour at one a second.
HISTORY = 3600


@dataclass(frozen=True, slots=True)
class EntryFigures:
    """One request kind and name, cumulative since the run began (times in ms)."""

    kind: str
    name: str
    requests: int
    failures: int
    p50: float | None = None
    p95: float | None = None
    p99: float | None = None
    max: float | None = None
    average: float | None = None
    rate: float = 0.0  # requests per second over the run so far
    window_p50: float | None = None  # over the last report only
    window_p99: float | None = None

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> EntryFigures:
        return cls(**{key: raw.get(key) for key in cls.__slots__ if key in raw})  # type: ignore[attr-defined]

    def to_json(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in self.__slots__}  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class ErrorFigures:
    """Errors of one kind: the request that failed and what went wrong."""

    kind: str
    name: str
    error: str
    count: int


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One line from the child."""

    time: float
    users: int
    state: str
    entries: tuple[EntryFigures, ...]
    errors: tuple[ErrorFigures, ...]
    final: bool = False

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Snapshot:
        return cls(
            time=float(raw["time"]),
            users=int(raw.get("users", 0)),
            state=str(raw.get("state", "")),
            entries=tuple(EntryFigures.from_json(entry) for entry in raw.get("entries", ())),
            errors=tuple(
                ErrorFigures(str(e["kind"]), str(e["name"]), str(e["error"]), int(e["count"]))
                for e in raw.get("errors", ())
            ),
            final=bool(raw.get("final", False)),
        )

    def total(self, kind: str) -> int:
        return sum(entry.requests for entry in self.entries if entry.kind == kind)

    def failures(self) -> int:
        return sum(entry.failures for entry in self.entries)

    def entry(self, kind: str) -> EntryFigures | None:
        """The one entry of ``kind`` (the busiest when several names share it)."""
        found = [entry for entry in self.entries if entry.kind == kind]
        return max(found, key=lambda entry: entry.requests) if found else None


@dataclass(frozen=True, slots=True)
class LoadPoint:
    """One second of a run, for the charts."""

    second: int
    users: int
    emits: float  # per second, with or without ack
    acks: float
    errors: float
    ack_p50: float | None
    ack_p99: float | None


@dataclass
class LoadFigures:
    """Everything a run has reported so far; fed by ``add``, read by the charts and summary."""

    points: deque[LoadPoint] = field(default_factory=lambda: deque(maxlen=HISTORY))
    last: Snapshot | None = None
    first_time: float | None = None
    peak_users: int = 0
    version: int = 0  # grows with every line, for views that redraw on change

    def add(self, snapshot: Snapshot) -> LoadPoint | None:
        """Take one line; returns the point it made (None for the first line)."""
        previous = self.last
        self.last = snapshot
        self.version += 1
        self.peak_users = max(self.peak_users, snapshot.users)
        if self.first_time is None:
            self.first_time = snapshot.time
        if previous is None or snapshot.time <= previous.time:
            return None
        elapsed = snapshot.time - previous.time
        ack = snapshot.entry(ACK)
        emitted = snapshot.total(EMIT) + snapshot.total(ACK)
        point = LoadPoint(
            second=int(snapshot.time),
            users=snapshot.users,
            emits=(emitted - previous.total(EMIT) - previous.total(ACK)) / elapsed,
            acks=(snapshot.total(ACK) - previous.total(ACK)) / elapsed,
            errors=(snapshot.failures() - previous.failures()) / elapsed,
            ack_p50=ack.window_p50 if ack else None,
            ack_p99=ack.window_p99 if ack else None,
        )
        self.points.append(point)
        return point

    def series(self, start: int, end: int) -> list[LoadPoint]:
        """The points from ``start`` to ``end`` seconds (epoch), oldest first."""
        return [point for point in self.points if start <= point.second <= end]

    def summary(self) -> dict[str, Any]:
        """The run's outcome: users reached, rates, errors and latency, as a JSON document."""
        last = self.last
        entries = list(last.entries) if last else []
        errors = list(last.errors) if last else []
        elapsed = (last.time - self.first_time) if last and self.first_time is not None else 0.0
        ack = last.entry(ACK) if last else None
        connect = last.entry(CONNECT) if last else None
        return {
            "usersReached": self.peak_users,
            "seconds": round(elapsed, 3),
            "emitsPerSecond": sum(e.rate for e in entries if e.kind in (EMIT, ACK)),
            "acksPerSecond": sum(e.rate for e in entries if e.kind == ACK),
            "errors": sum(e.failures for e in entries),
            "connectMs": _latency(connect),
            "ackMs": _latency(ack),
            "requests": [
                {key: value for key, value in entry.to_json().items() if key in SUMMARY_KEYS}
                for entry in entries
            ],
            "errorsByKind": [
                {"kind": e.kind, "name": e.name, "error": e.error, "count": e.count} for e in errors
            ],
        }


def _latency(entry: EntryFigures | None) -> dict[str, float | None] | None:
    if entry is None:
        return None
    return {"p50": entry.p50, "p95": entry.p95, "p99": entry.p99, "max": entry.max}
