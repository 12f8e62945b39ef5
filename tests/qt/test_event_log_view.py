"""The event log panel: its model under Qt's checks, filtering as typed, following, details, export.

Events go in the way the app feeds them (the bridge's ``events_applied`` and
the probe session's ``events_arrived``), with no network: the bridge is fed
directly, as the app's own tests of the views do.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QLineEdit, QTabWidget
from pytestqt.qtbot import QtBot

from sio_monitor.domain.emit.probe_events import ProbeEmitted, ProbeState, ProbeStateChanged
from sio_monitor.domain.emit.probe_settings import ProbeSettings
from sio_monitor.domain.eventlog.filter import LogFilter
from sio_monitor.domain.eventlog.log import EventLog
from sio_monitor.domain.eventlog.rows import Kind
from sio_monitor.domain.events import (
    ConnectionChanged,
    ConnectionState,
    EventReceived,
)
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.qt.models.eventlog_model import ARGUMENTS, EVENT, SERVER, SIZE, EventLogModel
from sio_monitor.qt.probe_session import ProbeSession
from sio_monitor.qt.session import MonitorSession
from sio_monitor.store.log_export import ExportResult
from sio_monitor.ui.log.event_log_view import EventLogPanel
from tests.qt.log_traffic import T0, make_panel, traffic
from tests.qt.screens import save_screenshot


def column(panel: EventLogPanel, col: int) -> list[str]:
    model = panel.model
    return [model.data(model.index(r, col)) for r in range(model.rowCount())]


# --- the model ------------------------------------------------------------------------------


def test_the_model_passes_qts_checks_through_batches_drops_and_filters(qtmodeltester) -> None:
    model = EventLogModel(EventLog(capacity=300, chunk_rows=64))
    model.add_admin(traffic(0, 50))
    qtmodeltester.check(model, force_py=True)
    for start in range(50, 600, 50):  # the ring fills, then rows fall off the front
        model.add_admin(traffic(start, 50))
    assert model.rowCount() == 300 and model.log.first_seq > 0
    assert model.set_filter(LogFilter(text="hi 4")) is None
    rows = model.rowCount()
    model.add_admin(traffic(600, 100))  # old matches fall off the front
    assert 0 < model.rowCount() < rows
    assert model.set_filter(LogFilter(text="hi 7")) is None
    rows = model.rowCount()
    model.add_admin(traffic(700, 50))  # new matches arrive
    assert model.rowCount() > rows
    assert model.set_filter(LogFilter(kinds=frozenset({Kind.DISCONNECT}))) is None
    model.add_admin(traffic(700, 400))
    assert model.set_filter(LogFilter()) is None
    model.clear()
    assert model.rowCount() == 0
    model.add_admin(traffic(0, 10))
    qtmodeltester.check(model, force_py=True)


def test_a_batch_is_one_insert_and_a_drop_one_removal_at_the_front(qtbot: QtBot) -> None:
    model = EventLogModel(EventLog(capacity=100, chunk_rows=32))
    inserted: list[tuple[int, int]] = []
    removed: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    model.rowsRemoved.connect(lambda _p, first, last: removed.append((first, last)))
    model.add_admin([EventReceived("/", "s", "e", (n,), T0 + n) for n in range(90)])
    model.add_admin([EventReceived("/", "s", "e", (n,), T0 + n) for n in range(90, 130)])
    assert inserted == [(0, 89), (60, 99)] and removed == [(0, 29)]
    assert model.seq_at(0) == 30 and model.data(model.index(0, ARGUMENTS)) == "[30]"
    assert model.data(model.index(0, SIZE)) == "4"


# --- the panel ------------------------------------------------------------------------------


def test_typing_a_filter_shows_n_of_m_and_only_matching_rows(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    panel.model.add_admin(traffic(0, 120))
    total = panel.model.total
    assert panel.filters.count.text() == f"{total:,} events"
    with qtbot.waitSignal(panel.filters.filter_changed, timeout=2000):
        qtbot.keyClicks(panel.filters.text, "HI 11")  # one filter run, after typing stops
    assert column(panel, ARGUMENTS) == [
        '[{"user": "u4", "text": "hi 11"}]',
        *(f'[{{"user": "u{n % 7}", "text": "hi {n}"}}]' for n in range(110, 120)),
    ]
    assert panel.filters.count.text() == f"11 of {total:,}"
    panel.model.add_admin(traffic(1100, 20))  # the filter applies to what arrives next
    assert panel.model.rowCount() == 31
    assert panel.filters.count.text() == f"31 of {panel.model.total:,}"
    panel.filters.text.clear()
    panel.filters.events.set_picked(["file"])  # an event name picked from those seen
    assert set(column(panel, EVENT)) == {"file"} and panel.model.rowCount() == 14
    panel.filters.regex.setChecked(True)
    panel.filters.text.setText(r'^\["photo\.png", \{"\$binary"')
    panel.filters.apply()
    assert panel.model.rowCount() == 14
    box = panel.filters.namespace
    box.showPopup()  # the choices are read from the log when the list opens
    box.hidePopup()
    assert [box.itemText(i) for i in range(box.count())] == ["All namespaces", "/", "/chat"]
    box.setCurrentIndex(box.findData("/"))
    assert column(panel, ARGUMENTS)[0].startswith('["photo.png", <binary 48 B: 00 01 02')
    assert panel.model.rowCount() == 5  # file rows of n = 0, 30, 60, 90 and 1110
    assert panel.filters.count.text() == f"5 of {panel.model.total:,}"
    save_screenshot(panel, "event_log_filtered")


def test_a_bad_regular_expression_is_shown_under_the_bar_and_the_rows_stay(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    panel.model.add_admin(traffic(0, 60))
    panel.filters.text.setText("ping")
    panel.filters.apply()
    shown = panel.model.rowCount()
    assert shown == 2
    panel.filters.regex.setChecked(True)
    panel.filters.text.setText("ping(")
    panel.filters.apply()
    assert panel.filters.error.isVisible()
    assert panel.filters.error.text().startswith("The regular expression does not parse")
    assert panel.filters.error.textFormat() == Qt.TextFormat.PlainText
    assert panel.model.rowCount() == shown
    save_screenshot(panel, "event_log_regex_error")
    panel.filters.text.setText("ping( )?timeout")
    panel.filters.apply()
    assert not panel.filters.error.isVisible() and panel.model.rowCount() == 2


def test_keyboard_find_escape_and_end(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    panel.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is panel)
    panel.model.add_admin(traffic(0, 300))
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert panel.filters.text.hasFocus()
    qtbot.keyClicks(panel.filters.text, "lobby")
    panel.filters.apply()
    assert panel.model.rowCount() == 8
    qtbot.keyClick(panel.filters.text, Qt.Key.Key_Escape)
    assert panel.filters.text.text() == "" and panel.model.rowCount() == panel.model.total
    panel.table.setFocus()
    panel.table.verticalScrollBar().setValue(0)
    assert panel.latest.isVisible()
    qtbot.keyClick(panel.table, Qt.Key.Key_End)
    bar = panel.table.verticalScrollBar()
    assert bar.value() == bar.maximum() and not panel.latest.isVisible()


def test_find_reaches_the_tab_on_screen_only(qtbot: QtBot) -> None:
    """The explorer has its own Ctrl+F on another tab of the same window: no clash."""
    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    other = QLineEdit()
    find_elsewhere = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), other)
    find_elsewhere.setContext(Qt.ShortcutContext.WindowShortcut)
    fired: list[bool] = []
    find_elsewhere.activated.connect(lambda: fired.append(True))
    panel = EventLogPanel()
    tabs.addTab(other, "Topology")
    tabs.addTab(panel, "Log")
    tabs.show()
    tabs.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is tabs)
    tabs.setCurrentWidget(panel)
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert panel.filters.text.hasFocus() and not fired
    tabs.setCurrentWidget(other)
    other.setFocus()
    qtbot.keyClick(other, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert fired == [True]


def test_the_table_follows_the_tail_until_scrolled_up(qtbot: QtBot) -> None:
    panel = make_panel(qtbot, EventLog(capacity=2000, chunk_rows=256))
    bar = panel.table.verticalScrollBar()
    panel.model.add_admin(traffic(0, 300))
    assert bar.value() == bar.maximum() > 0 and not panel.latest.isVisible()
    panel.model.add_admin(traffic(300, 50))
    assert bar.value() == bar.maximum()
    bar.setValue(bar.maximum() // 2)
    assert panel.latest.isVisible()
    top = panel.table.rowAt(0)
    reading = panel.model.seq_at(top)
    panel.model.add_admin(traffic(350, 1500))  # new rows, and old ones fall off the ring
    assert panel.model.log.first_seq > 0
    assert panel.model.seq_at(panel.table.rowAt(0)) == reading  # the rows being read stay put
    assert panel.latest.isVisible()
    qtbot.mouseClick(panel.latest, Qt.MouseButton.LeftButton)
    assert bar.value() == bar.maximum() and not panel.latest.isVisible()


def test_details_show_arguments_in_full_and_the_socket_can_be_shown(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    panel.model.add_admin(traffic(0, 30))
    file_row = column(panel, EVENT).index("file")
    panel.table.selectRow(file_row)
    text = panel.details.toPlainText()
    assert text.startswith("out  file  (the server emitted this event to a socket)")
    assert '\nArgument 1:\n"photo.png"' in text
    assert "Argument 2: binary, 48 bytes" in text
    assert "00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  |................|" in text
    assert panel.details.isReadOnly()
    with qtbot.waitSignal(panel.show_socket) as shown:
        qtbot.mouseClick(panel.socket_button, Qt.MouseButton.LeftButton)
    assert shown.args == ["/", f"sock{0:016d}"]
    panel.filters.text.setText("photo")  # the selected row survives a filter that keeps it
    panel.filters.apply()
    assert panel.selected_row() is not None and panel.selected_row().event == "file"
    panel.model.add_admin([ConnectionChanged(ConnectionState.RECONNECTING, "Lost <b>it</b>", T0)])
    panel.filters.clear()
    panel.table.selectRow(panel.model.rowCount() - 1)
    assert panel.details.toPlainText().endswith("Message: Lost <b>it</b>")
    assert not panel.socket_button.isEnabled()


def test_attach_logs_the_bridge_and_the_probe_with_their_servers(qtbot: QtBot) -> None:
    session, probe = MonitorSession(), ProbeSession()
    panel = make_panel(qtbot)
    panel.attach(session, probe)
    session.settings_changed.emit(ConnectionSettings(url="http://127.0.0.1:5000"))
    session.bridge.sink(EventReceived("/", "a", "hello", (), T0))
    session.bridge.sink(EventReceived("/admin", "me", "monitor", (), T0))  # the monitor's own
    session.bridge.flush()
    probe.settings = ProbeSettings(url="http://127.0.0.1:6000")
    probe.sink(ProbeStateChanged(ProbeState.CONNECTED, "Probe connected.", T0 + 1, sid="p1"))
    probe.sink(ProbeEmitted(1, "/", "ping", (), T0 + 2, None))
    probe.flush()
    assert column(panel, EVENT) == ["hello", "", "ping"]
    assert column(panel, SERVER) == ["127.0.0.1:5000", "127.0.0.1:6000", "127.0.0.1:6000"]
    session.deleteLater()
    probe.deleteLater()


def test_export_runs_a_chunk_per_turn_and_can_be_cancelled(qtbot: QtBot, tmp_path: Path) -> None:
    panel = make_panel(qtbot)
    panel.model.add_admin(traffic(0, 6000))
    panel.filters.text.setText("hi 1")
    panel.filters.apply()
    shown = panel.model.rowCount()
    path = tmp_path / "log.ndjson"
    with qtbot.waitSignal(panel.export_finished, timeout=20_000) as finished:
        panel.export_to(path)
        assert panel.progress.isVisible() and not panel.export_button.isEnabled()
    result: ExportResult = finished.args[0]
    assert result.rows == shown and not result.cancelled
    lines = path.read_text().splitlines()
    assert len(lines) == shown and json.loads(lines[0])["args"][0]["text"] == "hi 1"
    assert panel.export_status.text() == f"Exported {shown:,} rows to {path}."
    assert not panel.progress.isVisible() and panel.export_button.isEnabled()

    panel.filters.clear()
    big = tmp_path / "all.csv"
    with qtbot.waitSignal(
        panel.progress.valueChanged, timeout=10_000, check_params_cb=lambda done: done > 0
    ):
        panel.export_to(big)  # the first chunk is written on the next event-loop turn
    with qtbot.waitSignal(panel.export_finished) as finished:
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    result = finished.args[0]
    assert result.cancelled and 0 < result.rows < panel.model.rowCount()
    assert not big.exists() and sorted(tmp_path.iterdir()) == [path]
    assert panel.export_status.text().startswith("Export cancelled after ")


@pytest.fixture(autouse=True)
def _no_window_close_quits(qapp: QApplication) -> None:
    qapp.setQuitOnLastWindowClosed(False)
