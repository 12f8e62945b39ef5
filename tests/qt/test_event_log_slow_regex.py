"""A catastrophic regular expression in the event log's filter is stopped and named."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from sio_monitor.domain.eventlog.filter import LogFilter, Selection
from sio_monitor.domain.eventlog.log import EventLog
from sio_monitor.domain.events import EventReceived
from tests.qt.log_traffic import T0, make_panel, traffic
from tests.qt.screens import save_screenshot

#: Backtracks through every way of cutting a run of a's into a's and aa's before failing.
CATASTROPHIC = r"(a|aa)+$"


def runs_of_a(count: int) -> list[object]:
    """Rows whose text is a long run of a's that does not end the row: the worst case."""
    return [
        EventReceived("/chat", f"sock{n:016d}", "typing", ("a" * 60 + "!",), T0 + n)
        for n in range(count)
    ]


def test_a_catastrophic_regex_is_stopped_and_said_and_the_rows_stay(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    panel.model.add_admin(traffic(0, 60))
    panel.model.add_admin(runs_of_a(5))
    panel.filters.text.setText("aaaa!")
    panel.filters.apply()
    assert panel.model.rowCount() == 5
    panel.filters.regex.setChecked(True)
    panel.filters.text.setText(CATASTROPHIC)
    panel.filters.apply()
    error = panel.filters.error
    assert error.isVisible()
    assert error.text().startswith("The regular expression took longer than")
    assert "untick Regex" in error.text()
    assert error.textFormat() == Qt.TextFormat.PlainText
    assert panel.model.rowCount() == 5  # the rows shown before stay
    assert panel.isVisible()
    save_screenshot(panel, "event_log_regex_too_slow")


def test_a_live_filter_that_turns_too_slow_stops_testing_new_rows() -> None:
    """A pattern fine on the rows held, catastrophic on a row that comes later."""
    log = EventLog()
    log.append_admin(traffic(0, 30))
    selection = Selection.build(log, LogFilter(text=CATASTROPHIC, regex=True))
    assert isinstance(selection, Selection) and len(selection) == 0
    log.append_admin(runs_of_a(3))
    assert len(selection.pending()) == 0
    assert selection.too_slow is not None and "took longer than" in selection.too_slow
    log.append_admin(runs_of_a(3))
    assert len(selection.pending()) == 0  # not tested again: no second stall
    assert selection.tested_to == log.next_seq


def test_the_bar_says_so_when_the_filter_turns_too_slow_on_rows_that_come_later(
    qtbot: QtBot,
) -> None:
    panel = make_panel(qtbot)
    panel.model.add_admin(traffic(0, 30))
    panel.filters.regex.setChecked(True)
    panel.filters.text.setText(CATASTROPHIC)
    panel.filters.apply()
    assert not panel.filters.error.isVisible()  # fine on the rows held so far
    panel.model.add_admin(runs_of_a(2))
    qtbot.waitUntil(lambda: panel.filters.error.isVisible())
    assert panel.filters.error.text().startswith("The regular expression took longer than")
    assert panel.model.rowCount() == 0
