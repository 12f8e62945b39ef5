"""The retention rule over recordings of known age and size."""

from __future__ import annotations

import os
from pathlib import Path

from sio_monitor.store.recording import SUFFIX
from sio_monitor.store.retention import RetentionPolicy, apply_retention, space_used

NOW = 2_000_000_000.0
DAY = 86400.0


def make(folder: Path, name: str, days_old: float, size: int) -> Path:
    path = folder / f"{name}{SUFFIX}"
    path.write_bytes(b"x" * size)
    stamp = NOW - days_old * DAY
    os.utime(path, (stamp, stamp))
    return path


def test_recordings_older_than_the_kept_days_are_removed(tmp_path: Path) -> None:
    old = make(tmp_path, "old", 40, 1000)
    recent = make(tmp_path, "recent", 2, 1000)
    other = tmp_path / "notes.txt"
    other.write_bytes(b"y" * 10)
    os.utime(other, (NOW - 400 * DAY, NOW - 400 * DAY))
    result = apply_retention(tmp_path, RetentionPolicy(keep_days=30, max_bytes=0), now=NOW)
    assert result.removed == [old]
    assert not old.exists() and recent.exists() and other.exists()
    assert result.freed_bytes == 1000
    assert (result.kept_files, result.kept_bytes) == (1, 1000)
    assert "Removed 1 old recording (1.0 kB)" in result.sentence()


def test_the_oldest_go_first_until_the_total_fits(tmp_path: Path) -> None:
    first = make(tmp_path, "a", 5, 4000)
    second = make(tmp_path, "b", 4, 3000)
    third = make(tmp_path, "c", 3, 2000)
    newest = make(tmp_path, "d", 1, 2000)
    result = apply_retention(tmp_path, RetentionPolicy(keep_days=0, max_bytes=5000), now=NOW)
    assert result.removed == [first, second]
    assert third.exists() and newest.exists()
    assert space_used(tmp_path) == (2, 4000)


def test_a_recording_being_written_is_never_removed(tmp_path: Path) -> None:
    live = make(tmp_path, "live", 100, 9000)
    wal = Path(f"{live}-wal")
    wal.write_bytes(b"w" * 500)
    done = make(tmp_path, "done", 1, 100)
    result = apply_retention(
        tmp_path, RetentionPolicy(keep_days=30, max_bytes=1000), now=NOW, in_use=[live]
    )
    assert live.exists() and wal.exists()
    assert result.removed == [done]  # the only one that could go, to bring the total down
    assert space_used(tmp_path) == (1, 9500)


def test_side_files_go_with_their_recording_and_count_in_the_space(tmp_path: Path) -> None:
    old = make(tmp_path, "old", 50, 100)
    Path(f"{old}-wal").write_bytes(b"w" * 50)
    assert space_used(tmp_path) == (1, 150)
    result = apply_retention(tmp_path, RetentionPolicy(keep_days=30, max_bytes=0), now=NOW)
    assert result.freed_bytes == 150
    assert not Path(f"{old}-wal").exists()
    assert space_used(tmp_path) == (0, 0)


def test_nothing_to_do_says_nothing(tmp_path: Path) -> None:
    make(tmp_path, "fresh", 0.5, 10)
    result = apply_retention(tmp_path, RetentionPolicy(), now=NOW)
    assert result.removed == [] and result.sentence() == ""
    assert apply_retention(tmp_path / "missing", RetentionPolicy(), now=NOW).kept_files == 0
