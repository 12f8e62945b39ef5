"""The emit console's own connection: a plain Socket.IO client, apart from the admin one.

Like the monitoring session, it never lets widgets hold the network client:
the console asks it to connect, disconnect and emit, and everything the probe
hears comes back through one coalesced signal, so a server that floods the
probe costs one list append per event and one view update per tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from sio_monitor.domain.emit.probe_events import (
    EmitResult,
    ProbeEventReceived,
    ProbeState,
    ProbeStateChanged,
)
from sio_monitor.domain.emit.probe_settings import ProbeSettings
from sio_monitor.qt.timers import coalescing_timer

if TYPE_CHECKING:
    from sio_monitor.net.probe import ProbeClient

log = logging.getLogger(__name__)

#: Milliseconds between the first event of a batch and its delivery to the views.
COALESCE_MS = 30
#: The whole of a probe's shutdown, bounded: exit must never hang on the network.
CLOSE_TIMEOUT = 2.0


class ProbeSession(QObject):
    """Owns at most one ProbeClient; the only way views reach the probe connection."""

    state_changed = Signal(object)  # ProbeStateChanged, the newest of a batch
    events_arrived = Signal(object)  # list of probe events, in arrival order

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings: ProbeSettings | None = None
        self.last_state: ProbeStateChanged | None = None
        #: Event names heard on this probe, for completing the event name field.
        self.seen_events: set[str] = set()
        #: Per event name, the arguments answered when the server asks the probe for an ack.
        self.ack_replies: dict[str, tuple[Any, ...]] = {}
        self._client: ProbeClient | None = None
        self._connect_task: asyncio.Task[bool] | None = None
        self._pending: list[object] = []
        self._timer = coalescing_timer(self, COALESCE_MS, self.flush)

    @property
    def state(self) -> ProbeState:
        return self.last_state.state if self.last_state is not None else ProbeState.DISCONNECTED

    @property
    def connected(self) -> bool:
        return self._client is not None and self.state is ProbeState.CONNECTED

    @property
    def namespaces(self) -> tuple[str, ...]:
        if self._client is not None and self.connected:
            return self._client.connected_namespaces
        return self.settings.namespaces if self.settings is not None else ("/",)

    def sink(self, event: object) -> None:
        """Called by the probe client for every event: append, arm, return."""
        self._pending.append(event)
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        self._timer.stop()
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        newest: ProbeStateChanged | None = None
        for event in batch:
            if isinstance(event, ProbeStateChanged):
                newest = event
            elif isinstance(event, ProbeEventReceived):
                self.seen_events.add(event.event)
        if newest is not None:
            self.last_state = newest
            self.state_changed.emit(newest)
        self.events_arrived.emit(batch)

    async def connect_to(self, settings: ProbeSettings) -> bool:
        """Drop the current probe (if any) and connect with ``settings``."""
        await self.disconnect()
        self.settings = settings
        from sio_monitor.net.probe import ProbeClient  # the network stack loads after first paint

        client = ProbeClient(settings, self.sink)
        client.ack_replies = self.ack_replies  # shared: edits apply to the live connection
        self._client = client
        self._connect_task = asyncio.ensure_future(client.connect())
        try:
            return await self._connect_task
        except asyncio.CancelledError:
            return False
        finally:
            self._connect_task = None
            self.flush()

    async def disconnect(self) -> None:
        client, self._client = self._client, None
        if self._connect_task is not None:
            self._connect_task.cancel()
        if client is not None:
            with contextlib.suppress(Exception, asyncio.TimeoutError):
                await asyncio.wait_for(client.close(), CLOSE_TIMEOUT)
        self.flush()

    async def emit(
        self,
        namespace: str,
        event: str,
        args: Sequence[Any],
        *,
        ack_timeout: float | None = None,
    ) -> EmitResult:
        if self._client is None or not self.connected:
            raise RuntimeError("The probe is not connected: connect it first, then send again.")
        return await self._client.emit(namespace, event, args, ack_timeout=ack_timeout)
