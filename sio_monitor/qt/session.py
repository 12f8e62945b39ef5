"""One monitoring session: the admin client of the current server and its bridge.

Widgets never hold the network client; they ask the session to connect or
disconnect and read what arrives through the bridge. Connecting elsewhere swaps
the client cleanly (qtconsole's way): the old one is closed, the bridge is
reset, and only then does the new one start talking.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from PySide6.QtCore import QObject, Signal

from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.net.admin import AdminClient
from sio_monitor.qt.bridge import EventBridge

log = logging.getLogger(__name__)

#: The whole of a session's shutdown, bounded: exit must never hang on the network.
CLOSE_TIMEOUT = 2.0


class MonitorSession(QObject):
    """Connects the admin client of one server to the bridge the views read."""

    settings_changed = Signal(object)  # ConnectionSettings | None

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bridge = EventBridge(self)
        self.settings: ConnectionSettings | None = None
        self._client: AdminClient | None = None
        self._connect_task: asyncio.Task[bool] | None = None

    @property
    def client(self) -> AdminClient | None:
        return self._client

    async def connect_to(self, settings: ConnectionSettings) -> bool:
        """Drop the current connection (if any) and connect to ``settings``."""
        await self.disconnect()
        self.bridge.reset(settings.admin_namespace)
        self.settings = settings
        self.settings_changed.emit(settings)
        self._client = AdminClient(settings, self.bridge.sink)
        self._connect_task = asyncio.ensure_future(self._client.connect())
        try:
            return await self._connect_task
        except asyncio.CancelledError:
            return False
        finally:
            self._connect_task = None

    async def disconnect(self) -> None:
        client, self._client = self._client, None
        if self._connect_task is not None:
            self._connect_task.cancel()
        if client is not None:
            with contextlib.suppress(Exception, asyncio.TimeoutError):
                await asyncio.wait_for(client.close(), CLOSE_TIMEOUT)
            self.bridge.flush()

    async def send(self, command: str, *args: object) -> None:
        if self._client is None or not self._client.connected:
            raise RuntimeError("Not connected to a server: connect first, then try again.")
        await self._client.send(command, *args)
