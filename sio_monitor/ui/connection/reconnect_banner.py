"""The reconnect banner: while the connection is down, when the next try comes, and "try now".

The admin client announces each wait of its back-off before it starts
(``ReconnectScheduled``, kept as ``Topology.reconnect``), so the banner knows
the moment of the next attempt and counts down to it on its own quarter-second
timer, which runs only while the banner shows. "Reconnect now" cuts the wait
short through the session. The banner hides itself as soon as the connection
is anything but reconnecting. A server that hung rather than closed the
connection (``ServerStalled``) is said to have stopped answering.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from sio_monitor.domain.events import ConnectionState, ReconnectScheduled, ServerStalled
from sio_monitor.qt.session import MonitorSession

COUNTDOWN_MS = 250

STYLE = """
#reconnectBanner { background: #fff3e0; border-bottom: 1px solid #ef6c00; }
#reconnectBanner QLabel { color: #4e2600; }
"""


def countdown_text(
    where: str,
    scheduled: ReconnectScheduled | None,
    now: float,
    stalled: ServerStalled | None = None,
) -> str:
    """``Lost the connection to h:p. Reconnecting in 4 s… (attempt 3)``; seconds round up."""
    if stalled is not None:
        quiet = f"nothing heard for {stalled.silence:.0f} s"
        lead = f"{where or 'The server'} stopped answering ({quiet})."
    else:
        lead = f"Lost the connection to {where}." if where else "Lost the connection."
    if scheduled is None or scheduled.retry_at <= now:
        return f"{lead} Reconnecting…"
    seconds = math.ceil(scheduled.retry_at - now)
    attempt = f" (attempt {scheduled.attempt})" if scheduled.attempt > 1 else ""
    return f"{lead} Reconnecting in {seconds} s…{attempt}"


class ReconnectBanner(QFrame):
    """A strip above the tabs, shown only while the monitor is reconnecting."""

    def __init__(
        self,
        session: MonitorSession,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("reconnectBanner")
        self.setStyleSheet(STYLE)
        self._session = session
        self._clock = clock
        self._scheduled: ReconnectScheduled | None = None
        self._stalled: ServerStalled | None = None

        self.message = QLabel(objectName="reconnectCountdown")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.button = QPushButton("Reconnect now", objectName="reconnectNow")
        self.button.setToolTip("Try to reach the server now instead of waiting")
        self.button.clicked.connect(self.reconnect_now)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 5, 10, 5)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.button)

        self._ticker = QTimer(self, interval=COUNTDOWN_MS)
        self._ticker.timeout.connect(self._show_countdown)
        session.bridge.batch_applied.connect(self.follow)
        self.hide()

    def follow(self, *_: object) -> None:
        """Show or hide with the connection, and take the newest schedule."""
        topology = self._session.bridge.topology
        if topology.connection is not ConnectionState.RECONNECTING:
            self._ticker.stop()
            self.hide()
            return
        self._scheduled = topology.reconnect
        self._stalled = topology.stalled
        self._show_countdown()
        self.show()
        if not self._ticker.isActive():
            self._ticker.start()

    def reconnect_now(self) -> None:
        if self._session.reconnect_now():
            self._scheduled = None
            self._show_countdown()

    def _show_countdown(self) -> None:
        settings = self._session.settings
        where = "{}:{}".format(*settings.host_port) if settings is not None else ""
        text = countdown_text(where, self._scheduled, self._clock(), self._stalled)
        if self.message.text() != text:
            self.message.setText(text)


def with_banner(banner: QWidget, content: QWidget) -> QWidget:
    """``content`` with ``banner`` stacked above it, for a window's central widget."""
    holder = QWidget()
    layout = QVBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    layout.addWidget(banner)
    layout.addWidget(content, 1)
    return holder
