"""Big and deep input piece by piece, without a network: each part the window test relies on.

The window against a hostile server is ``tests/integration/test_big_payloads.py``;
here its pieces are checked fast and alone: JSON at any depth, sizes measured
without writing megabytes out, the recording of deep and long payloads, the
log taking one big payload per turn, the explorer's capped room lists, and
long names and arguments in the listen log and the charts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from PySide6.QtCore import Qt

from sio_monitor.domain.emit.probe_events import ProbeEventReceived
from sio_monitor.domain.eventlog.entries import PAYLOAD_LIMIT, encode_args
from sio_monitor.domain.eventlog.rows import BINARY, TRUNCATED, Kind, LogRow
from sio_monitor.domain.events import ConfigReceived, EventReceived, RoomJoined, RoomLeft
from sio_monitor.domain.format import (
    SHOWN_CHARS,
    dumps_deep,
    format_bytes,
    loads_any,
    loads_deep,
    shorten,
)
from sio_monitor.domain.throughput.chart_series import rate_plan
from sio_monitor.qt.models import topology_model
from sio_monitor.qt.models.emit_log_model import RECEIVED, make_entry
from sio_monitor.qt.models.eventlog_model import SIZE, EventLogModel
from sio_monitor.qt.models.socket_table_model import LISTED_ROOMS, listed_rooms, public_rooms
from sio_monitor.qt.session import MonitorSession
from sio_monitor.store import event_codec
from sio_monitor.store.recording import RecordingWriter
from sio_monitor.store.recording_reader import Recording
from sio_monitor.ui.charts.chart_tables import TopEventsTable
from sio_monitor.ui.shell.main_window import MainWindow
from tests.qt.explorer_feed import DEV, Harness, connected, feed, outline, sock
from tests.support.big_payloads import (
    big_text,
    deep_json_size,
    deep_value,
    long_name,
    room_name,
    same,
)

if TYPE_CHECKING:
    from pytestqt.modeltest import ModelTester
    from pytestqt.qtbot import QtBot


def test_deep_json_writes_and_reads_exactly_what_json_does() -> None:
    samples: list[Any] = [
        None, True, 0, -12, 2**70, 1.5, -0.0, 1e300, float("inf"), "", 'a"b\\c\n\x01é\u2028😀',
        [], {}, [1, [2, [3]]], {"k": {"j": [None, {"1": 2}]}}, {2: "int", False: "bool", 2.5: "f"},
    ]  # fmt: skip
    for value in samples:
        for options in ({}, {"ensure_ascii": False}, {"separators": (",", ":")}):
            assert dumps_deep(value, **options) == json.dumps(value, **options)
        text = json.dumps(value)
        assert repr(loads_deep(text)) == repr(json.loads(text))
    deep = deep_value(100_000)
    text = dumps_deep(deep)
    assert text.startswith('[{"k": [{"k": ') and text.count("{") == 50_000
    assert dumps_deep(loads_any(text)) == text
    for bad in ("[1,]", '{"a" 1}', "[1 2]", "{1: 2}", "[1]x", '"\x01"', "[" * 5000):
        with pytest.raises(json.JSONDecodeError):
            loads_deep(bad)
    cycle: list[Any] = []
    cycle.append(cycle)
    with pytest.raises(ValueError, match="Circular"):
        dumps_deep(cycle)


def test_long_names_are_cut_with_their_size_and_sizes_read_as_people_read_them() -> None:
    assert shorten("lobby") == "lobby"
    assert shorten(long_name()) == f"{long_name()[:SHOWN_CHARS]}… (1.0 MB)"
    assert shorten("é" * 300, 10) == "éééééééééé… (600 B)"
    assert [format_bytes(n) for n in (0, 999, 16_384, 10_000_004)] == [
        "0 B", "999 B", "16.4 kB", "10.0 MB"
    ]  # fmt: skip


def test_a_long_string_argument_is_measured_without_being_written_out() -> None:
    text = big_text(200_000)
    for args in [(text,), (1, {"a": [2]}, text, "after"), ("é\n" * 9_000, None), (text, text)]:
        data, held, size, flags = encode_args(args)
        written = json.dumps(list(args), ensure_ascii=False).encode("utf-8")
        assert size == len(written) and data == written[: len(data)] and held == len(data)
        assert flags == TRUNCATED and len(data) == PAYLOAD_LIMIT
    binary = encode_args((text, b"\x00\xff"))  # binary takes the path that stores a preview
    skeleton = json.dumps([text, None], ensure_ascii=False).encode("utf-8")
    assert binary[3] & BINARY and binary[2] == len(skeleton) - len("null") + 2


def test_arguments_nested_past_the_recursion_limit_are_logged_with_their_true_size() -> None:
    data, held, size, flags = encode_args((deep_value(),))
    assert size == deep_json_size() and flags == TRUNCATED and held == PAYLOAD_LIMIT
    assert data.startswith(b'[[{"k": [{"k": ')
    row = LogRow(0, 0.0, "", "/", "s", Kind.EVENT_IN, "deep", size, flags, data.decode(), "")
    assert f"Only the first 16,384 of {size:,} bytes" in row.details()
    shallow = dumps_deep([deep_value(2_000)], ensure_ascii=False)  # held whole, too deep to parse
    row = row._replace(size=len(shallow), flags=0, text=shallow)
    assert row.details().endswith(shallow)


def test_the_recording_keeps_deep_and_long_payloads_whole_and_redacts_them(
    tmp_path: Path,
) -> None:
    long_text = "secret-token " + big_text(3_000_000)
    events = [
        EventReceived("/", "s", "deep", (deep_value(), {"$b": "looks like bytes"}), 1.7e9),
        EventReceived("/", "s", "long", (long_text, b"\x00binary"), 1.7e9),
        ProbeEventReceived("/", "deep", (deep_value(3_000),), 1.7e9),
    ]
    for event in events:
        assert same(event_codec.decode(event_codec.encode(event)), event)
    writer = RecordingWriter(
        tmp_path / "r.sio-recording", server_url="http://x", secrets=["secret-token"]
    )
    writer.add(events)
    assert writer.close()
    with Recording(writer.path) as recording:
        stored = list(recording.events())
    assert recording.skipped == 0 and writer.stats.error is None
    assert same(stored[0], events[0]) and same(stored[2], events[2])
    assert stored[1].args[0] == "[redacted]" + long_text[len("secret-token") :]


def test_a_batch_of_big_payloads_is_logged_a_payload_per_turn_in_order(qtbot: QtBot) -> None:
    model = EventLogModel()
    text = big_text(100_000)
    names = ["small", "big-1", "big-2", "after", "big-3"]
    batch = [EventReceived("/", "s", n, (text if "big" in n else n,), 1.7e9) for n in names]
    model.add_admin(batch)
    assert model.rowCount() == 2 and model.waiting == 1  # one big payload per turn
    model.add_probe([ProbeEventReceived("/", "probe", (1,), 1.7e9)])
    assert model.waiting == 2  # waits behind the rest of the batch: order is kept
    qtbot.waitUntil(lambda: model.waiting == 0)
    assert [model.log_row(r).event for r in range(model.rowCount())] == [*names, "probe"]
    size = len(json.dumps([text], ensure_ascii=False).encode("utf-8"))
    assert model.data(model.index(1, SIZE)) == f"{size:,}"


def test_a_namespace_lists_its_first_rooms_and_counts_the_others(
    monkeypatch: pytest.MonkeyPatch, qtmodeltester: ModelTester
) -> None:
    monkeypatch.setattr(topology_model, "MAX_ROOM_ROWS", 5)
    harness = Harness()
    rooms = [room_name(n) for n in range(12)]
    harness.feed(ConfigReceived(DEV, 1.7e9), connected(sock("a", "/chat", *rooms)))
    model = harness.rooms

    def labels() -> list[str]:  # the namespace's rows (each room's sockets left out)
        return [label for label in outline(model)[1] if isinstance(label, str)]

    assert labels() == [
        *(f"{room} (1)" for room in rooms[:5]), "… and 7 more rooms"
    ]  # fmt: skip
    more = model.index_of_path(("more", "/chat"))
    assert "filter" in more.data(Qt.ItemDataRole.ToolTipRole)
    harness.feed(RoomLeft("/chat", rooms[0], "a", 1.7e9), RoomJoined("/chat", "late", "a", 1.7e9))
    # the row freed went to the next room to come, not to one already counted
    assert labels()[0] == "late (1)" and f"{rooms[0]} (1)" not in labels()
    assert labels()[-1] == "… and 7 more rooms"
    harness.set_filter(rooms[9])  # any room is found by the filter
    assert len(labels()) == 5 + 1
    harness.set_filter("")
    qtmodeltester.check(model)
    state = harness.bridge.topology.socket("/chat", "a")
    assert state is not None
    assert public_rooms(state).endswith(", … (12 rooms)") and len(listed_rooms(state, 3)) == 3


def test_the_socket_details_list_the_first_rooms_under_their_count(qtbot: QtBot) -> None:
    window = MainWindow(MonitorSession())
    qtbot.addWidget(window)
    window.show()
    rooms = [room_name(n) for n in range(LISTED_ROOMS + 150)]
    info = sock("s1", "/chat", *rooms)
    feed(window.session.bridge, ConfigReceived(DEV, 1.7e9), connected(info))
    window.show_tab("topology")
    window.explorer.select_socket("/chat", "s1")
    details = window.explorer.details
    assert details.rooms_box.title() == f"Rooms ({len(rooms):,} and its own)"
    assert details.rooms.rowCount() == LISTED_ROOMS + 1
    last = details.rooms.item(LISTED_ROOMS, 0).text()
    assert last == f"… and {len(rooms) + 1 - LISTED_ROOMS:,} more: filter the explorer to find one"


def test_a_long_event_name_and_a_10_mb_argument_stay_short_in_the_listen_log_and_charts(
    qtbot: QtBot,
) -> None:
    name, text = long_name(), big_text()
    entry = make_entry(1.7e9, RECEIVED, "/", name, (text, deep_value()))
    details = entry.details()
    assert details.startswith(shorten(name)) and len(details) < 60_000
    assert f"a string of {len(text):,} characters; the first 16,384 are shown" in details
    assert details.endswith(" characters in all)")
    table = TopEventsTable()
    qtbot.addWidget(table)
    table.set_rows([(name, 1.0, 0.0, 3), ("chat", 2.0, 1.0, 9)], [[], []], {})
    assert table.item(0, 0).text() == shorten(name) and "1.0 MB" in table.item(0, 0).toolTip()
    assert table.names() == [name, "chat"]
    with qtbot.waitSignal(table.name_clicked) as clicked:
        table.cellClicked.emit(0, 0)
    assert clicked.args == [name]
    (label,) = [s.label for s in rate_plan(False, None, [], {name: 0})["events"] if s.gauge == name]
    assert label == f"{shorten(name)} (in+out)"
