"""The admin connection's fields, one form for the connect dialog and the profile editor.

What is typed becomes validated ``ConnectionSettings``, or a SettingsError
with a sentence naming the field that cannot work.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QFormLayout, QLineEdit, QWidget

from sio_monitor.domain.sensitive import every_name
from sio_monitor.domain.settings import (
    DEFAULT_ADMIN_NAMESPACE,
    DEFAULT_PATH,
    TRANSPORT_CHOICES,
    ConnectionSettings,
    SettingsError,
)
from sio_monitor.ui.connection.connection_fields import ca_file_row, parse_headers, transport_field
from sio_monitor.ui.widgets.pairs_edit import PairsEdit
from sio_monitor.ui.widgets.parser_field import parser_field


class AdminForm(QWidget):
    """The admin connection's fields, shared by the connect dialog and the profile editor."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.url = QLineEdit(objectName="urlField", placeholderText="http://localhost:3000")
        self.path = QLineEdit(DEFAULT_PATH, objectName="pathField")
        self.namespace = QLineEdit(DEFAULT_ADMIN_NAMESPACE, objectName="namespaceField")
        self.username = QLineEdit(objectName="usernameField", placeholderText="admin")
        self.password = QLineEdit(objectName="passwordField")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.transport = transport_field("transportField")
        self.parser = parser_field("parserField")
        self.verify_tls = QCheckBox("Verify TLS certificates", objectName="verifyTlsField")
        self.verify_tls.setChecked(True)
        self.ca_file, ca_row = ca_file_row(self, "caFileField")
        self.headers = PairsEdit(
            ":", every_name, "headersField", "X-Api-Key: secret\n(one header per line)"
        )
        self.headers.setFixedHeight(64)
        self.timeout = QDoubleSpinBox(objectName="timeoutField", suffix=" s")
        self.timeout.setRange(1, 120)
        self.timeout.setValue(10)

        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Server URL", self.url)
        form.addRow("Socket.IO path", self.path)
        form.addRow("Admin namespace", self.namespace)
        form.addRow("Username", self.username)
        form.addRow("Password", self.password)
        form.addRow("Transports", self.transport)
        form.addRow("Parser", self.parser)
        form.addRow("", self.verify_tls)
        form.addRow("CA bundle", ca_row)
        form.addRow("Extra headers", self.headers)
        form.addRow("Connect timeout", self.timeout)

    def fill(self, settings: ConnectionSettings) -> None:
        self.url.setText(settings.url)
        self.path.setText(settings.path)
        self.namespace.setText(settings.admin_namespace)
        self.username.setText(settings.username)
        self.password.setText(settings.password)
        self.transport.setCurrentIndex(max(0, self.transport.findData(settings.transport)))
        self.parser.setCurrentIndex(max(0, self.parser.findData(settings.parser)))
        self.verify_tls.setChecked(settings.verify_tls)
        self.ca_file.setText(settings.ca_file or "")
        self.headers.setPlainText("\n".join(f"{k}: {v}" for k, v in settings.headers.items()))
        self.timeout.setValue(settings.connect_timeout)

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
            parser=self.parser.currentData(),
        ).validated()
