"""The emit console: a Socket.IO test client beside the monitor, sharing what it knows.

It puts together the probe connection form, the emit form, the listen log,
the history, snippets and ack replies around an ``EmitService``, which does
the sending without a widget: checking, filling ``{{variables}}``, parsing,
routing to the probe or the admin connection (the workspace's action runner),
history and the result sentence. The console shows what it says: the result
(an ack with its round trip, a timeout, or a refusal) lands in the form, the
history and the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QSplitter, QTabWidget, QVBoxLayout, QWidget

from sio_monitor.domain import actions as act
from sio_monitor.domain.emit.emit_args import ArgKind
from sio_monitor.domain.emit.emit_requests import ArgSpec, EmitRequest, RequestError
from sio_monitor.domain.emit.emit_service import SENDING, EmitService, Sending
from sio_monitor.domain.emit.probe_events import ProbeStateChanged
from sio_monitor.domain.emit.probe_settings import ProbeSettings
from sio_monitor.domain.settings import ConnectionSettings, SettingsError
from sio_monitor.net.task_keeper import TaskKeeper
from sio_monitor.qt.action_runner import ActionRunner
from sio_monitor.qt.models.emit_log_model import ACK, ADMIN, EmitLogModel, make_entry
from sio_monitor.qt.probe_session import ProbeSession
from sio_monitor.qt.session import MonitorSession
from sio_monitor.store.snippets_store import SnippetStore
from sio_monitor.ui.connection.probe_connection import ProbeConnectionPanel
from sio_monitor.ui.emit.ack_replies import AckRepliesPanel
from sio_monitor.ui.emit.emit_form import EmitForm
from sio_monitor.ui.emit.emit_library import HistoryPanel, SnippetsPanel
from sio_monitor.ui.emit.emit_listen import ListenPanel

log = logging.getLogger(__name__)

DEMO_NAMESPACE = "/chat"
DEMO_MESSAGE = {"room": "lobby", "text": "Hello from SIO Monitor"}  # the demo's HOME_ROOM


class EmitConsole(QWidget):
    """Everything of the Emit tab; sends through the probe or the admin connection."""

    status_message = Signal(str)

    def __init__(
        self,
        session: MonitorSession,
        probe: ProbeSession,
        runner: ActionRunner,
        store: SnippetStore | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("emitConsole")
        self.session = session
        self.probe = probe
        self.runner = runner
        self.service = EmitService(probe, runner)
        self.history = self.service.history
        self._tasks = TaskKeeper("Emit console", on_error=self._task_failed, logger=log)

        self.connection = ProbeConnectionPanel(self)
        self.form = EmitForm(self)
        self.log_model = EmitLogModel()
        self.listen = ListenPanel(self.log_model, self)
        self.history_panel = HistoryPanel(self)
        self.snippets = SnippetsPanel(store or SnippetStore(), self)
        self.ack_replies = AckRepliesPanel(probe.ack_replies, self)
        self.tabs = QTabWidget(objectName="emitTabs")
        self.tabs.addTab(self.listen, "Log")
        self.tabs.addTab(self.history_panel, "History")
        self.tabs.addTab(self.snippets, "Snippets")
        self.tabs.addTab(self.ack_replies, "Ack replies")
        self.split = QSplitter(Qt.Orientation.Horizontal, objectName="emitSplit")
        self.split.addWidget(self.form)
        self.split.addWidget(self.tabs)
        self.split.setStretchFactor(0, 2)
        self.split.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(self.connection)
        layout.addWidget(self.split, 1)

        self.connection.connect_requested.connect(lambda s: self._spawn(probe.connect_to(s)))
        self.connection.disconnect_requested.connect(lambda: self._spawn(probe.disconnect()))
        probe.state_changed.connect(self._probe_state)
        probe.events_arrived.connect(self._probe_events)
        session.settings_changed.connect(self._admin_settings)
        session.bridge.batch_applied.connect(self._admin_batch)
        self.form.send_requested.connect(self.send)
        self.form.history_older.connect(lambda: self._recall(self.history.older()))
        self.form.history_newer.connect(lambda: self._recall(self.history.newer()))
        self.history_panel.load_requested.connect(self.form.set_request)
        self.history_panel.resend_requested.connect(self._resend)
        self.snippets.load_requested.connect(self.form.set_request)
        self.snippets.save_requested.connect(
            lambda: self.snippets.save_current(self.form.request())
        )
        # Built after the connection or the probe already said something: catch up.
        if probe.last_state is not None:
            self._probe_state(probe.last_state)
        if session.settings is not None:
            self._admin_settings(session.settings)

    def take_probe_events(self, batch: list[object]) -> None:
        """Probe events that arrived before the console listened to the probe."""
        self._probe_events(batch)

    # --- sending ------------------------------------------------------------------------------

    def send(self) -> bool:
        """Send the form's request through the service; False (and why) when it was refused."""
        try:
            sending = self.service.start(self.form.request(), self.snippets.values())
        except RequestError as exc:
            self.form.say(str(exc), ok=False)
            return False
        if sending.dropped is not None:
            self.history_panel.forget(sending.dropped)
        self.history_panel.add(sending.entry)
        self.form.say(SENDING)
        self._spawn(self._finish(sending))
        return True

    async def _finish(self, sending: Sending) -> None:
        """Show how the send ended; an admin emit enters the log once it went out."""
        entry = await self.service.finish(sending)
        self.history_panel.refresh(entry)
        self.form.say(entry.outcome, ok=bool(entry.ok))
        emit = sending.emit
        if sending.sent_at is not None and not emit.through_probe:
            filled = emit.filled
            row = make_entry(
                sending.sent_at, ADMIN, filled.namespace, filled.event, emit.values, emit.where()
            )
            self.log_model.add([row])

    def _resend(self, request: EmitRequest) -> None:
        self.form.set_request(request)
        self.send()

    def _recall(self, request: EmitRequest | None) -> None:
        if request is not None:
            self.form.set_request(request)
        else:
            self.form.event_name.clear()

    def use_profile_probe(self, settings: ProbeSettings, missing: list[str]) -> None:
        """Show a profile's probe settings; name the secrets to type before connecting."""
        self.connection.fill(settings)
        if missing:
            names = ", ".join(m.removeprefix("probe.") for m in missing)
            self.connection.say(
                f"Type the probe's {names}: not stored on this computer, then connect."
            )

    # --- the demo ------------------------------------------------------------------------------

    async def try_demo(self, url: str) -> None:
        """On the demo server: connect the probe to both namespaces and prefill a chat message."""
        self.connection.follow_url(url)
        self.connection.namespaces.setText(f"/ {DEMO_NAMESPACE}")
        self.form.set_request(
            EmitRequest(
                "message",
                DEMO_NAMESPACE,
                (ArgSpec(ArgKind.JSON.value, json.dumps(DEMO_MESSAGE)),),
                ack=True,
            )
        )
        with contextlib.suppress(SettingsError):
            await self.probe.connect_to(self.connection.settings())

    async def demo_exchange(self) -> None:
        """Send the prefilled message and a ping, and wait for their acks (for screenshots).

        Only on a probe connected by ``try_demo`` and with an event name filled in:
        a screenshot of another server's Emit tab shows the tab as it opens, calm,
        without a red sentence about a send nobody asked for.
        """
        if not self.probe.connected:
            return
        ping = EmitRequest("ping", "/", (ArgSpec(ArgKind.STRING.value, "hello"),), ack=True)
        filled = [r for r in (ping, self.form.request()) if r.event.strip()]
        for request in filled:
            self.form.set_request(request)
            if self.send():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        asyncio.gather(*self._tasks.pending), request.ack_timeout
                    )
        self.probe.flush()
        self.listen.select_latest(ACK)

    # --- following both connections ---------------------------------------------------------

    def _probe_state(self, change: ProbeStateChanged) -> None:
        self.connection.show_state(change)
        if self.probe.settings is not None:
            self.snippets.show_connection(self.probe.settings.url)
        self._refresh_names()

    def _probe_events(self, batch: list[object]) -> None:
        before = len(self.probe.seen_events)
        self.log_model.add_probe_events(batch)
        if len(self.probe.seen_events) != before:
            self._refresh_names()

    def _admin_settings(self, settings: ConnectionSettings | None) -> None:
        if settings is not None:
            self.connection.follow_url(settings.url)
            if not self.snippets.connection:
                self.snippets.show_connection(settings.url)

    def _admin_batch(self, _changes: object) -> None:
        if self.isVisible():
            self._refresh_admin()

    def _refresh_admin(self) -> None:
        bridge = self.session.bridge
        namespaces = [n for n in bridge.topology.namespaces() if n != bridge.admin_namespace]
        self.form.set_namespaces([*namespaces, *self.probe.namespaces])
        emit_type = act.ActionType(act.ActionKind.EMIT, act.Scope.NAMESPACE)
        self.form.set_admin_routes(self.runner.why_unavailable(emit_type))

    def _refresh_names(self) -> None:
        names = {name for name, *_ in self.session.bridge.rates.top_events(n=500)}
        # A name of over 1,024 characters is an attack or a mistake; the completer's text
        # layout of a megabyte would freeze the window.
        self.form.set_event_names(n for n in names | self.probe.seen_events if len(n) <= 1024)

    # --- Qt ---------------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._refresh_admin()
        self._refresh_names()

    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        self._tasks.spawn(coroutine)

    def _task_failed(self, error: BaseException) -> None:
        self.status_message.emit(f"Unexpected error in the emit console: {error}")
