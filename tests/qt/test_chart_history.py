"""Charts that need history: a clicked name's exact past, reasons per second, a cluster's edge."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from sio_monitor.domain.events import ConfigReceived, DomainEvent, SocketDisconnected
from sio_monitor.domain.throughput.disconnect_reasons import NO_REASONS
from sio_monitor.domain.throughput.rates import Rates
from sio_monitor.qt.bridge import EventBridge
from sio_monitor.ui.charts.charts import ThroughputCharts
from tests.qt.chart_stream import (
    DEV,
    NOW,
    PRODUCTION,
    curve,
    events,
    feed,
    labels,
    shown_panel,
    stats,
)


@pytest.fixture
def bridge() -> EventBridge:
    return EventBridge()


@pytest.fixture
def panel(qtbot: QtBot, bridge: EventBridge) -> Iterator[ThroughputCharts]:
    yield from shown_panel(qtbot, bridge)


def click_name(qtbot: QtBot, panel: ThroughputCharts, name: str) -> None:
    table = panel.top_table
    row = table.names().index(name)
    rect = table.visualItemRect(table.item(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert name in panel.picked


# --- a clicked name's exact history ----------------------------------------------------------


def test_a_clicked_name_plots_its_exact_history_from_before_it_was_busy(
    panel: ThroughputCharts, bridge: EventBridge, qtbot: QtBot
) -> None:
    """Ten minutes where "rare" is never among the busiest, then a burst puts it on top."""
    feed(bridge, ConfigReceived(DEV, NOW - 600))
    busy = [f"busy{k}" for k in range(14)]
    expected: dict[int, int] = {}
    for second in range(NOW - 599, NOW + 1):
        batch: list[DomainEvent] = []
        for index, name in enumerate(busy):
            batch += events(second, "/", name, received=2 + index % 3, sent=1)
        rare = 40 if second > NOW - 5 else (1 if second % 7 == 0 else 0)
        out = 1 if second % 11 == 0 and second <= NOW - 5 else 0
        batch += events(second, "/chat", "rare", received=rare, sent=out)
        expected[second] = rare + out
        feed(bridge, *batch)
        if second % 60 == 0 and second < NOW - 5:
            panel.sample(now=second)
            assert "rare" not in panel.top_table.names()
    panel.sample(now=NOW)
    click_name(qtbot, panel, "rare")
    panel.set_window(900)
    panel.redraw(now=NOW)
    xs, ys = curve(panel, "events", "rare (in+out)")
    assert xs.tolist() == list(range(NOW - 599, NOW + 1))  # from the first second counted
    assert ys.tolist() == [expected[second] for second in range(NOW - 599, NOW + 1)]
    assert sum(ys[:-5]) == sum(expected[s] for s in range(NOW - 599, NOW - 4)) > 100


def test_busy_names_keep_their_history_through_a_churn_of_names(
    panel: ThroughputCharts, bridge: EventBridge
) -> None:
    """3,000 one-off names through 32 rows: the busy name stays exact, memory stays bounded."""
    bridge.state.rates = Rates(ignored_namespaces=("/admin",), held_names=32)
    feed(bridge, ConfigReceived(DEV, NOW - 120))
    one_off = iter(range(3_000))
    for second in range(NOW - 119, NOW + 1):
        batch = events(second, "/", "chat:message", received=4, sent=second % 3)
        for _ in range(25):
            batch += events(second, "/", f"user:{next(one_off)}:seen", received=1, sent=0)
        feed(bridge, *batch)
    panel.sample(now=NOW)
    panel.toggle_event_name("chat:message")
    panel.toggle_event_name("user:0:seen")  # evicted long ago
    panel.set_window(300)
    panel.redraw(now=NOW)
    xs, ys = curve(panel, "events", "chat:message (in+out)")
    assert xs[0] == NOW - 119 and xs[-1] == NOW
    assert ys.tolist() == [4 + second % 3 for second in range(NOW - 119, NOW + 1)]
    evicted, _ = curve(panel, "events", "user:0:seen (in+out)")
    assert evicted is None or len(evicted) == 0  # no history: nothing plotted
    history = bridge.rates.name_history
    assert len(history) == 32 and history.evictions > 2_900
    assert history.nbytes == (2 * 32 + 1) * 3600 * 4


# --- disconnection reasons -------------------------------------------------------------------


def test_reasons_are_curves_per_second_per_reason(
    panel: ThroughputCharts, bridge: EventBridge
) -> None:
    feed(
        bridge,
        ConfigReceived(DEV, NOW),
        stats("n", range(NOW - 2, NOW + 1), {"rawDisconnection": 2}, reason="transport close"),
        stats("n", range(NOW - 1, NOW + 1), {"rawDisconnection": 1}, reason="ping timeout"),
        stats("m", range(NOW - 2, NOW + 1), {"rawDisconnection": 5}, reason="ping timeout"),
    )
    panel.redraw(now=NOW)
    assert labels(panel, "reasons") == ["ping timeout", "transport close"]
    xs, timeouts = curve(panel, "reasons", "ping timeout")
    assert xs[-3:].tolist() == [NOW - 2, NOW - 1, NOW] and timeouts[-3:].tolist() == [5, 6, 6]
    assert curve(panel, "reasons", "transport close")[1][-3:].tolist() == [2, 2, 2]
    assert curve(panel, "connections", "disconnections")[1][-3:].tolist() == [7, 8, 8]
    assert not panel.plots["reasons"].note.isVisible()
    assert panel.reasons_table.reasons() == [("ping timeout", "17"), ("transport close", "6")]
    panel.set_server("n")
    panel.redraw(now=NOW)
    assert curve(panel, "reasons", "ping timeout")[1][-3:].tolist() == [0, 1, 1]
    assert panel.plots["reasons"].title.endswith("server n")


def test_python_reasons_come_from_socket_events_or_the_chart_says_there_are_none(
    panel: ThroughputCharts, bridge: EventBridge, qtbot: QtBot
) -> None:
    gone = [
        SocketDisconnected("/", f"s{k}", reason, NOW - 1 + k / 10)
        for k, reason in enumerate(["transport close", "ping timeout", "transport close"])
    ]
    feed(
        bridge,
        ConfigReceived(DEV, NOW - 5),
        stats("py", range(NOW - 2, NOW + 1), {"rawDisconnection": 3}),  # no reasons
        *gone,
    )
    panel.redraw(now=NOW)
    plot = panel.plots["reasons"]
    assert plot.title == "Socket disconnections per second by reason"
    assert curve(panel, "reasons", "transport close")[1][-2:].tolist() == [2, 0]
    assert curve(panel, "reasons", "ping timeout")[1][-2:].tolist() == [1, 0]
    feed(bridge, ConfigReceived(PRODUCTION, NOW))  # production: no socket events
    panel.redraw(now=NOW)
    assert labels(panel, "reasons") == [] and plot.note.isVisible()
    assert plot.note_text == NO_REASONS and "development mode" in plot.note.toolTip()
    assert plot.view.sceneBoundingRect().contains(plot.note.sceneBoundingRect())
    panel.resize(700, 780)  # narrow: the line is shortened, never spills out
    qtbot.waitUntil(lambda: plot.note.boundingRect().width() + 8 <= plot.view.width() < 300)
    assert plot.note.text().endswith("…")
    assert plot.view.sceneBoundingRect().contains(plot.note.sceneBoundingRect())


# --- a cluster's stats edge ---------------------------------------------------------------------


def test_summed_stats_curves_wait_for_the_server_reporting_late(
    panel: ThroughputCharts, bridge: EventBridge
) -> None:
    feed(
        bridge,
        ConfigReceived(DEV, NOW - 30),
        stats("a", range(NOW - 20, NOW), {"bytesIn": 100}),  # reported up to NOW - 1
        stats("b", range(NOW - 20, NOW - 2), {"bytesIn": 10}),  # a second later: NOW - 3
    )
    panel.redraw(now=NOW)
    xs, ys = curve(panel, "bytes", "in")
    assert xs[-1] == NOW - 3
    assert ys[-18:].tolist() == [110] * 18  # the sum never dips for the late server
    panel.set_server("a")
    panel.redraw(now=NOW)
    assert curve(panel, "bytes", "in")[0][-1] == NOW - 1
    panel.set_server(None)
    # b stops; a goes on: after three of b's intervals the edge follows a alone
    feed(bridge, stats("a", range(NOW, NOW + 8), {"bytesIn": 100}))
    panel.redraw(now=NOW + 8)
    xs, ys = curve(panel, "bytes", "in")
    assert xs[-1] == NOW + 7 and ys[-8:].tolist() == [100] * 8
