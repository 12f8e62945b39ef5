"""The desk: the overview dashboard, layouts at three sizes in both themes, preferences, help.

The three-size screenshots land in tests/artifacts/desk_<view>_<w>x<h>_<theme>.png
for a person to look at; the assertions check what must never be cut.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSettings
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QStyle, QWidget

from sio_monitor.app import Application, GuiOptions
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.net.demo import DemoServer
from sio_monitor.qt.loop import BatchedQEventLoop
from sio_monitor.ui.overview.attention import AttentionLine
from sio_monitor.ui.shell.help_dialogs import (
    AboutDialog,
    ShortcutsDialog,
    about_text,
    shortcuts_of,
)
from sio_monitor.ui.shell.main_window import MainWindow
from sio_monitor.ui.shell.preferences import Preferences, PreferencesDialog
from sio_monitor.ui.shell.theme import apply_theme, is_dark
from sio_monitor.ui.shell.window_geometry import first_geometry
from sio_monitor.ui.shell.workspace import VIEW_NAMES
from tests.qt.screens import save_screenshot
from tests.qt.waiting import until

SIZES = ((1024, 640), (1366, 768), (1920, 1080))
VIEWS = VIEW_NAMES
#: Event names the demo server's users send and receive; the longest must never be cut.
DEMO_EVENT_NAMES = ("message", "typing", "presence", "user_joined", "user_left", "join", "ping")
LONGEST = max(DEMO_EVENT_NAMES, key=len)


def test_the_attention_line_takes_items_from_anyone_as_plain_text(qapp: QApplication) -> None:
    line = AttentionLine()
    seen: list[str] = []
    line.link_activated.connect(seen.append)
    assert line.isHidden()
    line.add_item("alert:cpu", "<b>CPU</b> over 90 %", "throughput")
    line.add_item("overview:silent", "1 server not reporting", "overview")
    assert not line.isHidden()
    assert "&lt;b&gt;CPU&lt;/b&gt;" in line.text()  # escaped, never rendered
    assert line.plain_text() == "<b>CPU</b> over 90 % · 1 server not reporting"
    line.add_item("alert:cpu", "CPU over 95 %", "throughput")  # replaces, keeps its place
    assert list(line.items()) == ["alert:cpu", "overview:silent"]
    line.linkActivated.emit("throughput#alert:cpu")
    assert seen == ["throughput"]
    line.remove_item("alert:cpu")
    line.remove_item("absent")
    assert line.plain_text() == "1 server not reporting"
    line.remove_item("overview:silent")
    assert line.isHidden()


def test_the_first_start_takes_three_quarters_of_the_screen_centred() -> None:
    placed = first_geometry(QRect(0, 0, 1600, 1000))
    assert (placed.width(), placed.height()) == (1200, 750)
    assert (placed.x(), placed.y()) == (200, 125)
    small = first_geometry(QRect(0, 0, 1024, 640))
    assert (small.width(), small.height()) == (1024, 640)


def test_preferences_round_trip_and_the_theme_changes_the_palette(
    qapp: QApplication, tmp_path: Path
) -> None:
    QSettings().remove("preferences")
    window = MainWindow()
    try:
        dialog = window.show_preferences()
        assert dialog.isVisible()
        dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
        dialog.font_scale.setValue(120)
        dialog.keep_days.setValue(7)
        dialog.max_gb.setValue(2.5)
        dialog.folder.setText(str(tmp_path))
        dialog.connect_timeout.setValue(20)
        dialog.ack_timeout.setValue(9)
        (tmp_path / "a.sio-recording").write_bytes(b"x" * 2000)
        dialog._ok()
        assert is_dark(qapp)
        stored = Preferences.load()
        assert (stored.theme, stored.keep_days, stored.max_gb) == ("dark", 7, 2.5)
        assert stored.font_scale == pytest.approx(1.2)
        assert stored.retention.max_bytes == 2_500_000_000
        assert window.connect_dialog.timeout.value() == 20
        assert window.current.emit_console.form.ack_timeout.value() == 9
        again = PreferencesDialog(stored)
        assert again.space.text() == "2.0 kB in 1 recording"
        save_screenshot(again, "desk_preferences_dark")
        assert window.charts.theme.name == "dark" if hasattr(window.charts.theme, "name") else True
    finally:
        QSettings().remove("preferences")
        apply_theme("system")
        from sio_monitor.ui.shell.theme import apply_font_scale

        apply_font_scale(1.0)
        window.close()
        window.deleteLater()


def test_help_lists_every_shortcut_and_about_names_the_versions(qapp: QApplication) -> None:
    window = MainWindow()
    try:
        keys = dict(shortcuts_of(window))
        for shortcut, what in (("Ctrl+Q", "Quit"), ("Ctrl+,", "Preferences"), ("Ctrl+K", "Con")):
            assert keys[shortcut].startswith(what)
        assert window.findChild(type(window.menuBar().actions()[0].menu()), "fileMenu")
        shortcuts = ShortcutsDialog(window)
        shortcuts.show()
        save_screenshot(shortcuts, "desk_shortcuts")
        about = AboutDialog(window)
        about.show()
        save_screenshot(about, "desk_about")
        text = about_text()
        for part in ("Qt 6.", "PySide6 6.", "python-socketio 5.", "Engine.IO protocol 4"):
            assert part in text
    finally:
        window.close()
        window.deleteLater()


def test_the_emit_tab_opens_calm(qapp: QApplication) -> None:
    window = MainWindow()
    try:
        window.show()
        window.show_tab("emit")
        qapp.processEvents()
        asyncio.run(window.emit_console.demo_exchange())  # the screenshot path, unconnected
        assert window.emit_console.form.result.text() == ""
    finally:
        window.close()
        window.deleteLater()


@pytest.mark.network
def test_every_view_holds_at_three_sizes_in_both_themes(app_loop: BatchedQEventLoop) -> None:
    async def main() -> None:
        demo = DemoServer(clients=30, rate=40, stats_interval=0.5)
        await demo.start()
        settings = ConnectionSettings(
            demo.url, username=demo.username or "", password=demo.password or ""
        )
        application = Application(GuiOptions(settings=settings))
        running = asyncio.ensure_future(application.run())
        window = application.window
        try:
            bridge = application.session.bridge
            overview = window.overview
            charts = window.charts

            def busy() -> bool:
                tiles = overview.tiles.tiles
                return (
                    tiles["clients"].value.text() not in ("—", "0")
                    and tiles["events_out"].value.text() not in ("—", "0/s")
                    and LONGEST in charts.top_table.names()
                    and len(tiles["events_out"].spark.values()) >= 4
                )

            await until(busy, bridge.batch_applied, timeout=30)
            assert not overview.attention.isVisible()  # nothing wrong on the demo
            for theme in ("light", "dark"):
                apply_theme(theme)
                for width, height in SIZES:
                    # Fresh figures for each size: rendering holds the loop, and a server
                    # unheard for that long would be judged silent in the pictures.
                    await next_batch(bridge)
                    window.resize(width, height)
                    QApplication.processEvents()
                    assert (window.width(), window.height()) == (width, height), (
                        "a view holds the window larger"
                    )
                    for view in VIEWS:
                        window.show_tab(view)
                        charts.redraw()
                        await asyncio.sleep(0)
                        QApplication.processEvents()
                        save_screenshot(window, f"desk_{view}_{width}x{height}_{theme}")
                        if view == "throughput" and (width, height) == (1024, 640):
                            assert_name_whole(charts.top_table, LONGEST)
        finally:
            apply_theme("system")
            window.close()
            await asyncio.wait_for(running, 5.0)
            await demo.stop()

    app_loop.run_until_complete(main())


async def next_batch(bridge: object) -> None:
    """Until the monitor state applied one more batch from the server."""
    seen = bridge.applied_events  # type: ignore[attr-defined]
    await until(lambda: bridge.applied_events > seen, bridge.batch_applied)  # type: ignore[attr-defined]


def assert_name_whole(table: object, name: str) -> None:
    """The name's cell is wide enough for the whole name: the sparkline column gave way."""
    row = table.names().index(name)  # type: ignore[attr-defined]
    item = table.item(row, 0)  # type: ignore[attr-defined]
    assert item.text() == name
    # What Qt's item delegate leaves for the text: the cell less a focus margin each side.
    style = table.style()  # type: ignore[attr-defined]
    margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1
    needed = QFontMetrics(item.font()).horizontalAdvance(name)
    needed += 2 * margin
    assert table.columnWidth(0) >= needed, (table.columnWidth(0), needed)  # type: ignore[attr-defined]
    assert table.viewport().width() >= sum(  # type: ignore[attr-defined]
        table.columnWidth(c)  # type: ignore[attr-defined]
        for c in range(4)
    ), "the numbers beside the name are cut"


def test_retention_runs_at_start_and_the_status_bar_shows_the_space(
    qapp: QApplication, tmp_path: Path
) -> None:
    import os
    import time

    from sio_monitor.ui.recording.recording_menu import install_recording

    old = tmp_path / "old.sio-recording"
    old.write_bytes(b"x" * 3000)
    month_ago = time.time() - 40 * 86400
    os.utime(old, (month_ago, month_ago))
    kept = tmp_path / "kept.sio-recording"
    kept.write_bytes(b"y" * 1500)
    Preferences(recordings_folder=str(tmp_path), keep_days=30, max_gb=1.0).save()
    window = MainWindow()
    try:
        manager = install_recording(window)
        assert not old.exists() and kept.exists()
        assert manager.retention.label.text() == "Recordings: 1.5 kB"
        assert manager.retention.last is not None
        assert manager.retention.last.removed == [old]
        assert manager.retention.timer.interval() == 3_600_000  # and then hourly
    finally:
        QSettings().remove("preferences")
        window.close()
        window.deleteLater()


@pytest.mark.network
def test_in_production_mode_the_tiles_the_server_does_not_send_say_why(
    app_loop: BatchedQEventLoop,
) -> None:
    from sio_monitor.domain.throughput.overview_figures import PRODUCTION_WHY

    async def main() -> None:
        demo = DemoServer(clients=6, rate=10, stats_interval=0.5, mode="production")
        await demo.start()
        settings = ConnectionSettings(
            demo.url, username=demo.username or "", password=demo.password or ""
        )
        application = Application(GuiOptions(settings=settings))
        running = asyncio.ensure_future(application.run())
        try:
            overview = application.window.overview
            tiles = overview.tiles.tiles

            def known() -> bool:
                return tiles["clients"].value.text() not in ("—", "0") and bool(
                    tiles["events_in"].why.text() == PRODUCTION_WHY
                )

            await until(known, application.session.bridge.batch_applied, timeout=30)
            for key in ("events_in", "events_out"):
                assert tiles[key].value.text() == "—"
                assert tiles[key].why.text() == PRODUCTION_WHY
            for key in ("bytes_in", "connections", "servers"):
                assert tiles[key].why.text() == ""
            assert tiles["servers"].value.text() == "1 of 1"
            application.window.resize(1366, 768)
            application.window.show_tab("overview")
            save_screenshot(application.window, "desk_overview_production")
        finally:
            application.window.close()
            await asyncio.wait_for(running, 5.0)
            await demo.stop()

    app_loop.run_until_complete(main())


def test_every_main_control_has_an_accessible_name(qapp: QApplication) -> None:
    from PySide6.QtWidgets import QAbstractItemView, QAbstractSpinBox, QComboBox, QLineEdit

    from sio_monitor.ui.shell.accessible_names import KINDS

    window = MainWindow()
    try:
        window.show()
        unnamed: list[str] = []
        for index in range(window.tabs.count()):
            window.tabs.setCurrentIndex(index)
            qapp.processEvents()
            for widget in window.findChildren(QWidget):
                if not isinstance(widget, KINDS) or not widget.isVisibleTo(window):
                    continue
                if type(widget).__name__ == "QHeaderView":
                    continue
                if isinstance(widget.parent(), (QComboBox, QAbstractSpinBox)):
                    continue
                if not widget.accessibleName():
                    unnamed.append(widget.objectName() or type(widget).__name__)
        assert unnamed == []
        names = {
            w.objectName(): w.accessibleName()
            for w in window.findChildren(QWidget)
            if isinstance(w, (QLineEdit, QAbstractItemView))
        }
        assert names["emitEventName"] == "Event name"
        assert names["eventLogTable"] == "Event log"
    finally:
        window.close()
        window.deleteLater()
