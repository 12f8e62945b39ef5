"""A scripted minute of a server's life, and a recording file of it, for the replay tests."""

from __future__ import annotations

from pathlib import Path

from sio_monitor.domain import events as ev
from sio_monitor.domain.emit import probe_events as pe
from sio_monitor.store.recording import RecordingWriter
from tests.support import events as build
from tests.support.events import T0

DEV = frozenset({"AGGREGATED_EVENTS", "ALL_EVENTS", "JOIN"})
SECONDS = 60


def session_events() -> list[object]:
    """A minute of a server's life: a snapshot, arrivals, rooms, traffic, departures, probe."""
    events: list[object] = [
        ev.ConnectionChanged(ev.ConnectionState.CONNECTED, "Connected.", T0),
        ev.ConfigReceived(DEV, T0),
        ev.AllSocketsReceived(tuple(build.info(f"a{n}", "/chat") for n in range(3)), T0),
    ]
    for second in range(1, SECONDS + 1):
        at = T0 + second
        events.append(ev.SocketConnected(build.info(f"s{second}", "/chat"), at))
        events.append(ev.RoomJoined("/chat", f"room{second % 4}", f"s{second}", at + 0.2))
        events.append(
            ev.EventReceived("/chat", f"s{second}", "message", ({"n": second},), at + 0.3)
        )
        if second % 3 == 0:
            events.append(
                ev.SocketDisconnected("/chat", f"s{second - 1}", "transport close", at + 0.5)
            )
        if second % 2 == 0:
            counts = {"/chat": 3 + second}
            events.append(
                build.stats(
                    "web-1", at + 0.6, hostname="h", uptime=second, clients=5, counts=counts
                )
            )
        if second % 10 == 0:
            events.append(pe.ProbeEventReceived("/", "ping", (second,), at + 0.7))
    return events


def write_recording(path: Path, events: list[object]) -> Path:
    writer = RecordingWriter(path, server_url="http://web-1:3000", started_at=T0)
    for start in range(0, len(events), 5):
        writer.add(events[start : start + 5])
    assert writer.close(10)
    return path
