"""One monitoring session: the admin client of the current server, its bridge, its clock.

Widgets never hold the network client; they ask the session to connect,
disconnect or reconnect now, and read what arrives through the bridge.
Connecting elsewhere swaps the client cleanly (qtconsole's way): the old one is
closed, the bridge is reset, and only then does the new one start talking.

The session also keeps the topology's clock. A server that dies sends nothing,
so nothing on the wire would ever say so: a single-shot timer is armed for the
moment the first healthy server would have missed three stats intervals, and
when it fires a ``ClockTicked`` goes down the same bridge as every event, so
the verdict lands in an ordinary batch. When a verdict leaves the socket list
holding sockets of a server that stopped reporting, the session asks the
client for a fresh snapshot (``AdminClient.resync``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from sio_monitor.domain.events import ClockTicked, ConnectionState
from sio_monitor.domain.monitor_state import HEALTH_MARGIN
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.domain.topology.changes import ChangeSet
from sio_monitor.net.backoff import Backoff
from sio_monitor.qt.bridge import EventBridge
from sio_monitor.qt.timers import coalescing_timer

if TYPE_CHECKING:
    from sio_monitor.net.admin import AdminClient

log = logging.getLogger(__name__)

#: The whole of a session's shutdown, bounded: exit must never hang on the network.
CLOSE_TIMEOUT = 2.0
__all__ = ["HEALTH_MARGIN", "MonitorSession"]
#: Longest the health timer sleeps at once; a later deadline re-arms it.
MAX_HEALTH_WAIT = 60.0


class MonitorSession(QObject):
    """Connects the admin client of one server to the bridge the views read."""

    settings_changed = Signal(object)  # ConnectionSettings | None

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        clock: Callable[[], float] = time.time,
        backoff: Backoff | None = None,
    ) -> None:
        super().__init__(parent)
        self.bridge = EventBridge(self)
        self.settings: ConnectionSettings | None = None
        self.resyncs = 0  # fresh snapshots asked for because a server fell silent
        self._clock = clock
        self._backoff = backoff
        self._client: AdminClient | None = None
        self._connect_task: asyncio.Task[bool] | None = None
        self._resync_task: asyncio.Task[None] | None = None
        self._resync_again = False
        self._health_due: float | None = None
        self._health = coalescing_timer(self, None, self._tick, precise=True)
        self.bridge.batch_applied.connect(self._batch_applied)

    @property
    def client(self) -> AdminClient | None:
        return self._client

    @property
    def health_due(self) -> float | None:
        """When the next health verdict is due (epoch seconds), or None when none is."""
        return self._health_due

    async def connect_to(self, settings: ConnectionSettings) -> bool:
        """Drop the current connection (if any) and connect to ``settings``."""
        await self.disconnect()
        self.bridge.reset(settings.admin_namespace)
        self.settings = settings
        self.settings_changed.emit(settings)
        from sio_monitor.net.admin import AdminClient  # the network stack loads after first paint

        self._client = AdminClient(
            settings, self.bridge.sink, clock=self._clock, backoff=self._backoff
        )
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
        if self._resync_task is not None:
            self._resync_task.cancel()
            self._resync_task = None
        self._arm(None)
        if client is not None:
            with contextlib.suppress(Exception, asyncio.TimeoutError):
                await asyncio.wait_for(client.close(), CLOSE_TIMEOUT)
            self.bridge.flush()

    def reconnect_now(self) -> bool:
        """Skip the rest of the reconnect wait; False when no reconnection is waiting."""
        return self._client is not None and self._client.reconnect_now()

    async def send(self, command: str, *args: object) -> None:
        if self._client is None or not self._client.connected:
            raise RuntimeError("Not connected to a server: connect first, then try again.")
        await self._client.send(command, *args)

    # --- the clock and the snapshot refresh ----------------------------------

    def _batch_applied(self, changes: ChangeSet) -> None:
        state = self.bridge.state
        # Only while listening: silence while the monitor is away is its own.
        listening = (
            self._client is not None and state.topology.connection is ConnectionState.CONNECTED
        )
        self._arm(state.health_due() if listening else None)
        if changes.snapshot_stale:
            self._refresh_snapshot()

    def _arm(self, due: float | None) -> None:
        if due is None:
            self._health_due = None
            self._health.stop()
            return
        if due == self._health_due and self._health.isActive():
            return
        self._health_due = due
        wait = min(MAX_HEALTH_WAIT, max(0.0, due - self._clock()))
        self._health.start(int(wait * 1000) + 1)

    def _tick(self) -> None:
        self.bridge.sink(ClockTicked(self._clock()))

    def _refresh_snapshot(self) -> None:
        if self._resync_task is not None and not self._resync_task.done():
            self._resync_again = True  # a second server fell silent meanwhile
            return
        self._resync_task = asyncio.ensure_future(self._resync())

    async def _resync(self) -> None:
        again = True
        while again and self._client is not None:
            self._resync_again = False
            self.resyncs += 1
            log.info("A server stopped reporting; asking for a fresh socket list")
            await self._client.resync()
            again = self._resync_again
