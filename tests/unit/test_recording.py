"""Recording files: written off-thread, read back in order, capped, secret-free, crash-safe."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from sio_monitor.domain import events as ev
from sio_monitor.domain.emit import probe_events as pe
from sio_monitor.store import recording
from sio_monitor.store.recording import (
    FORMAT_VERSION,
    RecordingError,
    RecordingWriter,
    describe,
    recording_path,
    safe_url,
)
from sio_monitor.store.recording_reader import open_recording
from tests.unit.sessions import decoded

T0 = 1_795_311_600.0
PASSWORD = "correct-horse-battery"
TOKEN = "Bearer abc123token"
ROOT = Path(__file__).resolve().parents[2]


def traffic(n: int, start: float = T0, text: str = "hello") -> list[ev.EventReceived]:
    return [
        ev.EventReceived(
            "/chat", f"s{i % 50}", "message", ({"text": text, "n": i},), start + i / 100
        )
        for i in range(n)
    ]


def connects(n: int, start: float = T0) -> list[ev.SocketConnected]:
    return [
        ev.SocketConnected(ev.SocketInfo(f"s{i}", f"c{i}", "/chat", rooms=(f"s{i}",)), start + i)
        for i in range(n)
    ]


def write(path: Path, *batches: list[object], **options: object) -> RecordingWriter:
    writer = RecordingWriter(path, server_url="http://localhost:3000", **options)  # type: ignore[arg-type]
    for batch in batches:
        writer.add(batch)
    assert writer.close(10)
    return writer


def test_events_come_back_in_order_with_the_metadata(tmp_path: Path) -> None:
    session = decoded("python")
    probe = [
        pe.ProbeEmitted(1, "/", "up", (b"\x01", {"k": [1, 2]}), T0 + 1, 5.0),
        pe.ProbeAckReceived(1, ("ok",), 3.5, T0 + 2),
    ]
    path = tmp_path / "one.sio-recording"
    writer = RecordingWriter(path, server_url="http://ops:pw@host:3000/?token=x", started_at=T0)
    for start in range(0, len(session), 7):  # batches as the bridge hands them over
        writer.add(session[start : start + 7])
    writer.add(probe)
    assert writer.flush(10)
    assert writer.stats.events == len(session) + 2
    with open_recording(path) as live:  # readable while it is still being written
        assert live.count() == len(session) + 2
        assert live.info.ended_at is None
    assert writer.close(10)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    with open_recording(path) as done:
        assert list(done.events()) == [*session, *probe]
        info = done.info
        assert info.format_version == FORMAT_VERSION
        assert info.server_url == "http://host:3000/"
        assert info.started_at == T0
        assert info.ended_at is not None
        assert info.dropped_events == 0
        first, last = done.time_range()  # type: ignore[misc]
        assert first == session[0].at
        assert last == T0 + 2
        counts = done.counts_by_type()
        assert counts["ProbeEmitted"] == 1
        assert counts["AllSocketsReceived"] == sum(
            isinstance(e, ev.AllSocketsReceived) for e in session
        )
        middle = session[len(session) // 2].at
        later = list(done.events(start_at=middle))
        assert later[0].at >= middle  # type: ignore[attr-defined]
        assert later[-1] == probe[-1]
    assert not Path(f"{path}-wal").exists()  # a finished recording is one plain file


def test_the_file_is_in_wal_mode_while_written(tmp_path: Path) -> None:
    path = tmp_path / "wal.sio-recording"
    writer = RecordingWriter(path, server_url="http://localhost:3000")
    try:
        writer.add(traffic(10))
        assert writer.flush(10)
        with sqlite3.connect(path) as other:
            assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        writer.close(10)


def test_no_password_or_header_value_reaches_the_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.sio-recording"
    writer = RecordingWriter(
        path,
        server_url=f"https://ops:{PASSWORD}@host/?auth={PASSWORD}",
        secrets=[PASSWORD, TOKEN, ""],
    )
    leaky = ev.SocketConnected(
        ev.SocketInfo(
            "me", "c", "/admin", handshake=ev.Handshake(headers={"authorization": TOKEN})
        ),
        T0,
    )
    writer.add([leaky, *traffic(5, text=f"my password is {PASSWORD}")])
    assert writer.flush(10)
    on_disk = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert PASSWORD.encode() not in on_disk
    assert writer.close(10)
    on_disk = path.read_bytes()
    assert PASSWORD.encode() not in on_disk
    assert TOKEN.encode() not in on_disk
    assert b"[redacted]" in on_disk
    with open_recording(path) as done:
        events = list(done.events())
    assert events[0].socket.handshake.headers == {"authorization": "[redacted]"}  # type: ignore[attr-defined]
    assert events[1].args[0]["text"] == "my password is [redacted]"  # type: ignore[attr-defined]


def test_past_the_cap_the_oldest_traffic_goes_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recording, "CAP_CHECK_INTERVAL", 0.0)
    cap = 400_000
    path = tmp_path / "capped.sio-recording"
    structure = connects(200)
    writer = RecordingWriter(path, server_url="http://localhost:3000", cap_bytes=cap)
    writer.add(structure)
    for chunk in range(40):
        writer.add(traffic(250, start=T0 + chunk * 10, text="x" * 200))
    assert writer.close(30)
    stats = writer.stats
    assert stats.dropped > 0
    assert "oldest events dropped to stay under 400 kB" in describe(stats, cap)
    with open_recording(path) as done:
        assert done.info.dropped_events == stats.dropped
        assert done.info.dropped_until is not None
        events = list(done.events())
    with sqlite3.connect(path) as connection:
        pages, free, size = (
            connection.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("page_count", "freelist_count", "page_size")
        )
    assert (pages - free) * size <= cap
    kept = [e for e in events if isinstance(e, ev.EventReceived)]
    assert [e for e in events if isinstance(e, ev.SocketConnected)] == structure
    assert len(kept) == 40 * 250 - stats.dropped
    assert kept[-1].args[0]["n"] == 249 and kept[-1].at == T0 + 390 + 2.49
    assert kept[0].at > T0  # the oldest ones went


def test_statistics_and_the_indicator_sentence(tmp_path: Path) -> None:
    writer = write(tmp_path / "s.sio-recording", traffic(1234))
    stats = writer.stats
    assert stats.closed and stats.events == 1234 and stats.error is None
    text = describe(stats, 10**9)
    assert text.startswith("Recording to s.sio-recording · 1,234 events · ")
    assert text.endswith("B")
    assert not writer.flush(1)  # closed: nothing to wait for
    writer.add(traffic(3))  # ignored, not an error
    assert writer.stats.events == 1234


def test_an_event_that_cannot_be_encoded_is_skipped_and_counted(tmp_path: Path) -> None:
    bad = ev.EventReceived("/", "s", "x", (object(),), T0)
    writer = write(tmp_path / "skip.sio-recording", [bad, *traffic(2)])
    assert writer.stats.skipped == 1
    assert writer.stats.events == 2


def test_names_say_when_and_which_server_and_never_collide(tmp_path: Path) -> None:
    first = recording_path("http://user:pw@Some.Host:3000/x", T0, tmp_path)
    assert first.parent == tmp_path
    assert "some.host-3000" in first.name and first.name.endswith(".sio-recording")
    assert "pw" not in first.name
    first.write_bytes(b"")
    second = recording_path("http://user:pw@Some.Host:3000/x", T0, tmp_path)
    assert second != first and second.name.endswith("_2.sio-recording")
    assert safe_url("https://a:b@[::1]:8443/p?q=1#f") == "https://[::1]:8443/p"
    with pytest.raises(RecordingError, match="exists already"):
        RecordingWriter(first, server_url="http://localhost")


# --- what the reader refuses -------------------------------------------------------------


def test_files_that_are_not_recordings_are_refused_in_a_sentence(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello\n" * 200)
    with pytest.raises(RecordingError, match=r"notes.txt is not a SIO Monitor recording"):
        open_recording(text)
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE t (x)")
    with pytest.raises(RecordingError, match="an SQLite file, but not a SIO Monitor recording"):
        open_recording(other)
    with pytest.raises(RecordingError, match="There is no recording at"):
        open_recording(tmp_path / "missing.sio-recording")


def test_a_newer_format_asks_for_a_newer_app(tmp_path: Path) -> None:
    path = tmp_path / "future.sio-recording"
    write(path, traffic(1))
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE meta SET value = '99' WHERE key = 'format_version'")
    with pytest.raises(RecordingError, match=r"newer SIO Monitor \(format 99\)"):
        open_recording(path)


def test_rows_of_unknown_types_are_skipped_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "mixed.sio-recording"
    write(path, traffic(3))
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO events (at, tier, body) VALUES (?, 1, ?)",
            (T0 + 1, json.dumps({"t": "FromTheFuture", "at": T0 + 1})),
        )
    with open_recording(path) as done:
        assert len(list(done.events())) == 3
        assert done.skipped == 1


# --- kill -9 ------------------------------------------------------------------------------

KILLED_WRITER = textwrap.dedent(
    """
    import sys, time
    from sio_monitor.domain.events import EventReceived
    from sio_monitor.store.recording import RecordingWriter

    writer = RecordingWriter(sys.argv[1], server_url="http://localhost:3000")
    n = 0
    while True:  # a batch every 30 ms, as the bridge hands them over
        now = time.time()
        writer.add([EventReceived("/", "s", "tick", (n + k,), now) for k in range(50)])
        n += 50
        if n == 500:
            writer.flush()
            print("committed", flush=True)
        elif n % 500 == 0:
            print(n, flush=True)
        time.sleep(0.03)
    """
)


def test_a_killed_writer_leaves_a_file_that_opens_missing_at_most_a_second(
    tmp_path: Path,
) -> None:
    path = tmp_path / "killed.sio-recording"
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "committed"
        # Let it run on for a while past the first commits, then kill it mid-stride.
        while int(child.stdout.readline()) < 3000:
            pass
        killed_at = time.time()
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(10)
    assert child.returncode == -signal.SIGKILL
    assert Path(f"{path}-wal").exists()  # the crash left its WAL behind
    with open_recording(path) as survivor:
        assert survivor.info.ended_at is None
        events = list(survivor.events())
        assert len(events) >= 500
        ticks = [e.args[0] for e in events]  # type: ignore[attr-defined]
        assert ticks == list(range(len(ticks)))  # a prefix, nothing torn or reordered
        newest = survivor.time_range()[1]  # type: ignore[index]
    assert killed_at - newest <= 1.0, f"the last {killed_at - newest:.2f} s were lost"


def test_a_writer_that_falls_too_far_behind_counts_what_it_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recording, "MAX_BACKLOG", 10)
    writer = RecordingWriter(tmp_path / "behind.sio-recording", server_url="http://localhost")
    writer.add(traffic(11))  # more than the writer may hold back at once
    writer.add(traffic(5))
    assert writer.close(10)
    assert writer.stats.lost == 11
    assert writer.stats.events == 5
    assert "11 events lost: the disk did not keep up" in describe(writer.stats, 10**9)


def test_a_failing_disk_stops_the_writer_with_a_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(_event: object) -> str:
        raise OSError(28, "No space left on device")

    writer = RecordingWriter(tmp_path / "full.sio-recording", server_url="http://localhost")
    monkeypatch.setattr(recording, "encode", full)
    writer.add(traffic(3))
    assert writer.close(10)
    assert writer.stats.error is not None and "No space left on device" in writer.stats.error
    assert describe(writer.stats, 10**9).startswith("Recording stopped: ")
    with open_recording(tmp_path / "full.sio-recording") as left:  # what was there still opens
        assert left.count() == 0
