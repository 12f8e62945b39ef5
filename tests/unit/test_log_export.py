"""Export of event-log rows: NDJSON and CSV contents, progress, cancel, failures said plainly."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from sio_monitor.domain.emit.emit_args import from_jsonable
from sio_monitor.domain.eventlog.filter import LogFilter, Selection
from sio_monitor.domain.eventlog.log import EventLog
from sio_monitor.domain.events import EventReceived, EventSent, RoomJoined, SocketDisconnected
from sio_monitor.store.log_export import (
    CSV_HEADER,
    ExportFormat,
    LogExport,
    export_rows,
    format_for,
)

T0 = 1_800_000_000.25  # 2027-01-15T08:00:00.250Z


def sample_log() -> EventLog:
    log = EventLog(payload_limit=64)
    log.append_admin(
        [
            EventReceived("/chat", "s1", "chat:message", ({"text": "hi", "n": [1, 2]},), T0),
            EventSent("/chat", "s1", '=HYPERLINK("http://x")', ("ok", b"\x00\xff"), T0 + 1),
            SocketDisconnected("/", "s2", "-transport close", T0 + 2),
            EventReceived("/", "s3", "essay", ("x" * 500,), T0 + 3),
            RoomJoined("/chat", "lobby", "s1", T0 + 4),
        ],
        server="127.0.0.1:5000",
    )
    return log


def test_ndjson_rows_hold_every_column_and_the_arguments_as_json(tmp_path: Path) -> None:
    path = tmp_path / "log.ndjson"
    result = export_rows(sample_log().snapshot(), path)
    assert (result.rows, result.total, result.cancelled, result.error) == (5, 5, False, None)
    assert result.message == f"Exported 5 rows to {path}."
    lines = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    assert lines[0] == {
        "seq": 0,
        "time": 1_800_000_000.25,
        "time_utc": "2027-01-15T08:00:00.250Z",
        "server": "127.0.0.1:5000",
        "namespace": "/chat",
        "socket": "s1",
        "direction": "in",
        "event": "chat:message",
        "size": len('[{"text": "hi", "n": [1, 2]}]'),
        "truncated": False,
        "text": None,
        "args": [{"text": "hi", "n": [1, 2]}],
    }
    assert from_jsonable(lines[1]["args"]) == ["ok", b"\x00\xff"]
    assert (lines[2]["direction"], lines[2]["text"], lines[2]["args"]) == (
        "disconnect",
        "-transport close",
        None,
    )
    essay = lines[3]
    assert essay["truncated"] and essay["args"] is None and essay["size"] == len('[""]') + 500
    assert essay["text"] == '["' + "x" * 62
    assert (lines[4]["direction"], lines[4]["text"]) == ("join", "lobby")


def test_csv_rows_are_right_and_safe_from_formulas(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    assert format_for(path) is ExportFormat.CSV
    export_rows(sample_log().snapshot(), path)
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == CSV_HEADER
    assert rows[1] == [
        "0",
        "1800000000.250",
        "2027-01-15T08:00:00.250Z",
        "127.0.0.1:5000",
        "/chat",
        "s1",
        "in",
        "chat:message",
        "29",
        "false",
        '[{"text": "hi", "n": [1, 2]}]',
    ]
    assert rows[2][7] == '\'=HYPERLINK("http://x")'  # an event name a spreadsheet would run
    assert rows[3][10] == "'-transport close"
    assert rows[4][9] == "true" and len(rows) == 6


def test_only_the_filtered_rows_are_exported(tmp_path: Path) -> None:
    log = sample_log()
    selection = Selection.build(log, LogFilter(namespace="/chat"))
    assert isinstance(selection, Selection)
    path = tmp_path / "chat.ndjson"
    export_rows(log.snapshot(selection.seqs.view()), path)
    seqs = [json.loads(line)["seq"] for line in path.read_text().splitlines()]
    assert seqs == [0, 1, 4]


def test_progress_is_reported_chunk_by_chunk(tmp_path: Path) -> None:
    log = EventLog()
    log.append_admin([EventReceived("/", "s", "e", (n,), T0 + n) for n in range(2500)])
    seen: list[tuple[int, int]] = []
    result = export_rows(
        log.snapshot(),
        tmp_path / "p.ndjson",
        progress=lambda d, t: seen.append((d, t)),
        chunk_rows=1000,
    )
    assert seen == [(1000, 2500), (2000, 2500), (2500, 2500)]
    assert result.rows == 2500 and len((tmp_path / "p.ndjson").read_text().splitlines()) == 2500


def test_a_cancelled_export_leaves_no_file_and_says_so(tmp_path: Path) -> None:
    log = EventLog()
    log.append_admin([EventReceived("/", "s", "e", (n,), T0 + n) for n in range(50)])
    path = tmp_path / "out.csv"
    path.write_text("what was there before\n")
    job = LogExport(log.snapshot(), path, chunk_rows=10)
    assert job.step() is False and job.done == 10
    assert len(list(tmp_path.iterdir())) == 2  # the destination and the file being written
    result = job.cancel()
    assert result.cancelled and result.rows == 10
    assert result.message == "Export cancelled after 10 of 50 rows; no file was written."
    assert path.read_text() == "what was there before\n"
    assert list(tmp_path.iterdir()) == [path]
    assert job.step() is True  # a finished job does nothing more


def test_cancel_through_run_stops_before_the_next_chunk(tmp_path: Path) -> None:
    log = EventLog()
    log.append_admin([EventReceived("/", "s", "e", (n,), T0 + n) for n in range(50)])
    calls = []
    result = export_rows(
        log.snapshot(),
        tmp_path / "x.ndjson",
        chunk_rows=10,
        cancelled=lambda: len(calls) >= 2,
        progress=lambda d, t: calls.append(d),
    )
    assert result.cancelled and result.rows == 20 and not list(tmp_path.iterdir())


def test_an_unwritable_destination_is_a_sentence(tmp_path: Path) -> None:
    result = export_rows(sample_log().snapshot(), tmp_path / "missing" / "log.ndjson")
    assert result.error is not None
    assert result.error.startswith(f"Could not write {tmp_path / 'missing' / 'log.ndjson'}: ")
    assert result.error.endswith("Choose another folder or file name.")
    assert result.message == result.error


@pytest.mark.parametrize("name", ["log.NDJSON", "log.json", "log"])
def test_anything_but_csv_is_ndjson(name: str) -> None:
    assert format_for(name) is ExportFormat.NDJSON
