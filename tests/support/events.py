"""Builders for the admin protocol's domain events, with defaults a test can override.

Each builder fills what a test does not care about with a plain value and
takes the rest as keywords, so a test names only what it asserts on:
``stats("web-1", at, clients=5, counts={"/": 4, "/admin": 1})``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sio_monitor.domain import events as ev

#: A fixed epoch second (2026-11-22 22:20 UTC) the domain tests start their clocks at.
T0 = 1_795_311_600.0


def info(
    sid: str,
    nsp: str = "/",
    rooms: Iterable[str] = (),
    *,
    client: str | None = None,
    at: float | None = T0,
    **fields: Any,
) -> ev.SocketInfo:
    """Socket ``sid`` in ``nsp``, in its own room and ``rooms``, connected at ``at``.

    The client id is ``c-<sid>`` unless ``client`` is given; ``fields`` are the
    other :class:`~sio_monitor.domain.events.SocketInfo` fields (transport,
    data, handshake, unknown).
    """
    return ev.SocketInfo(
        id=sid,
        client_id=client or f"c-{sid}",
        nsp=nsp,
        rooms=(sid, *rooms),
        connected_at=at,
        **fields,
    )


def namespaces(counts: Mapping[str, int]) -> tuple[ev.NamespaceCount, ...]:
    """The ``namespaces`` of a stats message: name to socket count, in order."""
    return tuple(ev.NamespaceCount(name, count) for name, count in counts.items())


def buckets(
    *counts: tuple[float, str, int], reason: str | None = None
) -> tuple[ev.AggregatedBucket, ...]:
    """``(second, type, count)`` buckets; ``reason`` is the sub-type of rawDisconnection ones."""
    return tuple(
        ev.AggregatedBucket(
            float(second), kind, count, reason if kind == "rawDisconnection" else None
        )
        for second, kind, count in counts
    )


def stats(
    server: str = "web-1",
    at: float = T0,
    *,
    counts: Mapping[str, int] | None = None,
    hostname: str = "host",
    pid: int | None = 1,
    uptime: float = 1.0,
    clients: int = 0,
    polling: int = 0,
    aggregated: tuple[ev.AggregatedBucket, ...] = (),
) -> ev.ServerStatsReceived:
    """``server_stats`` from ``server`` received at ``at``; ``counts``: sockets per namespace."""
    return ev.ServerStatsReceived(
        server_id=server,
        hostname=hostname,
        pid=pid,
        uptime=uptime,
        clients_count=clients,
        polling_clients_count=polling,
        namespaces=namespaces(counts or {}),
        aggregated=aggregated,
        at=at,
    )
