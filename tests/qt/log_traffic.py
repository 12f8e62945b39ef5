"""Chat traffic for the event log tests, and the panel shown on screen to take it."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from sio_monitor.domain.eventlog.log import EventLog
from sio_monitor.domain.events import EventReceived, EventSent, RoomJoined, SocketDisconnected
from sio_monitor.qt.models.eventlog_model import EventLogModel
from sio_monitor.ui.log.event_log_view import EventLogPanel

T0 = 1_800_000_000.0


def traffic(start: int, count: int) -> list[object]:
    """Chat traffic with a disconnection and a room join now and then, and some binary."""
    batch: list[object] = []
    for n in range(start, start + count):
        sid = f"sock{n % 7:016d}"
        nsp = "/chat" if n % 3 else "/"
        batch.append(
            EventReceived(
                nsp, sid, "chat:message", ({"user": f"u{n % 7}", "text": f"hi {n}"},), T0 + n
            )
        )
        if n % 10 == 0:
            batch.append(EventSent(nsp, sid, "file", ("photo.png", bytes(range(48))), T0 + n + 0.5))
        if n % 25 == 24:
            batch.append(SocketDisconnected(nsp, sid, "ping timeout", T0 + n + 0.7))
        if n % 40 == 1:
            batch.append(RoomJoined("/chat", "lobby", sid, T0 + n + 0.8))
    return batch


def make_panel(qtbot: QtBot, log: EventLog | None = None) -> EventLogPanel:
    panel = EventLogPanel(EventLogModel(log))
    qtbot.addWidget(panel)
    panel.resize(1280, 720)
    panel.show()
    qtbot.waitExposed(panel)
    return panel
