"""The throughput charts fed a scripted stream through the real bridge, read from the curves."""

from __future__ import annotations

import csv
import math
import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from sio_monitor.domain.events import ConfigReceived, DomainEvent
from sio_monitor.qt.bridge import EventBridge
from sio_monitor.store.export import HEADER
from sio_monitor.ui.charts.chart_plot import DARK, LIGHT
from sio_monitor.ui.charts.charts import ThroughputCharts
from tests.qt.chart_stream import (
    DEV,
    NOW,
    PRODUCTION,
    curve,
    development_stream,
    events,
    feed,
    labels,
    shown_panel,
    stats,
)
from tests.qt.screens import save_screenshot


@pytest.fixture
def bridge() -> EventBridge:
    return EventBridge()


@pytest.fixture
def panel(qtbot: QtBot, bridge: EventBridge) -> Iterator[ThroughputCharts]:
    yield from shown_panel(qtbot, bridge)


# --- following the stream ------------------------------------------------------------


def test_charts_follow_the_stream(panel: ThroughputCharts, bridge: EventBridge) -> None:
    development_stream(bridge, panel)
    assert panel.redraw(now=NOW)
    xs, ys = curve(panel, "bytes", "in")
    assert len(xs) == 60 and xs[-1] == NOW and xs[0] == NOW - 59
    assert ys[-10:].tolist() == [1000 * k + 3 for k in range(10)]
    _, received = curve(panel, "events", "received")
    _, sent = curve(panel, "events", "sent")
    assert received[-10:].tolist() == [k + 1 for k in range(10)]
    assert sent[-10:].tolist() == [2 * k for k in range(10)]
    _, chat_in = curve(panel, "events", "/chat in")
    assert chat_in[-1] == 1
    assert {"/ in", "/ out", "/chat in", "/chat out"} <= set(labels(panel, "events"))
    _, packets = curve(panel, "packets", "in")
    assert packets[-1] == 10 + 9 + 1
    xs, clients = curve(panel, "clients", "clients")
    assert xs[-1] == NOW and clients[-1] == 16
    _, chat = curve(panel, "clients", "/chat")
    assert chat[-1] == 5
    assert panel.plots["events"].title == "Events per second"


def test_stats_curves_stop_at_the_last_reported_second_instead_of_dipping(
    panel: ThroughputCharts, bridge: EventBridge
) -> None:
    """Stats arrive every couple of seconds; the event stream runs ahead of them."""
    development_stream(bridge, panel, last=NOW - 3)  # stats up to NOW - 3, received at NOW - 2
    feed(bridge, *events(NOW, "/", "chat:message", received=2, sent=2))
    panel.sample(now=NOW)
    assert panel.redraw(now=NOW)
    xs, ys = curve(panel, "bytes", "in")
    assert xs[-1] == NOW - 3
    assert ys[-1] == 1000 * 9 + 3
    event_xs, _ = curve(panel, "events", "received")
    assert event_xs[-1] == NOW


def test_axes_read_in_si_units_and_the_readout_gives_exact_figures(
    panel: ThroughputCharts, bridge: EventBridge
) -> None:
    development_stream(bridge, panel)
    panel.redraw(now=NOW)
    assert panel.plots["events"].plot.getAxis("left").tickStrings([12_400], 1, 1) == ["12.4 k/s"]
    assert panel.plots["bytes"].plot.getAxis("left").tickStrings([3.1e6], 1, 1) == ["3.1 MB/s"]
    bytes_plot = panel.plots["bytes"]
    bytes_plot.show_readout(NOW - 0.3)
    text = bytes_plot.readout.textItem.toPlainText()
    assert time.strftime("%H:%M:%S", time.localtime(NOW)) in text
    assert "in: 9,003 B/s" in text
    assert bytes_plot.crosshair.value() == NOW
    bytes_plot.hide_readout()
    assert not bytes_plot.readout_visible()


def test_most_timer_ticks_cost_a_comparison(panel: ThroughputCharts, bridge: EventBridge) -> None:
    development_stream(bridge, panel)
    assert panel.redraw(force=True)
    before = panel.redraws
    assert not panel.redraw() and not panel.redraw()
    assert panel.redraws == before
    panel.clock = lambda: NOW + 10  # the live edge moves on
    assert panel.redraw()


def test_a_timer_redraw_updates_one_chart_per_slice(
    panel: ThroughputCharts, bridge: EventBridge
) -> None:
    """Each chart repaints in its own slice of the loop; the end is what ``redraw`` shows."""
    development_stream(bridge, panel)
    panel.redraw_timer.stop()
    assert panel.redraw(force=True)
    before = {key: plot.view.viewRange()[0] for key, plot in panel.plots.items()}
    panel.clock = lambda: NOW + 10  # the live edge moves on
    panel.redraw_timer.timeout.emit()
    assert panel.stagger_timer.isActive()
    moved_per_slice = []
    for _ in panel.plots:
        panel.stagger_timer.timeout.emit()  # as the single-shot timer does, slice by slice
        moved = [k for k, plot in panel.plots.items() if plot.view.viewRange()[0] != before[k]]
        moved_per_slice.append(len(moved))
    assert moved_per_slice == list(range(1, len(panel.plots) + 1))
    shown = {key: plot.shown() for key, plot in panel.plots.items()}
    ranges = {key: plot.view.viewRange() for key, plot in panel.plots.items()}
    assert panel.redraw(force=True)
    for key, plot in panel.plots.items():
        assert plot.view.viewRange() == ranges[key]
        again = plot.shown()
        assert [spec for spec, _, _ in again] == [spec for spec, _, _ in shown[key]]
        for (_, xs, ys), (_, xs0, ys0) in zip(again, shown[key], strict=True):
            assert xs.tolist() == xs0.tolist() and ys.tolist() == ys0.tolist()


def test_a_redraw_leaves_unchanged_curves_alone(
    panel: ThroughputCharts, bridge: EventBridge, monkeypatch: pytest.MonkeyPatch
) -> None:
    development_stream(bridge, panel)
    assert panel.redraw(now=NOW)
    calls: list[str] = []
    for plot in panel.plots.values():
        for key, item in plot.curves.items():
            monkeypatch.setattr(item, "setData", lambda *a, key=key, **k: calls.append(key))
    assert panel.redraw(now=NOW)  # re-read in full, the same values
    assert calls == []
    feed(bridge, *events(NOW, "/", "chat:message", 5, 0))
    assert panel.redraw(now=NOW)
    assert "events:eventsReceived" in calls and "bytes:bytesIn@*" not in calls


def test_window_switching_changes_the_range_and_the_points(
    panel: ThroughputCharts, bridge: EventBridge
) -> None:
    development_stream(bridge, panel)
    panel.redraw(now=NOW)
    for seconds in (300, 900, 3600, 60):
        panel.set_window(seconds)
        panel.redraw(now=NOW)
        xs, _ = curve(panel, "bytes", "in")
        assert len(xs) == seconds
        low, high = panel.plots["connections"].view.viewRange()[0]
        assert (low, high) == pytest.approx((NOW - seconds + 1, NOW))
    assert panel.controls.window_box.currentText() == "1 min"


def test_pause_freezes_the_view_while_data_accrues(
    panel: ThroughputCharts, bridge: EventBridge
) -> None:
    development_stream(bridge, panel)
    panel.redraw(now=NOW)
    frozen = curve(panel, "bytes", "in")[1].copy()
    panel.controls.pause_button.click()
    assert panel.paused and panel.controls.pause_button.text() == "Resume"
    feed(bridge, stats("node-a", range(NOW + 1, NOW + 6), {"bytesIn": 777}))
    panel.clock = lambda: NOW + 6
    panel.redraw(now=NOW + 5)
    panel.redraw()
    xs, ys = curve(panel, "bytes", "in")
    assert xs[-1] == NOW and ys.tolist() == frozen.tolist()
    assert "Paused" in panel.controls.status.text()
    assert bridge.rates.series("bytesIn", now=NOW + 5, last_seconds=1) == [(NOW + 5, 777.0)]
    panel.controls.pause_button.click()
    assert not panel.paused
    xs, ys = curve(panel, "bytes", "in")
    assert xs[-1] == NOW + 4  # the live edge: the newest second is still filling
    assert ys[-4:].tolist() == [777.0] * 4
    assert panel.plots["bytes"].view.viewRange()[0][1] == pytest.approx(NOW + 4)


def test_zoom_stops_following_and_follow_returns(
    panel: ThroughputCharts, bridge: EventBridge
) -> None:
    development_stream(bridge, panel)
    panel.redraw(now=NOW)
    view = panel.plots["packets"].view
    assert view.state["mouseEnabled"] == [True, False]  # time axis only
    view.setXRange(NOW - 30, NOW - 10, padding=0)
    view.sigRangeChangedManually.emit(view.state["mouseEnabled"])  # as a wheel or a drag does
    assert not panel.following and panel.controls.follow_button.isEnabled()
    assert panel.plots["events"].view.viewRange()[0] == pytest.approx([NOW - 30, NOW - 10])
    panel.redraw(now=NOW + 1)
    assert panel.plots["bytes"].view.viewRange()[0] == pytest.approx([NOW - 30, NOW - 10])
    panel.controls.follow_button.click()
    assert panel.following and not panel.controls.follow_button.isEnabled()
    assert panel.plots["bytes"].view.viewRange()[0][1] == pytest.approx(NOW - 1)


# --- modes and servers -----------------------------------------------------------------


def test_production_mode_plots_packets_and_says_so(
    panel: ThroughputCharts, bridge: EventBridge
) -> None:
    feed(
        bridge,
        ConfigReceived(PRODUCTION, NOW - 10),
        stats("prod-1", range(NOW - 4, NOW + 1), {"packetsIn": 40, "packetsOut": 90}, clients=3),
    )
    panel.sample(now=NOW)
    panel.redraw(now=NOW)
    plot = panel.plots["events"]
    assert "from packets: production mode" in plot.title
    assert labels(panel, "events") == ["packets in", "packets out"]
    assert curve(panel, "events", "packets in")[1][-5:].tolist() == [40.0] * 5
    assert curve(panel, "events", "packets out")[1][-1] == 90
    feed(bridge, ConfigReceived(DEV, NOW))
    panel.redraw(now=NOW)
    assert plot.title == "Events per second"
    assert labels(panel, "events")[:2] == ["received", "sent"]


def test_one_server_or_all_summed(panel: ThroughputCharts, bridge: EventBridge) -> None:
    development_stream(bridge, panel)
    box = panel.controls.server_box
    assert [box.itemText(i) for i in range(box.count())] == [
        "All servers (summed)",
        "node-a",
        "node-b",
    ]
    box.setCurrentIndex(box.findData("node-b"))
    assert panel.server == "node-b"
    panel.redraw(now=NOW)
    assert curve(panel, "bytes", "in")[1][-3:].tolist() == [3.0] * 3
    assert curve(panel, "packets", "in")[1][-1] == 1
    assert curve(panel, "clients", "clients")[1][-1] == 4
    assert labels(panel, "clients") == ["clients", "/"]
    assert panel.plots["bytes"].title.endswith("server node-b")
    assert "all servers" in panel.plots["events"].title  # events carry no server id
    assert curve(panel, "events", "received")[1][-1] == 10
    panel.set_server(None)
    panel.redraw(now=NOW)
    assert curve(panel, "bytes", "in")[1][-1] == 9003
    assert box.currentIndex() == 0


def test_a_new_connection_starts_a_new_history(
    panel: ThroughputCharts, bridge: EventBridge
) -> None:
    development_stream(bridge, panel)
    panel.set_server("node-a")
    bridge.reset()
    panel.sample(now=NOW + 1)
    panel.redraw(now=NOW + 1)
    assert panel.server is None and panel.controls.server_box.count() == 1
    assert curve(panel, "clients", "clients")[0].tolist() == [NOW + 1]


# --- tables ------------------------------------------------------------------------------


def test_top_events_list_names_with_rates_and_a_click_plots_one(
    panel: ThroughputCharts, bridge: EventBridge, qtbot: QtBot
) -> None:
    development_stream(bridge, panel)
    table = panel.top_table
    assert table.names() == ["chat:message", "typing"]
    # the last five seconds received 5..9 and sent twice that; 3 * (0 + ... + 9) in all
    assert [table.item(0, c).text() for c in range(1, 4)] == ["7 /s", "14 /s", "135"]
    # exact counts a second, from the first second counted up to the live edge
    assert table.spark(0) == [3.0 * k for k in range(9)]
    rect = table.visualItemRect(table.item(0, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert "chat:message" in panel.picked
    panel.redraw(now=NOW)
    xs, ys = curve(panel, "events", "chat:message (in+out)")
    assert xs.tolist() == list(range(NOW - 9, NOW + 1))  # before the click too
    assert ys.tolist() == [3 * k for k in range(10)]  # received k and sent 2k each second
    assert table.item(0, 0).font().bold()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert "chat:message (in+out)" not in labels(panel, "events")


def test_network_text_is_never_markup(panel: ThroughputCharts, bridge: EventBridge) -> None:
    name = "<b>bold</b><img src=x>"
    feed(bridge, ConfigReceived(DEV, NOW), *events(NOW, "/", name, received=3, sent=0))
    panel.sample(now=NOW)
    assert panel.top_table.names() == [name]
    panel.toggle_event_name(name)
    panel.redraw(now=NOW)
    plot = panel.plots["events"]
    label = plot.legend.getLabel(plot.curves[f"events:name:{name}"])
    assert label.item.toPlainText() == f"{name} (in+out)"
    plot.show_readout(NOW)
    assert name in plot.readout.textItem.toPlainText()


# --- export, looks, visibility ---------------------------------------------------------------


def test_export_writes_a_png_and_the_shown_series_as_csv(
    panel: ThroughputCharts, bridge: EventBridge, tmp_path: Path
) -> None:
    development_stream(bridge, panel)
    panel.redraw(now=NOW)
    png = panel.export_png(tmp_path / "charts.png")
    image = QImage(str(png))
    assert not image.isNull() and image.width() > 400
    rows = panel.export_csv(tmp_path / "charts.csv")
    with open(tmp_path / "charts.csv", newline="", encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    assert tuple(table[0]) == HEADER
    assert len(table) == rows + 1
    shown = sum(len(xs) for plot in panel.plots.values() for _, xs, _ in plot.shown())
    assert rows == shown
    assert [
        "bytes",
        "in",
        "B/s",
        str(NOW),
        time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(NOW)),
        "9003",
    ] in table
    assert {row[1] for row in table[1:] if row[0] == "events"} >= {"received", "/chat out"}
    assert "Saved" in panel.controls.status.text()
    panel.controls.png_path_chosen.emit(str(tmp_path / "chosen.png"))  # what the dialog sends
    assert not QImage(str(tmp_path / "chosen.png")).isNull()


def test_light_and_dark_colours(panel: ThroughputCharts, bridge: EventBridge) -> None:
    development_stream(bridge, panel)
    panel.redraw(now=NOW)
    panel.apply_theme(dark=True)
    received = panel.plots["events"].curves["events:eventsReceived"]
    assert received.opts["pen"].color().name() == DARK.roles["in"]
    assert received.opts["pen"].width() <= 1
    assert panel.graphics.backgroundBrush().color().name() == DARK.background
    panel.apply_theme(dark=False)
    assert received.opts["pen"].color().name() == LIGHT.roles["in"]
    assert not received.opts["antialias"]
    assert received.opts["clipToView"] and received.opts["skipFiniteCheck"]
    assert received.opts["autoDownsample"] and received.opts["downsampleMethod"] == "peak"


def test_the_system_colour_scheme_is_followed(panel: ThroughputCharts) -> None:
    hints = QGuiApplication.styleHints()
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert panel.theme is DARK
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert panel.theme is LIGHT


def test_the_readout_follows_the_mouse(panel: ThroughputCharts, bridge: EventBridge) -> None:
    development_stream(bridge, panel)
    panel.redraw(now=NOW)
    packets, bytes_ = panel.plots["packets"], panel.plots["bytes"]
    inside = packets.view.mapViewToScene(QPointF(NOW - 2, 1))
    panel.graphics.scene().sigMouseMoved.emit(inside)
    assert packets.readout_visible() and not bytes_.readout_visible()
    assert packets.crosshair.value() == NOW - 2
    assert "in: 18 /s" in packets.readout.textItem.toPlainText()
    assert not packets.legend.isVisible()  # the read-out names the series meanwhile
    QApplication.sendEvent(panel.graphics, QEvent(QEvent.Type.Leave))
    assert not packets.readout_visible() and packets.legend.isVisible()


def test_redrawing_stops_while_hidden(panel: ThroughputCharts, qtbot: QtBot) -> None:
    assert panel.redraw_timer.isActive()
    assert panel.redraw_timer.interval() >= 1000 // 30
    panel.hide()
    assert not panel.redraw_timer.isActive()
    assert panel.sample_timer.isActive()  # the history keeps growing
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.redraw_timer.isActive()


def realistic_stream(bridge: EventBridge, panel: ThroughputCharts, minutes: int = 5) -> None:
    """Two servers, three namespaces, a daily-looking wave of traffic, Node-style reasons."""
    rng = random.Random(7)
    names = {
        "/": ("chat:message", "typing", "presence"),
        "/chat": ("room:join", "message:read"),
        "/game": ("move", "score"),
    }
    feed(bridge, ConfigReceived(DEV, NOW - minutes * 60))
    for second in range(NOW - minutes * 60 + 1, NOW + 1):
        wave = 1 + 0.6 * math.sin(second / 45) + 0.15 * rng.random()
        batch: list[DomainEvent] = []
        if second % 2 == 0:
            for server, share in (("node-a", 0.6), ("node-b", 0.4)):
                counts = {
                    "bytesIn": int(52_000 * wave * share),
                    "bytesOut": int(140_000 * wave * share),
                    "packetsIn": int(410 * wave * share),
                    "packetsOut": int(980 * wave * share),
                    "rawConnection": rng.randint(0, 4),
                    "rawDisconnection": rng.randint(0, 2),
                }
                reason = rng.choice(("transport close", "ping timeout", "server shutting down"))
                clients = int(120 * share + 10 * wave)
                spread = {"/": int(80 * share + 8 * wave), "/chat": int(45 * share - 5 * wave)}
                batch.append(
                    stats(server, range(second - 1, second + 1), counts, clients, spread, reason)
                )
        for nsp, nsp_names in names.items():
            for index, name in enumerate(nsp_names):
                scale = 12 / (index + 1) * (2 if nsp == "/" else 1)
                batch += events(second, nsp, name, int(scale * wave), int(scale * wave * 1.5))
        feed(bridge, *batch)
        panel.sample(now=second)


def test_screenshot_with_a_realistic_stream(panel: ThroughputCharts, bridge: EventBridge) -> None:
    realistic_stream(bridge, panel)
    panel.set_window(300)
    panel.toggle_event_name("typing")
    panel.redraw(now=NOW)
    panel.plots["bytes"].show_readout(NOW - 100)
    assert all(len(plot.curves) >= 2 for plot in panel.plots.values())
    path = save_screenshot(panel, "throughput_charts")
    assert not QImage(str(path)).isNull()
    panel.apply_theme(dark=True)
    save_screenshot(panel.graphics, "throughput_charts_dark")
