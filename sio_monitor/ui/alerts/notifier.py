"""Desktop notifications of alerts, through the system tray where there is one.

Offscreen, in a bare window manager or over some remote desktops there is no
tray: then nothing is shown here, and the overview's line and the event log
still say it. ``said`` keeps what was notified, newest last (bounded).
"""

from __future__ import annotations

from collections import deque

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget

from sio_monitor.domain.alerts import AlertChanged

TITLE = "SIO Monitor"
KEPT = 50


class AlertNotifier:
    """Shows a tray message per alert fired or cleared, when a tray exists."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.said: deque[str] = deque(maxlen=KEPT)
        self._parent = parent
        self._tray: QSystemTrayIcon | None = None

    @property
    def available(self) -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable() and QSystemTrayIcon.supportsMessages()

    def notify(self, change: AlertChanged, where: str) -> None:
        message = f"{where}: {change.message}" if where else change.message
        self.said.append(message)
        if not self.available:
            return
        tray = self._tray
        if tray is None:
            icon = QApplication.windowIcon() if QApplication.instance() else QIcon()
            tray = self._tray = QSystemTrayIcon(icon, self._parent)
            tray.setToolTip(TITLE)
            tray.show()
        kind = (
            QSystemTrayIcon.MessageIcon.Warning
            if change.firing
            else (QSystemTrayIcon.MessageIcon.Information)
        )
        tray.showMessage(TITLE, message, kind, 10_000)

    def close(self) -> None:
        if self._tray is not None:
            self._tray.hide()
            self._tray.deleteLater()
            self._tray = None
