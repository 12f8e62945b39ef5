"""Recordings do not fill the disk: keep the last N days, and at most M bytes in all.

A pure rule over the files of the recordings folder, without Qt, so the
window (at start and hourly) and any other caller apply the same one. The
oldest recordings go first, by modification time (the time the file was last
written, which is when the recording ended or was last appended to). Files
that are open for writing are skipped: a recording in progress is never
removed under its writer, whatever its size or age. Only files with the
recordings' suffix (and their SQLite side files) are considered.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sio_monitor.store.recording import SUFFIX

DEFAULT_KEEP_DAYS = 30
DEFAULT_MAX_BYTES = 5_000_000_000
#: SQLite keeps these beside a database being written; they belong to the recording.
SIDE_SUFFIXES = ("-wal", "-shm", "-journal")


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """``keep_days``: recordings older are removed (0: no age limit).

    ``max_bytes``: past this total the oldest are removed until under it (0: no limit).
    """

    keep_days: float = DEFAULT_KEEP_DAYS
    max_bytes: int = DEFAULT_MAX_BYTES


@dataclass(slots=True)
class RetentionResult:
    removed: list[Path] = field(default_factory=list)
    freed_bytes: int = 0
    kept_bytes: int = 0
    kept_files: int = 0
    errors: list[str] = field(default_factory=list)

    def sentence(self) -> str:
        """What the rule did, for the status bar; empty when it removed nothing."""
        if not self.removed and not self.errors:
            return ""
        if self.errors:
            return (
                f"Could not remove {len(self.errors)} old recording(s): {self.errors[0]}; "
                "check the recordings folder's permissions."
            )
        count = len(self.removed)
        return (
            f"Removed {count} old recording{'s' if count != 1 else ''} "
            f"({format_bytes(self.freed_bytes)}) to keep within the retention settings."
        )


def format_bytes(size: float) -> str:
    for limit, unit in ((1e9, "GB"), (1e6, "MB"), (1e3, "kB")):
        if size >= limit:
            return f"{size / limit:.1f} {unit}"
    return f"{int(size)} B"


def _size(path: Path) -> int:
    total = 0
    for candidate in (path, *(Path(f"{path}{s}") for s in SIDE_SUFFIXES)):
        with contextlib.suppress(OSError):
            total += candidate.stat().st_size
    return total


def recordings(folder: Path) -> list[tuple[Path, float, int]]:
    """``(path, modified time, bytes)`` of every recording in ``folder``, oldest first."""
    found = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        if not entry.name.endswith(SUFFIX) or not entry.is_file():
            continue
        try:
            modified = entry.stat().st_mtime
        except OSError:
            continue
        path = Path(entry.path)
        found.append((path, modified, _size(path)))
    found.sort(key=lambda item: (item[1], item[0].name))
    return found


def space_used(folder: Path) -> tuple[int, int]:
    """``(files, bytes)`` the recordings in ``folder`` take."""
    found = recordings(folder)
    return len(found), sum(size for _, _, size in found)


def apply_retention(
    folder: Path,
    policy: RetentionPolicy,
    now: float | None = None,
    in_use: Iterable[Path] = (),
) -> RetentionResult:
    """Remove what the policy does not keep; ``in_use`` (recordings being written) stay."""
    now = time.time() if now is None else now
    busy = {Path(p).resolve() for p in in_use}
    result = RetentionResult()
    found = recordings(folder)
    total = sum(size for _, _, size in found)
    oldest_kept = now - policy.keep_days * 86400 if policy.keep_days > 0 else None
    for path, modified, size in found:  # oldest first
        if path.resolve() in busy:
            continue
        too_old = oldest_kept is not None and modified < oldest_kept
        too_much = policy.max_bytes > 0 and total > policy.max_bytes
        if not (too_old or too_much):
            continue
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            result.errors.append(f"{path.name}: {exc.strerror or exc}")
            continue
        for side in SIDE_SUFFIXES:
            with contextlib.suppress(OSError):
                Path(f"{path}{side}").unlink()
        result.removed.append(path)
        result.freed_bytes += size
        total -= size
    result.kept_files, result.kept_bytes = space_used(folder)
    return result
