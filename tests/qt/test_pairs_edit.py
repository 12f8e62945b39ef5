"""Header and query values that carry credentials are masked on screen unless being edited."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPlainTextEdit, QWidget
from pytestqt.qtbot import QtBot

from sio_monitor.domain.emit.probe_settings import ProbeSettings
from sio_monitor.domain.sensitive import MASK
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.ui.connection.connect_dialog import ConnectDialog
from sio_monitor.ui.connection.probe_connection import ProbeConnectionPanel
from sio_monitor.ui.widgets.pairs_edit import PairsEdit
from tests.qt.screens import save_screenshot

BEARER = "Bearer hdr-Kd82-masked"
API_KEY = "key-Wq27-masked"
QUERY_TOKEN = "tok-Zr64-masked"


def shown(edit: PairsEdit) -> str:
    """What the box paints: its document, not the text it stands for."""
    return QPlainTextEdit.toPlainText(edit)


def focus(qtbot: QtBot, window: QWidget, widget: QWidget) -> None:
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(widget.hasFocus)


def test_the_connect_dialog_masks_header_values_and_connects_with_the_real_ones(
    qtbot: QtBot,
) -> None:
    dialog = ConnectDialog()
    qtbot.addWidget(dialog)
    headers = dialog.headers
    dialog.fill(ConnectionSettings("http://localhost:3000", headers={"Authorization": BEARER}))
    headers.setPlainText(f"Authorization: {BEARER}\nX-Api-Key:{API_KEY}\nbroken line")
    dialog.show()
    qtbot.waitExposed(dialog)
    save_screenshot(dialog, "connect_dialog_masked_headers")
    assert shown(headers) == f"Authorization: {MASK}\nX-Api-Key:{MASK}\nbroken line"
    assert headers.masked and headers.isReadOnly()
    assert headers.toPlainText() == f"Authorization: {BEARER}\nX-Api-Key:{API_KEY}\nbroken line"

    focus(qtbot, dialog, headers)  # editing: the real text, editable
    assert shown(headers) == headers.toPlainText() and not headers.isReadOnly()
    headers.setPlainText(f"Authorization: {BEARER}\nX-Trace: on")
    assert shown(headers) == f"Authorization: {BEARER}\nX-Trace: on"  # still being edited
    dialog.url.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: headers.masked)
    assert shown(headers) == f"Authorization: {MASK}\nX-Trace: {MASK}"  # any header may be one
    assert dialog.form.settings().headers == {"Authorization": BEARER, "X-Trace": "on"}


def test_the_probe_masks_header_values_and_secret_query_values_and_its_preview(
    qtbot: QtBot,
) -> None:
    panel = ProbeConnectionPanel()
    qtbot.addWidget(panel)
    panel.fill(
        ProbeSettings(
            url="http://localhost:3000",
            headers={"Authorization": BEARER},
            query={"token": QUERY_TOKEN, "room": "lobby"},
        )
    )
    panel.more.setChecked(True)
    panel.resize(700, 420)
    panel.show()
    qtbot.waitExposed(panel)
    save_screenshot(panel, "probe_masked_headers_and_query")
    assert shown(panel.headers) == f"Authorization: {MASK}"
    assert shown(panel.query) == f"token={MASK}\nroom=lobby"
    preview = panel.preview.text()
    assert QUERY_TOKEN not in preview and f"token={MASK}&room=lobby" in preview
    settings = panel.settings()
    assert settings.headers == {"Authorization": BEARER}
    assert settings.query == {"token": QUERY_TOKEN, "room": "lobby"}
    assert f"token={QUERY_TOKEN}" in settings.handshake_url()  # what goes out is real

    typed: list[str] = []
    panel.query.textChanged.connect(lambda: typed.append(panel.query.toPlainText()))
    focus(qtbot, panel, panel.query)
    assert typed == []  # unmasking is not an edit
    panel.query.moveCursor(panel.query.textCursor().MoveOperation.End)
    panel.query.insertPlainText("\nsession=s-1")
    assert typed[-1] == f"token={QUERY_TOKEN}\nroom=lobby\nsession=s-1"
    panel.url.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: panel.query.masked)
    assert shown(panel.query) == f"token={MASK}\nroom=lobby\nsession={MASK}"
    assert "s-1" not in panel.preview.text()
    QApplication.processEvents()
