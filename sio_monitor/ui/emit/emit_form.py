"""The emit form: where to send, which event, its arguments, and whether to wait for an ack.

The form only edits an ``EmitRequest``; sending belongs to the console. Up and
Down in the event name field walk the history like a shell, and Ctrl+Enter
anywhere in the form sends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sio_monitor.domain.emit.emit_requests import (
    DEFAULT_ACK_TIMEOUT,
    ROUTE_NAMESPACE,
    ROUTE_PROBE,
    ROUTE_ROOM,
    ROUTE_SOCKET,
    EmitRequest,
)
from sio_monitor.ui.emit.arg_editor import ArgumentList

ROUTE_LABELS = (
    (ROUTE_PROBE, "Probe connection"),
    (ROUTE_NAMESPACE, "Admin: every socket of the namespace"),
    (ROUTE_ROOM, "Admin: every socket in a room"),
    (ROUTE_SOCKET, "Admin: one socket"),
)


class EmitForm(QWidget):
    """Edits one request; ``send_requested`` when the user presses Send or Ctrl+Enter."""

    send_requested = Signal()
    history_older = Signal()
    history_newer = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emitForm")
        self.route = QComboBox(objectName="emitRoute")
        for key, label in ROUTE_LABELS:
            self.route.addItem(label, key)
        self.target = QLineEdit(objectName="emitTarget")
        self.namespace = QComboBox(objectName="emitNamespace", editable=True)
        self.namespace.addItem("/")
        self.event_name = QLineEdit(objectName="emitEventName", placeholderText="event name")
        self.event_name.setToolTip("Up and Down recall earlier emits")
        self._names = QStringListModel([], self)
        completer = QCompleter(self._names, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.event_name.setCompleter(completer)
        self.event_name.installEventFilter(self)
        self.arguments = ArgumentList(self)
        self.ack = QCheckBox("Wait for an ack", objectName="emitAck")
        self.ack_timeout = QDoubleSpinBox(objectName="emitAckTimeout", suffix=" s", decimals=1)
        self.ack_timeout.setRange(0.1, 600)
        self.ack_timeout.setValue(DEFAULT_ACK_TIMEOUT)
        self.send = QPushButton("Send", objectName="emitSend")
        self.send.setToolTip("Send the event (Ctrl+Enter)")
        self.send.setDefault(True)
        self.send.clicked.connect(self.send_requested)
        self.result = QLabel(objectName="emitResult")
        self.result.setTextFormat(Qt.TextFormat.PlainText)
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Send via", self.route)
        form.addRow("Room / socket", self.target)
        form.addRow("Namespace", self.namespace)
        form.addRow("Event", self.event_name)
        self._target_label = form.labelForField(self.target)
        ack_row = QHBoxLayout()
        ack_row.addWidget(self.ack)
        ack_row.addWidget(self.ack_timeout)
        ack_row.addStretch(1)
        ack_row.addWidget(self.send)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(QLabel("Arguments"))
        layout.addWidget(self.arguments, 1)
        layout.addLayout(ack_row)
        layout.addWidget(self.result)

        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.send_requested)
        add = QShortcut(QKeySequence("Ctrl+Shift+A"), self)
        add.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        add.activated.connect(lambda: self.arguments.add(focus=True))
        self.route.currentIndexChanged.connect(self._route_changed)
        self.ack.toggled.connect(self.ack_timeout.setEnabled)
        self.ack_timeout.setEnabled(False)
        self._route_changed()

    # --- the request -------------------------------------------------------------------

    def request(self) -> EmitRequest:
        """The request as typed (variables unfilled, arguments unparsed)."""
        route = str(self.route.currentData())
        return EmitRequest(
            event=self.event_name.text(),
            namespace=self.namespace.currentText().strip() or "/",
            args=self.arguments.specs(),
            ack=self.ack.isChecked() and route == ROUTE_PROBE,
            ack_timeout=self.ack_timeout.value(),
            route=route,
            target=self.target.text().strip() if route in (ROUTE_ROOM, ROUTE_SOCKET) else "",
        )

    def set_request(self, request: EmitRequest) -> None:
        self.route.setCurrentIndex(max(0, self.route.findData(request.route)))
        self.target.setText(request.target)
        self.namespace.setCurrentText(request.namespace)
        self.event_name.setText(request.event)
        self.arguments.set_specs(request.args)
        self.ack.setChecked(request.ack)
        self.ack_timeout.setValue(request.ack_timeout)

    # --- what the console keeps current ---------------------------------------------------

    def set_namespaces(self, names: Iterable[str]) -> None:
        current = self.namespace.currentText()
        wanted = sorted(set(names) | {"/"})
        if wanted != [self.namespace.itemText(i) for i in range(self.namespace.count())]:
            self.namespace.blockSignals(True)
            self.namespace.clear()
            self.namespace.addItems(wanted)
            self.namespace.setCurrentText(current or "/")
            self.namespace.blockSignals(False)

    def set_event_names(self, names: Iterable[str]) -> None:
        self._names.setStringList(sorted(set(names), key=str.casefold))

    def set_admin_routes(self, why_not: str | None) -> None:
        """Disable the admin routes, with the reason as tooltip, when the server refuses emits."""
        model = self.route.model()
        for row in range(1, self.route.count()):
            item = model.item(row)  # type: ignore[attr-defined]
            item.setEnabled(why_not is None)
            item.setToolTip(why_not or "")
        if why_not is not None and self.route.currentIndex() != 0:
            self.route.setCurrentIndex(0)

    def say(self, sentence: str, *, ok: bool | None = None) -> None:
        colour = {True: "#2e7d32", False: "#c62828", None: ""}[ok]
        self.result.setStyleSheet(f"color: {colour};" if colour else "")
        self.result.setText(sentence)

    # --- Qt --------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.event_name and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            popup = self.event_name.completer().popup()
            if not popup.isVisible() and event.modifiers() == Qt.KeyboardModifier.NoModifier:
                signal: Callable[[], None] | None = {
                    Qt.Key.Key_Up: self.history_older.emit,
                    Qt.Key.Key_Down: self.history_newer.emit,
                }.get(Qt.Key(event.key()))
                if signal is not None:
                    signal()
                    return True
        return super().eventFilter(watched, event)

    def _route_changed(self) -> None:
        route = self.route.currentData()
        admin_target = route in (ROUTE_ROOM, ROUTE_SOCKET)
        self.target.setVisible(admin_target)
        if self._target_label is not None:
            self._target_label.setVisible(admin_target)
        self.target.setPlaceholderText("room name" if route == ROUTE_ROOM else "socket id")
        probe = route == ROUTE_PROBE
        self.ack.setEnabled(probe)
        self.ack.setToolTip("" if probe else "The admin emit command has no acknowledgement.")
