"""One connection's alerts: its rules judged once a second against its monitor state.

The rules are read from the same ``MonitorState`` the views show (through the
bridge), so an alert says what the overview and the charts say. When a rule
fires or clears, the controller says so in three places: at the top of the
overview (the overview's attention line when it has one, which links to the
log, else the alerts' own line), the desktop (a tray notification where there
is a tray), and the event log, as a row of its own. Rules are saved per profile, or per server
for a connection made without one, and follow the connection tab when it
connects elsewhere.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from sio_monitor.domain.alerts import AlertChanged, AlertEngine, AlertRule
from sio_monitor.domain.emit.probe_events import ProbeAckReceived
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.qt.bridge import EventBridge
from sio_monitor.store.alerts_store import AlertStore, profile_key, server_key
from sio_monitor.ui.alerts.alert_line import AlertLine
from sio_monitor.ui.alerts.alerts_dialog import AlertsDialog
from sio_monitor.ui.alerts.notifier import AlertNotifier

#: Milliseconds between two judgements of the rules.
EVALUATE_MS = 1000
#: The keys of the alerts' items on the overview's attention line.
ATTENTION_PREFIX = "alert:"


class Attention(Protocol):
    """The overview's attention line, as far as alerts use it."""

    def add_item(self, key: str, text: str, target: str = "") -> None: ...

    def remove_item(self, key: str) -> None: ...


class AlertsController(QObject):
    """Judges one connection's rules and says what fires and clears."""

    alert_changed = Signal(object)  # AlertChanged
    status_message = Signal(str)

    def __init__(
        self,
        bridge: EventBridge,
        log: Callable[[list[object]], None] | None = None,
        *,
        store: AlertStore | None = None,
        clock: Callable[[], float] = time.time,
        attention: Attention | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.attention = attention
        self.store = store or AlertStore()
        self.engine = AlertEngine()
        self.clock = clock
        self.key: str | None = None
        self.where = ""
        self.ack_rtt_ms: float | None = None
        self._log = log
        self._profile: tuple[str, str] | None = None  # (name, url) of the profile chosen
        self._parent = parent
        self.line = AlertLine(parent)
        self.line.edit_requested.connect(self.edit)
        self.notifier = AlertNotifier(parent)
        self.dialog: AlertsDialog | None = None
        self._rules: list[AlertRule] = []
        self.timer = QTimer(self, objectName="alertsTimer")
        self.timer.setInterval(EVALUATE_MS)
        self.timer.timeout.connect(self.evaluate)

    # --- which rules ------------------------------------------------------------------------

    def use_profile(self, name: str, url: str) -> None:
        """The next connection to ``url`` was made from the profile ``name``."""
        self._profile = (name, url)

    def connected_to(self, settings: ConnectionSettings) -> None:
        """Load the rules of the profile (or server) this tab now watches."""
        profile = self._profile
        if profile is not None and profile[1] == settings.url:
            key, where = profile_key(profile[0]), f"the profile {profile[0]}"
        else:
            host, port = settings.host_port
            key, where = server_key(settings.url, settings.admin_namespace), f"{host}:{port}"
        if key == self.key:
            return
        self.key, self.where = key, where
        self._take(self.store.load(key), save=False)
        if self.store.problem:
            self.status_message.emit(self.store.problem)

    def set_rules(self, rules: list[AlertRule]) -> None:
        """Apply and save a new rule list (the dialog's edits)."""
        self._take(rules, save=True)

    def _take(self, rules: list[AlertRule], *, save: bool) -> None:
        for change in self.engine.set_rules(rules):
            self._say(change)
        if save and self.key is not None:
            try:
                self.store.save(self.key, rules)
            except OSError as exc:
                self.status_message.emit(
                    f"The alert rules could not be saved ({exc.strerror or exc}); "
                    "they apply until the window closes."
                )
        self._rules = list(rules)
        if rules and not self.timer.isActive():
            self.timer.start()
        elif not rules:
            self.timer.stop()
        self._show()

    @property
    def rules(self) -> list[AlertRule]:
        return list(self._rules)

    # --- judging ------------------------------------------------------------------------------

    def note_probe(self, batch: list[object]) -> None:
        """The emit console's probe events: the latest ack's round trip is a figure."""
        for event in batch:
            if isinstance(event, ProbeAckReceived):
                self.ack_rtt_ms = event.rtt_ms

    def evaluate(self) -> list[AlertChanged]:
        changes = self.engine.evaluate(self.bridge.state, self.clock(), self.ack_rtt_ms)
        for change in changes:
            self._say(change)
        if changes:
            self._show()
        return changes

    def _say(self, change: AlertChanged) -> None:
        if self.attention is not None:
            key = f"{ATTENTION_PREFIX}{change.rule.id}"
            if change.firing:
                self.attention.add_item(key, change.message, "log")
            else:
                self.attention.remove_item(key)
        if self._log is not None:
            self._log([change])
        self.notifier.notify(change, self.where)
        self.status_message.emit(change.message)
        self.alert_changed.emit(change)

    def _show(self) -> None:
        self.line.show_alerts(
            self.engine.firing(), len(self.engine.rules), said_above=self.attention is not None
        )

    # --- editing ------------------------------------------------------------------------------

    def edit(self) -> None:
        if self.dialog is None:
            self.dialog = AlertsDialog(self._parent)
            self.dialog.rules_changed.connect(self.set_rules)
        self.dialog.set_rules(self.rules, self.where or "this connection")
        self.dialog.open()

    def close(self) -> None:
        self.timer.stop()
        self.notifier.close()
