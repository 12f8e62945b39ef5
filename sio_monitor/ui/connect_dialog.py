"""The connect dialog: every option needed to reach a real staging server's admin namespace.

Opened with ``open()`` and answered through ``settings_chosen``: ``exec()`` would
spin a nested Qt loop under running asyncio tasks. A field that cannot work is
named inline under the form, and the dialog stays open with everything typed.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sio_monitor.domain.settings import (
    DEFAULT_ADMIN_NAMESPACE,
    DEFAULT_PATH,
    TRANSPORT_CHOICES,
    ConnectionSettings,
    SettingsError,
)
from sio_monitor.ui.inline_error import inline_error


def parse_headers(text: str) -> dict[str, str]:
    """``Name: value`` per line; raises SettingsError naming the line that is not."""
    headers: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise SettingsError(f"Header line {number} must look like 'Name: value'.")
        headers[name.strip()] = value.strip()
    return headers


class ConnectDialog(QDialog):
    """Asks where and how to connect; emits ``settings_chosen`` with valid settings."""

    settings_chosen = Signal(object)  # ConnectionSettings

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connectDialog")
        self.setWindowTitle("Connect to a Socket.IO server")
        self.setMinimumWidth(520)

        self.url = QLineEdit(objectName="urlField", placeholderText="http://localhost:3000")
        self.path = QLineEdit(DEFAULT_PATH, objectName="pathField")
        self.namespace = QLineEdit(DEFAULT_ADMIN_NAMESPACE, objectName="namespaceField")
        self.username = QLineEdit(objectName="usernameField", placeholderText="admin")
        self.password = QLineEdit(objectName="passwordField")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.transport = QComboBox(objectName="transportField")
        for key, label in (
            ("websocket", "WebSocket only"),
            ("polling", "HTTP long-polling only"),
            ("both", "Polling, then upgrade to WebSocket"),
        ):
            self.transport.addItem(label, key)
        self.verify_tls = QCheckBox("Verify TLS certificates", objectName="verifyTlsField")
        self.verify_tls.setChecked(True)
        self.ca_file = QLineEdit(objectName="caFileField", placeholderText="System default")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_ca)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_file)
        ca_row.addWidget(browse)
        self.headers = QPlainTextEdit(objectName="headersField")
        self.headers.setPlaceholderText("X-Api-Key: secret\n(one header per line)")
        self.headers.setFixedHeight(64)
        self.timeout = QDoubleSpinBox(objectName="timeoutField", suffix=" s")
        self.timeout.setRange(1, 120)
        self.timeout.setValue(10)

        form = QFormLayout()
        form.addRow("Server URL", self.url)
        form.addRow("Socket.IO path", self.path)
        form.addRow("Admin namespace", self.namespace)
        form.addRow("Username", self.username)
        form.addRow("Password", self.password)
        form.addRow("Transports", self.transport)
        form.addRow("", self.verify_tls)
        form.addRow("CA bundle", ca_row)
        form.addRow("Extra headers", self.headers)
        form.addRow("Connect timeout", self.timeout)

        self.error = inline_error("connectError")

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Connect")
        buttons.accepted.connect(self._try_accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def fill(self, settings: ConnectionSettings) -> None:
        """Show ``settings`` in the fields: the last ones used, or those from the command line."""
        self.url.setText(settings.url)
        self.path.setText(settings.path)
        self.namespace.setText(settings.admin_namespace)
        self.username.setText(settings.username)
        self.password.setText(settings.password)
        self.transport.setCurrentIndex(max(0, self.transport.findData(settings.transport)))
        self.verify_tls.setChecked(settings.verify_tls)
        self.ca_file.setText(settings.ca_file or "")
        self.headers.setPlainText("\n".join(f"{k}: {v}" for k, v in settings.headers.items()))
        self.timeout.setValue(settings.connect_timeout)

    def focus_password(self) -> None:
        self.password.setFocus()

    def settings(self) -> ConnectionSettings:
        """The settings as typed, validated; raises SettingsError with a sentence."""
        url = self.url.text().strip()
        if not url:
            raise SettingsError("Enter the server URL, for example http://localhost:3000.")
        transport = self.transport.currentData()
        assert transport in TRANSPORT_CHOICES
        return ConnectionSettings(
            url=url,
            path=self.path.text().strip() or DEFAULT_PATH,
            admin_namespace=self.namespace.text().strip() or DEFAULT_ADMIN_NAMESPACE,
            username=self.username.text(),
            password=self.password.text(),
            transport=transport,
            verify_tls=self.verify_tls.isChecked(),
            ca_file=self.ca_file.text().strip() or None,
            headers=parse_headers(self.headers.toPlainText()),
            connect_timeout=self.timeout.value(),
        ).validated()

    def _try_accept(self) -> None:
        try:
            settings = self.settings()
        except SettingsError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.error.hide()
        self.settings_chosen.emit(settings)
        self.accept()

    def _browse_ca(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "CA bundle", "", "Certificates (*.pem *.crt *.cer);;All files (*)"
        )
        if path:
            self.ca_file.setText(path)
