"""The overview's tiles: one figure each, its last minute, and how it changed.

Kept apart from Qt so the figures the dashboard shows are the same ones the
terminal and the tests can compute: every number comes from the monitor
state (the topology's servers and namespaces, the rates' per-second rings).
Rates are read up to the last second every server has fully reported, so a
tile does not dip to zero between two stats messages. Counts that are not
rates (clients, sockets) keep a minute of their own history here, one value
per second, because the topology only knows the present.

In production mode the server sends no per-event stream, so the events tiles
say why they are empty instead of showing a misleading zero.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from sio_monitor.domain.throughput.rates import Rates
from sio_monitor.domain.topology.servers import app_clients
from sio_monitor.domain.topology.topology import PRODUCTION, Topology

SPAN = 60  # seconds in a sparkline
#: Why a tile is empty in production mode (the admin instrumentation's own wording).
PRODUCTION_WHY = "Production mode sends no events: the server counts packets only."


@dataclass(frozen=True, slots=True)
class TileSpec:
    key: str
    title: str
    unit: str = ""
    metric: str = ""  # a Rates metric, summed; empty for counts kept here
    development_only: bool = False


TILES: tuple[TileSpec, ...] = (
    TileSpec("clients", "Clients"),
    TileSpec("sockets", "Sockets"),
    TileSpec("events_in", "Events in", "/s", "eventsReceived", development_only=True),
    TileSpec("events_out", "Events out", "/s", "eventsSent", development_only=True),
    TileSpec("bytes_in", "Bytes in", "B/s", "bytesIn"),
    TileSpec("bytes_out", "Bytes out", "B/s", "bytesOut"),
    TileSpec("connections", "Connections", "/s", "rawConnection"),
    TileSpec("disconnections", "Disconnections", "/s", "rawDisconnection"),
    TileSpec("servers", "Servers healthy"),
)


@dataclass(frozen=True, slots=True)
class Tile:
    """What one tile shows: ``value`` is None when the figure does not exist (``why`` says so)."""

    key: str
    title: str
    value: float | None
    text: str
    spark: tuple[float, ...] = ()
    change: float | None = None  # value now less the value a minute ago (or the oldest known)
    why: str = ""


def human(value: float, unit: str = "") -> str:
    """A short figure: 1.2k, 3.4M; bytes as kB/MB."""
    magnitude = abs(value)
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if magnitude >= limit:
            text = f"{value / limit:.1f}{suffix}"
            break
    else:
        text = f"{value:.0f}" if value == int(value) or magnitude >= 10 else f"{value:.1f}"
    if unit == "B/s":
        return f"{text}B/s"
    return f"{text}{unit}"


def change_text(change: float | None, unit: str = "") -> str:
    """``+12`` / ``-3.5/s`` / ``±0`` over the minute; empty when nothing to compare."""
    if change is None:
        return ""
    if abs(change) < 0.05:
        return "±0 in 60 s"
    sign = "+" if change > 0 else "-"
    return f"{sign}{human(abs(change), unit)} in 60 s"


class OverviewFigures:
    """Computes the tiles each second; remembers a minute of the counts."""

    def __init__(self, span: int = SPAN) -> None:
        self.span = span
        self._counts: dict[str, deque[tuple[int, float]]] = {
            "clients": deque(maxlen=span),
            "sockets": deque(maxlen=span),
            "servers": deque(maxlen=span),
        }

    def clear(self) -> None:
        for history in self._counts.values():
            history.clear()

    def _remember(self, key: str, second: int, value: float) -> tuple[float, ...]:
        history = self._counts[key]
        if history and history[-1][0] == second:
            history[-1] = (second, value)
        else:
            history.append((second, value))
        return tuple(v for s, v in history if s > second - self.span)

    def tiles(
        self, topology: Topology, rates: Rates, admin_namespace: str, now: float
    ) -> list[Tile]:
        second = int(now)
        production = is_production(topology)
        servers = topology.servers()
        healthy = [s for s in servers if topology.is_server_healthy(s, now)]
        names = [n for n in topology.namespaces() if n != admin_namespace]
        development = production is False
        sockets = sum(
            topology.socket_count(n) if development else topology.reported_socket_count(n)
            for n in names
        )
        counts = {
            "clients": float(app_clients(healthy, admin_namespace)),
            "sockets": float(sockets),
            "servers": float(len(healthy)),
        }
        end = rates.stats_complete_until()
        out: list[Tile] = []
        for spec in TILES:
            if not servers:
                out.append(Tile(spec.key, spec.title, None, "—"))  # the summary says why
                continue
            if spec.metric:
                if spec.development_only and production:
                    out.append(Tile(spec.key, spec.title, None, "—", why=PRODUCTION_WHY))
                    continue
                if spec.development_only:
                    series = rates.series(spec.metric, last_seconds=self.span, now=rates.newest)
                    series = series[:-1] if len(series) > 1 else series  # newest still filling
                else:
                    series = (
                        rates.series(spec.metric, last_seconds=self.span, now=end)
                        if end is not None
                        else []
                    )
                spark = _since_first(tuple(value for _, value in series))
                recent = spark[-5:]
                value = sum(recent) / len(recent) if recent else 0.0
                early = spark[:5]
                change = value - sum(early) / len(early) if len(spark) >= 10 else None
                out.append(
                    Tile(spec.key, spec.title, value, human(value, spec.unit), spark, change)
                )
                continue
            value = counts[spec.key]
            spark = self._remember(spec.key, second, value)
            change = value - spark[0] if len(spark) >= 2 else None
            text = human(value)
            if spec.key == "servers":
                text = f"{len(healthy)} of {len(servers)}"
            out.append(Tile(spec.key, spec.title, value, text, spark, change))
        return out


def is_production(topology: Topology) -> bool | None:
    """Production mode, development mode, or None while the server's config is awaited."""
    mode = topology.mode
    return None if not mode else mode == PRODUCTION


def _since_first(values: tuple[float, ...]) -> tuple[float, ...]:
    """The seconds from the first non-zero one: before it the monitor was not yet listening."""
    for index, value in enumerate(values):
        if value:
            return values[index:]
    return values[-1:]


def namespace_rows(
    topology: Topology, rates: Rates, admin_namespace: str
) -> list[tuple[str, int, int | None, float | None]]:
    """``(namespace, sockets, rooms or None, events/s or None)`` for the namespace bars.

    Rooms and per-namespace events exist only in development mode.
    """
    development = is_production(topology) is False
    rows = []
    for name in topology.namespaces():
        if name == admin_namespace:
            continue
        sockets = (
            topology.socket_count(name) if development else topology.reported_socket_count(name)
        )
        rooms = topology.room_count(name) if development else None
        events = None
        if development:
            events = rates.latest_rate("eventsReceived", namespace=name) + rates.latest_rate(
                "eventsSent", namespace=name
            )
        rows.append((name, sockets, rooms, events))
    return rows
