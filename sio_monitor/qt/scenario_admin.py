"""The window's admin view for scenarios: the tab's own monitor state, woken by its bridge.

A scenario run in the window judges ``admin_expect`` from exactly what the
tab shows, the bridge's ``MonitorState``, so a verdict and the explorer never
disagree; and the terminal's feed folds the same stream into the same state,
so the verdict is the same there too.
"""

from __future__ import annotations

import asyncio
import contextlib

from PySide6.QtCore import QObject

from sio_monitor.domain.topology.topology import Topology
from sio_monitor.qt.bridge import EventBridge


class BridgeAdminView(QObject):
    """``AdminView`` over a bridge: ``changed`` returns after its next applied batch."""

    def __init__(self, bridge: EventBridge, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._changed = asyncio.Event()
        bridge.batch_applied.connect(self._on_batch)

    @property
    def topology(self) -> Topology:
        return self._bridge.topology

    def refresh(self) -> None:
        """The bridge applies on its own timer: nothing to fold in here."""

    async def changed(self, timeout: float) -> None:
        self._changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout)

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, TypeError):
            self._bridge.batch_applied.disconnect(self._on_batch)

    def _on_batch(self, _changes: object) -> None:
        self._changed.set()
