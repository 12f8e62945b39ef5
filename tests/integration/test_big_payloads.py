"""Big and deep input in the whole window: shown cut with its true size, no freeze, all recorded.

A hostile python-socketio server (``instrument()`` in development mode) runs
as a child process, so that its own work of encoding ten megabytes is not
measured as the window's (``serve`` in tests/support/big_payloads.py). A client of its
own emits a 10 MB string argument, a 10,000-level nested argument and an
event named by a megabyte, the server puts that client in 100,000 rooms, and
it sends the 10 MB and 10,000-deep events to the emit console's probe. The
window is the app's own (``Application``), connected to the server with the
session recorder on. The tests assert what cannot flake: the input shown cut
with its true size, recorded whole, the window alive. How long the GUI thread
is held by a 10 MB argument is a figure of ``tests/benchmarks/bench_big_payload.py``.
The same cases piece by piece, without a network, are in
``tests/qt/test_big_payloads.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from sio_monitor.domain.emit.probe_events import ProbeEventReceived
from sio_monitor.domain.eventlog.rows import PREVIEW_CHARS
from sio_monitor.domain.events import EventReceived, RoomJoined
from sio_monitor.domain.format import SHOWN_CHARS
from sio_monitor.domain.throughput.chart_series import EVENTS
from sio_monitor.qt.loop import BatchedQEventLoop
from sio_monitor.qt.models.emit_log_model import RECEIVED
from sio_monitor.qt.models.eventlog_model import ARGUMENTS, EVENT, SIZE
from sio_monitor.qt.models.socket_table_model import LISTED_ROOMS, ROOMS_COLUMN
from sio_monitor.qt.models.topology_model import MAX_ROOM_ROWS
from tests.qt.screens import save_screenshot
from tests.qt.waiting import until
from tests.support.big_payloads import (
    BIG_CHARS,
    ROOMS,
    Monitor,
    arrived,
    big_text,
    deep_json_size,
    deep_value,
    log_row,
    long_name,
    recorded_events,
    recording,
    room_name,
    run_monitor,
    same,
    selected_log_row,
)

pytestmark = [pytest.mark.network, pytest.mark.timeout(300)]

# --- the tests ------------------------------------------------------------------------------------


def test_a_10_mb_argument_is_shown_cut_with_its_size_and_recorded_whole(
    app_loop: BatchedQEventLoop,
    tmp_path: Path,
) -> None:
    async def body(monitor: Monitor) -> None:
        monitor.workspace.show_view("log")
        async with recording(monitor):
            await monitor.server.act("big")
            cells, size_tip, details = await selected_log_row(monitor, "big")
        save_screenshot(monitor.application.window, "big_payload_10mb_log")
        shown = cells[ARGUMENTS]
        assert shown.startswith('["héllo \\"wörld\\"\\n') and shown.endswith("…")
        assert len(shown) <= PREVIEW_CHARS
        assert cells[EVENT] == "big" and cells[SIZE] == "10.0 MB"
        size = len(json.dumps([big_text()], ensure_ascii=False).encode("utf-8"))
        assert f"{size:,} bytes (10.0 MB)" in size_tip
        assert f"Only the first 16,384 of {size:,} bytes are held in memory" in details
        assert len(details) < 20_000

    path = run_monitor(app_loop, tmp_path, body)
    found = recorded_events(path, EventReceived, lambda e: e.name == "big")
    assert len(found) == 1 and found[0].args == (big_text(),)


def test_10000_levels_of_nesting_are_shown_cut_with_their_size_and_recorded_whole(
    app_loop: BatchedQEventLoop,
    tmp_path: Path,
) -> None:
    async def body(monitor: Monitor) -> None:
        monitor.workspace.show_view("log")
        async with recording(monitor):
            await monitor.server.act("deep")
            cells, _, details = await selected_log_row(monitor, "deep")
        save_screenshot(monitor.application.window, "big_payload_deep_log")
        size = deep_json_size()
        assert cells[ARGUMENTS].startswith('[[{"k": [{"k": [{"k": ')
        assert cells[ARGUMENTS].endswith("…") and len(cells[ARGUMENTS]) <= PREVIEW_CHARS
        assert cells[SIZE] == f"{size:,}"
        assert f"Only the first 16,384 of {size:,} bytes are held in memory" in details

    path = run_monitor(app_loop, tmp_path, body)
    found = recorded_events(path, EventReceived, lambda e: e.name == "deep")
    assert len(found) == 1 and same(found[0].args, (deep_value(),))


def test_a_1_mb_event_name_is_shown_cut_with_its_size_in_the_log_and_the_charts(
    app_loop: BatchedQEventLoop,
    tmp_path: Path,
) -> None:
    name = long_name()
    shown = f"{name[:SHOWN_CHARS]}… (1.0 MB)"

    async def body(monitor: Monitor) -> None:
        workspace = monitor.workspace
        panel, charts = workspace.event_log, workspace.charts
        model = panel.model
        workspace.show_view("throughput")  # painting the charts the first time is not the test
        await until(lambda: charts.redraws > 0, charts.redraw_timer.timeout)
        async with recording(monitor):
            await monitor.server.act("name")
            table = charts.top_table
            await arrived(
                monitor, lambda: name in table.names(), charts.redraw_timer.timeout, "The name"
            )
            listed = table.names().index(name)
            cell, cell_tip = table.item(listed, 0).text(), table.item(listed, 0).toolTip()
            table.cellClicked.emit(listed, 0)  # plot it
            plot = charts.plots[EVENTS]
            labels = [spec.label for spec in plot.specs.values() if spec.gauge == name]
            plot.show_readout(charts.clock())
            readout = plot.readout.textItem.toPlainText()
            workspace.show_view("log")
            row = await log_row(monitor, lambda r: r.event == name)
            panel.table.selectRow(row)
            event_cell = model.data(model.index(row, EVENT))
            event_tip = model.data(model.index(row, EVENT), Qt.ItemDataRole.ToolTipRole)
            details = panel.details.toPlainText()
        save_screenshot(monitor.application.window, "big_payload_long_name_log")
        workspace.show_view("throughput")
        save_screenshot(monitor.application.window, "big_payload_long_name_charts")
        assert event_cell == shown and "1.0 MB" in event_tip
        assert shown in details and len(details) < 5_000
        assert cell == shown and "1.0 MB" in cell_tip
        assert labels == [f"{shown} (in+out)"]
        assert len(readout) < 2_000

    path = run_monitor(app_loop, tmp_path, body)
    assert len(recorded_events(path, EventReceived, lambda e: e.name == name)) == 3


def test_a_socket_in_100000_rooms_shows_its_room_count_and_every_join_is_recorded(
    app_loop: BatchedQEventLoop,
    tmp_path: Path,
) -> None:
    sids: list[str] = []

    async def body(monitor: Monitor) -> None:
        workspace = monitor.workspace
        bridge, explorer = workspace.session.bridge, workspace.explorer
        workspace.show_view("topology")
        sid = next(iter(bridge.topology.namespace("/").sockets))  # the hostile client
        sids.append(sid)
        explorer.select_socket("/", sid)  # its details follow the joins as they come

        def rooms() -> int:  # the socket's state is replaced if a snapshot comes meanwhile
            state = bridge.topology.socket("/", sid)
            return len(state.rooms) if state is not None else 0

        # python-socketio re-sends the socket with all its rooms on every ping, so its room
        # count can be whole before every join has been applied and handed to the recorder.
        joined: set[str] = set()

        def count_joins(batch: list[object]) -> None:
            joined.update(
                e.room for e in batch if isinstance(e, RoomJoined) and e.id == sid and e.nsp == "/"
            )

        bridge.events_applied.connect(count_joins)
        async with recording(monitor):
            await monitor.server.act("rooms")
            await arrived(
                monitor,
                lambda: rooms() > ROOMS and len(joined) >= ROOMS,
                bridge.batch_applied,
                "Every room",
                timeout=180,
            )
            details = explorer.details
            title = details.rooms_box.title()
            listed = details.rooms.rowCount()
            tree = explorer.view.rooms_model
            room_rows = tree.rowCount(tree.index_of_path(("ns", "/")))
            more = tree.index_of_path(("more", "/")).data()
            explorer.set_grouping("sockets")
            sockets = explorer.view.socket_model
            rooms_cell = sockets.data(sockets.index(sockets.row_of(("/", sid)), ROOMS_COLUMN))
            explorer.set_grouping("rooms")
            explorer.select_socket("/", sid)
        explorer.view.tree.scrollTo(tree.index_of_path(("more", "/")))
        save_screenshot(monitor.application.window, "big_payload_100000_rooms")
        assert title == "Rooms (100,000 and its own)"
        assert listed == LISTED_ROOMS + 1  # and a last row counting the others
        assert rooms_cell.endswith(", … (100,000 rooms)") and len(rooms_cell) < 200
        assert room_rows == MAX_ROOM_ROWS + 1
        assert more == f"… and {ROOMS - MAX_ROOM_ROWS:,} more rooms"

    path = run_monitor(app_loop, tmp_path, body)
    joins = recorded_events(
        path, RoomJoined, lambda e: e.id == sids[-1] and e.nsp == "/"
    )  # last run
    assert {e.room for e in joins} >= {room_name(number) for number in range(ROOMS)}


def test_the_probe_hears_a_10_mb_and_a_10000_deep_event_shown_cut_and_recorded_whole(
    app_loop: BatchedQEventLoop,
    tmp_path: Path,
) -> None:
    async def body(monitor: Monitor) -> None:
        workspace = monitor.workspace
        console = workspace.emit_console
        workspace.show_view("emit")
        console.connection.url.setText(monitor.server.url)
        console.connection.namespaces.setText("/")
        assert await console.probe.connect_to(console.connection.settings())
        log = console.log_model

        def heard() -> dict[str, int]:
            rows = (r for r in range(log.rowCount()) if log.entry(r).direction == RECEIVED)
            return {log.entry(r).event: r for r in rows}

        details: dict[str, str] = {}
        previews: dict[str, str] = {}
        async with recording(monitor):
            await monitor.server.act("probe-big")
            await monitor.server.act("probe-deep")
            await arrived(
                monitor, lambda: {"big", "deep"} <= heard().keys(), log.rowsInserted, "Both"
            )
            for name, row in heard().items():
                console.listen.table.selectRow(row)
                details[name] = console.listen.details.toPlainText()
                previews[name] = log.data(log.index(row, 4))
        save_screenshot(monitor.application.window, "big_payload_probe_listen")
        assert previews["big"].startswith('["héllo') and len(previews["big"]) <= 200
        assert previews["deep"].startswith("[[{") and len(previews["deep"]) <= 200
        assert f"a string of {BIG_CHARS:,} characters" in details["big"]
        assert len(details["big"]) < 40_000 and len(details["deep"]) < 40_000

    path = run_monitor(app_loop, tmp_path, body)
    big = recorded_events(path, ProbeEventReceived, lambda e: e.event == "big")
    deep = recorded_events(path, ProbeEventReceived, lambda e: e.event == "deep")
    assert len(big) == 1 and big[0].args == (big_text(),)
    assert len(deep) == 1 and same(deep[0].args, (deep_value(),))
