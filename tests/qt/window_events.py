"""Events for the window tests: a server's stats and sockets as a scripted session sends them."""

from __future__ import annotations

import time

from sio_monitor.domain.events import Handshake, ServerStatsReceived, SocketInfo
from tests.support import events as build

DEV_FEATURES = frozenset({"ALL_EVENTS", "AGGREGATED_EVENTS", "EMIT", "JOIN", "LEAVE"})


def stats(
    server_id: str, hostname: str, clients: int, counts: dict[str, int]
) -> ServerStatsReceived:
    """Stats received now, with 12 packets in during the last second."""
    now = time.time()
    return build.stats(
        server_id,
        now,
        hostname=hostname,
        pid=4242,
        uptime=3725.0,
        clients=clients,
        polling=1,
        counts=counts,
        aggregated=build.buckets((now - 1, "packetsIn", 12)),
    )


def socket_info(sid: str, nsp: str, rooms: tuple[str, ...]) -> SocketInfo:
    return build.info(
        sid,
        nsp,
        rooms,
        at=None,
        handshake=Handshake(address="127.0.0.1", headers={"user-agent": "test"}),
    )
