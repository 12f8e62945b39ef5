"""Sending admin actions for the views and saying, in one sentence each, how they ended.

The views build an ``Action`` (``domain/actions.py``) and call ``run``; this
module checks it, sends it through the session without blocking the GUI,
follows it with an ``ActionTracker`` and reports the outcome through
``status_message``. The tracker reads the bridge's raw batches
(``events_applied``): the room_*, socket_disconnected and event_sent events
that prove an effect, and the connection changes that settle what is pending.
Times come from an injected ``clock`` (``time.time`` by default), so a test
moves past a deadline by moving its clock, and ``check_deadlines`` settles it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject, Signal

from sio_monitor.domain import actions as act
from sio_monitor.domain.actions import Action, ActionError, ActionTracker, ActionType
from sio_monitor.domain.events import DomainEvent
from sio_monitor.net.task_keeper import TaskKeeper
from sio_monitor.qt.session import MonitorSession
from sio_monitor.qt.timers import coalescing_timer

log = logging.getLogger(__name__)


class ActionRunner(QObject):
    """Runs the views' actions; ``status_message`` carries every sentence for the status bar."""

    status_message = Signal(str)
    action_sent = Signal(object)  # Action, once the command went out

    def __init__(
        self,
        session: MonitorSession,
        parent: QObject | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._clock = clock
        self.tracker = ActionTracker(admin_namespace=session.bridge.admin_namespace)
        #: The monitor's own "send nothing" switch, on top of what the server allows.
        self.read_only = False
        self._tasks = TaskKeeper("Action", logger=log)
        self._failed: dict[int, act.PendingAction] = {}  # commands that never left: no result
        self._expiry = coalescing_timer(self, None, self.check_deadlines)
        session.bridge.events_applied.connect(self.observe_events)

    # --- what the views ask ----------------------------------------------------------

    def why_unavailable(self, action_type: ActionType) -> str | None:
        """The tooltip for a disabled action, or None when it can be sent."""
        features = self._session.bridge.topology.features
        return act.why_unavailable(action_type, features, read_only=self.read_only)

    @property
    def connected(self) -> bool:
        """Whether the admin connection is up to carry a command."""
        return self._session.client is not None

    def run(self, action: Action) -> bool:
        """Check and send ``action``; False (and a status sentence) when it was refused."""
        return self.start(action) is not None

    def start(self, action: Action) -> asyncio.Future[Exception | None] | None:
        """Check ``action`` and start sending it; None (and a status sentence) when refused.

        The task ends once the command went out, with None, or with the error
        that kept it from going out (already said in the status bar).
        """
        bridge = self._session.bridge
        self.tracker.admin_namespace = bridge.admin_namespace
        try:
            if self.read_only:
                raise ActionError(act.why_unavailable(action, (), read_only=True) or "")
            pending = self.tracker.start(action, bridge.topology, self._clock())
        except ActionError as error:
            self.status_message.emit(str(error))
            return None
        return self._tasks.spawn(self._send(action, pending))

    async def _send(self, action: Action, pending: act.PendingAction) -> Exception | None:
        try:
            await self._session.send(*action.command())
        except Exception as error:  # the session says what went wrong in a sentence
            log.warning("could not send %s: %s", action.command()[0], error)
            self._failed[pending.id] = pending
            self.status_message.emit(f"Could not {action.describe()}: {error}")
            return error
        self.action_sent.emit(action)
        if pending.result is not None:
            self.status_message.emit(pending.result.message)
        else:
            self.status_message.emit(f"Sent: {action.describe()}; waiting for its effect…")
            self._arm()
        return None

    # --- following the effects --------------------------------------------------------

    def observe_events(self, batch: Iterable[DomainEvent]) -> None:
        """The raw events of each applied batch: the only evidence of an effect."""
        self._report(self.tracker.apply(batch, self._clock()))

    def check_deadlines(self) -> None:
        """Settle every action whose time ran out by the clock; the timer calls this."""
        self._report(self.tracker.expire(self._clock()))
        self._arm()

    def _arm(self) -> None:
        deadline = self.tracker.next_deadline()
        if deadline is None:
            self._expiry.stop()
            return
        self._expiry.start(max(0, int((deadline - self._clock()) * 1000) + 1))

    def _report(self, results: list[act.ActionResult]) -> None:
        for result in results:
            unsent = next((p for p in self._failed.values() if p.result is result), None)
            if unsent is not None:
                del self._failed[unsent.id]  # its failure to send was said already
                continue
            self.status_message.emit(result.message)
