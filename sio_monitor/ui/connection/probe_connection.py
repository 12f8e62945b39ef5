"""The probe connection form: every option of an ordinary Socket.IO client, and its state.

The handshake URL that will be requested is previewed as the options change,
so a user sees the path, transport and query that will go out before pressing
Connect. The state line is always visible: connecting, connected (with sid and
transport), or disconnected with the reason.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sio_monitor.domain.emit.emit_args import ArgKind, ArgumentError, json_error, parse_argument
from sio_monitor.domain.emit.probe_events import ProbeState, ProbeStateChanged
from sio_monitor.domain.emit.probe_settings import ProbeSettings
from sio_monitor.domain.sensitive import every_name, is_sensitive_name
from sio_monitor.domain.settings import (
    DEFAULT_PATH,
    TRANSPORT_CHOICES,
    SettingsError,
    parse_pairs,
)
from sio_monitor.ui.connection.connection_fields import ca_file_row, parse_headers, transport_field
from sio_monitor.ui.emit.arg_editor import describe_error
from sio_monitor.ui.widgets.inline_error import inline_error
from sio_monitor.ui.widgets.pairs_edit import PairsEdit
from sio_monitor.ui.widgets.parser_field import parser_field

STATE_COLOURS = {
    ProbeState.CONNECTED: "#2e7d32",
    ProbeState.CONNECTING: "#f9a825",
    ProbeState.RECONNECTING: "#ef6c00",
    ProbeState.DISCONNECTED: "#757575",
}


def parse_query(text: str) -> dict[str, str]:
    """``name=value`` per line; raises SettingsError naming the line that is not."""
    return parse_pairs(text, "=", "Query")


def parse_namespaces(text: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(n.strip() for n in text.replace(",", " ").split() if n.strip()))
    for name in names:
        if not name.startswith("/"):
            raise SettingsError(f"The namespace {name!r} must start with '/', as in /chat.")
    return names or ("/",)


class ProbeConnectionPanel(QWidget):
    """The URL, Connect and state on one line; the other options fold out below."""

    connect_requested = Signal(object)  # ProbeSettings
    disconnect_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("probeConnection")
        self._url_typed = False

        self.url = QLineEdit(objectName="probeUrl", placeholderText="http://localhost:3000")
        self.url.textEdited.connect(self._url_edited)
        self.connect_button = QPushButton("Connect", objectName="probeConnect")
        self.connect_button.clicked.connect(self._toggle)
        self.more = QToolButton(text="Options", objectName="probeOptionsToggle", checkable=True)
        self.more.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.more.setArrowType(Qt.ArrowType.RightArrow)
        self.more.toggled.connect(self._fold)
        self.state = QLabel(objectName="probeState")
        self.state.setTextFormat(Qt.TextFormat.PlainText)
        self.state.setWordWrap(True)
        self.state.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.path = QLineEdit(DEFAULT_PATH, objectName="probePath")
        self.namespaces = QLineEdit("/", objectName="probeNamespaces")
        self.namespaces.setToolTip("One or several namespaces, separated by spaces or commas")
        self.transport = transport_field("probeTransport")
        # Masked except while being edited: the payload is usually a token, and screenshots
        # of this panel (and of the profile editor that embeds it) must not show it.
        self.auth = QLineEdit(objectName="probeAuth")
        self.auth.setPlaceholderText('{"token": "abc"}  (JSON, optional)')
        self.auth.setEchoMode(QLineEdit.EchoMode.PasswordEchoOnEdit)
        self.auth.setToolTip("Socket.IO 2 servers have no auth payload: use Query or Headers.")
        self.auth_note = QLabel(
            "Socket.IO 2 has no auth payload: not sent there (use Query or Headers).",
            objectName="probeAuthNote",
        )
        self.auth_note.setTextFormat(Qt.TextFormat.PlainText)
        self.auth_note.setStyleSheet("color: palette(placeholder-text);")
        self.parser = parser_field("probeParser")
        self.socketio_version: int | None = None
        self.headers = _small_editor(
            PairsEdit(":", every_name, "probeHeaders", "Authorization: Bearer …\n(one per line)")
        )
        self.query = _small_editor(
            PairsEdit("=", is_sensitive_name, "probeQuery", "room=lobby\n(one per line)")
        )
        self.verify_tls = QCheckBox("Verify TLS certificates", objectName="probeVerifyTls")
        self.verify_tls.setChecked(True)
        self.ca_file, ca_row = ca_file_row(self, "probeCaFile")
        self.timeout = _seconds("probeTimeout", 1, 120, 10)
        self.reconnect = QCheckBox("Reconnect automatically", objectName="probeReconnect")
        self.reconnect.setChecked(True)
        self.delay = _seconds("probeDelay", 0.1, 60, 1)
        self.delay_max = _seconds("probeDelayMax", 0.1, 600, 5)
        delays = QHBoxLayout()
        delays.addWidget(self.reconnect)
        delays.addWidget(QLabel("first after"))
        delays.addWidget(self.delay)
        delays.addWidget(QLabel("at most"))
        delays.addWidget(self.delay_max)
        delays.addStretch(1)
        self.preview = QLabel(objectName="probeHandshake")
        self.preview.setTextFormat(Qt.TextFormat.PlainText)
        self.preview.setWordWrap(True)
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.preview.setStyleSheet("font-family: monospace;")
        self.error = inline_error("probeError")

        self.options = QWidget()
        form = QFormLayout(self.options)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Socket.IO path", self.path)
        form.addRow("Namespaces", self.namespaces)
        transport_row = QHBoxLayout()  # one row each: the form must fit a short window
        transport_row.addWidget(self.transport, 1)
        transport_row.addWidget(QLabel("Parser"))
        transport_row.addWidget(self.parser, 1)
        form.addRow("Transports", transport_row)
        auth_row = QHBoxLayout()
        auth_row.addWidget(self.auth, 1)
        auth_row.addWidget(self.auth_note)
        form.addRow("auth payload", auth_row)
        form.addRow("Headers", self.headers)
        form.addRow("Query", self.query)
        form.addRow("", self.verify_tls)
        form.addRow("CA bundle", ca_row)
        form.addRow("Connect timeout", self.timeout)
        form.addRow("Reconnection", delays)
        self.options.hide()

        top = QHBoxLayout()
        top.addWidget(QLabel("Probe"))
        top.addWidget(self.url, 1)
        top.addWidget(self.more)
        top.addWidget(self.connect_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.state)
        layout.addWidget(self.options)
        layout.addWidget(self.preview)
        layout.addWidget(self.error)

        for field in (self.url, self.path, self.namespaces, self.ca_file, self.auth):
            field.textChanged.connect(self._update_preview)
        for editor in (self.headers, self.query):
            editor.textChanged.connect(self._update_preview)
        self.transport.currentIndexChanged.connect(self._update_preview)
        self.parser.currentIndexChanged.connect(self._update_preview)
        self.show_state(ProbeStateChanged(ProbeState.DISCONNECTED, "Probe not connected.", 0.0))
        self._update_preview()

    # --- what the console calls ---------------------------------------------------------

    def follow_url(self, url: str) -> None:
        """Suggest the monitored server's URL until the user types one of their own."""
        if not self._url_typed:
            self.url.setText(url)

    def show_note(self, sentence: str) -> None:
        """A sentence about the probe from elsewhere (the admin connection), in the state line."""
        self.state.setText(sentence)
        self.state.setStyleSheet("")

    def show_state(self, change: ProbeStateChanged) -> None:
        self.state.setText(change.message)
        self.state.setStyleSheet(f"color: {STATE_COLOURS[change.state]};")
        if change.state is ProbeState.CONNECTED:
            self.socketio_version = change.socketio_version
            self._update_preview()
        busy = change.state is not ProbeState.DISCONNECTED
        self.connect_button.setText("Disconnect" if busy else "Connect")

    def settings(self) -> ProbeSettings:
        """The options as typed, validated; raises SettingsError with a sentence."""
        url = self.url.text().strip()
        if not url:
            raise SettingsError("Enter the server URL for the probe, e.g. http://localhost:3000.")
        transport = self.transport.currentData()
        assert transport in TRANSPORT_CHOICES
        return ProbeSettings(
            url=url,
            path=self.path.text().strip() or DEFAULT_PATH,
            namespaces=parse_namespaces(self.namespaces.text()),
            transport=transport,
            auth=self._auth(),
            headers=parse_headers(self.headers.toPlainText()),
            query=parse_query(self.query.toPlainText()),
            verify_tls=self.verify_tls.isChecked(),
            ca_file=self.ca_file.text().strip() or None,
            connect_timeout=self.timeout.value(),
            reconnection=self.reconnect.isChecked(),
            reconnection_delay=self.delay.value(),
            reconnection_delay_max=max(self.delay.value(), self.delay_max.value()),
            parser=self.parser.currentData(),
        ).validated()

    def fill(self, settings: ProbeSettings) -> None:
        import json

        self.url.setText(settings.url)
        self._url_typed = True
        self.path.setText(settings.path)
        self.namespaces.setText(" ".join(settings.namespaces))
        self.transport.setCurrentIndex(max(0, self.transport.findData(settings.transport)))
        self.parser.setCurrentIndex(max(0, self.parser.findData(settings.parser)))
        self.auth.setText("" if settings.auth is None else json.dumps(settings.auth))
        self.headers.setPlainText("\n".join(f"{k}: {v}" for k, v in settings.headers.items()))
        self.query.setPlainText("\n".join(f"{k}={v}" for k, v in settings.query.items()))
        self.verify_tls.setChecked(settings.verify_tls)
        self.ca_file.setText(settings.ca_file or "")
        self.timeout.setValue(settings.connect_timeout)
        self.reconnect.setChecked(settings.reconnection)
        self.delay.setValue(settings.reconnection_delay)
        self.delay_max.setValue(settings.reconnection_delay_max)

    # --- internals -----------------------------------------------------------------------

    def _auth(self) -> object:
        text = self.auth.text().strip()
        if not text:
            return None
        try:
            return parse_argument(ArgKind.JSON, text)
        except ArgumentError as error:
            raise SettingsError(f"auth payload: {describe_error(error)}") from None

    def _toggle(self) -> None:
        if self.connect_button.text() == "Disconnect":
            self.disconnect_requested.emit()
            return
        try:
            settings = self.settings()
        except SettingsError as exc:
            self.say(str(exc))
            self.more.setChecked(True)
            return
        self.say(None)
        self.connect_requested.emit(settings)

    def _update_preview(self) -> None:
        auth = self.auth.text().strip()
        error = json_error(auth) if auth else None
        if error is not None:
            self.say(f"auth payload: {describe_error(error)}")
            return
        try:
            settings = self.settings()
        except SettingsError as exc:
            self.preview.setText("")
            if self.url.text().strip():
                self.say(str(exc))
            return
        self.say(None)
        if self.socketio_version == 2:
            url = settings.handshake_url(masked=True, engine_io=3)
            self.preview.setText(f"Handshake: {url}   (Socket.IO 2, Engine.IO 3)")
        elif self.socketio_version is not None:
            url = settings.handshake_url(masked=True)
            self.preview.setText(f"Handshake: {url}   (Socket.IO 3 or 4, Engine.IO 4)")
        else:
            self.preview.setText(f"Handshake: {settings.handshake_url(masked=True)}")

    def say(self, sentence: str | None) -> None:
        self.error.setVisible(sentence is not None)
        self.error.setText(sentence or "")

    def _url_edited(self) -> None:
        self._url_typed = bool(self.url.text().strip())
        self.socketio_version = None  # another server: its version is not known yet

    def _fold(self, open_: bool) -> None:
        self.options.setVisible(open_)
        self.more.setArrowType(Qt.ArrowType.DownArrow if open_ else Qt.ArrowType.RightArrow)


def _small_editor(editor: PairsEdit) -> PairsEdit:
    editor.setFixedHeight(editor.fontMetrics().lineSpacing() * 2 + 14)
    return editor


def _seconds(name: str, low: float, high: float, value: float) -> QDoubleSpinBox:
    box = QDoubleSpinBox(objectName=name, suffix=" s", decimals=1)
    box.setRange(low, high)
    box.setValue(value)
    return box
