"""Export of event-log rows to NDJSON or CSV, a chunk at a time, with progress and cancel.

A million rows take seconds to write, so an export is a job that writes a
chunk per call: the window runs one chunk per event-loop turn and stays
responsive, the command line runs them in a loop. The file is written next
to its destination and moved into place only when complete, so a cancelled
or failed export leaves no partial file behind.

NDJSON keeps the arguments as the JSON they were (binary as
``{"$binary": base64}``); CSV puts them in one text cell, defused against
spreadsheet formulas like every other text cell, since names come from the
network.
"""

from __future__ import annotations

import csv
import enum
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sio_monitor.domain.eventlog.log import RowSet
from sio_monitor.domain.eventlog.rows import KIND_LABELS, LogRow
from sio_monitor.store.export import safe_text

#: Rows written per step: a few tens of milliseconds of work, so the window stays responsive.
CHUNK_ROWS = 1_000
CSV_HEADER = (
    "seq",
    "time",
    "time_utc",
    "server",
    "namespace",
    "socket",
    "direction",
    "event",
    "size",
    "truncated",
    "payload",
)

_encode = json.JSONEncoder(ensure_ascii=False).encode


class ExportFormat(enum.StrEnum):
    NDJSON = "ndjson"
    CSV = "csv"


def format_for(path: str | os.PathLike[str]) -> ExportFormat:
    """CSV for a ``.csv`` file name, NDJSON for anything else."""
    return ExportFormat.CSV if Path(path).suffix.lower() == ".csv" else ExportFormat.NDJSON


def utc_text(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def ndjson_line(row: LogRow) -> str:
    """One JSON object: ``args`` holds complete arguments, ``text`` a sentence or a cut payload."""
    complete = not row.is_plain and not row.truncated
    head = _encode(
        {
            "seq": row.seq,
            "time": round(row.at, 3),
            "time_utc": utc_text(row.at),
            "server": row.server,
            "namespace": row.namespace,
            "socket": row.socket,
            "direction": KIND_LABELS[row.kind],
            "event": row.event,
            "size": row.size,
            "truncated": row.truncated,
            "text": None if complete else row.text,
        }
    )
    # The held text is already the arguments' JSON: spliced in, not parsed and encoded again.
    return head[:-1] + ', "args": ' + (row.text if complete else "null") + "}\n"


def csv_cells(row: LogRow) -> tuple[object, ...]:
    return (
        row.seq,
        f"{row.at:.3f}",
        utc_text(row.at),
        safe_text(row.server),
        safe_text(row.namespace),
        safe_text(row.socket),
        KIND_LABELS[row.kind],
        safe_text(row.event),
        row.size,
        "true" if row.truncated else "false",
        safe_text(row.text),
    )


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: Path
    rows: int  # rows written
    total: int  # rows asked for
    cancelled: bool = False
    error: str | None = None  # the sentence to show when the export failed

    @property
    def message(self) -> str:
        if self.error is not None:
            return self.error
        if self.cancelled:
            return (
                f"Export cancelled after {self.rows:,} of {self.total:,} rows; no file was written."
            )
        noun = "row" if self.rows == 1 else "rows"
        return f"Exported {self.rows:,} {noun} to {self.path}."


class LogExport:
    """One export in progress: call ``step`` until it returns True, or ``cancel``."""

    def __init__(
        self,
        rows: RowSet,
        path: str | os.PathLike[str],
        fmt: ExportFormat | None = None,
        *,
        chunk_rows: int = CHUNK_ROWS,
    ) -> None:
        self.rows = rows
        self.path = Path(path)
        self.format = fmt if fmt is not None else format_for(path)
        self.chunk_rows = max(1, chunk_rows)
        self.done = 0
        self.result: ExportResult | None = None
        self._out: IO[str] | None = None
        self._temporary: Path | None = None
        self._writer: Any = None  # a csv writer, for CSV only

    @property
    def total(self) -> int:
        return len(self.rows)

    def _open(self) -> None:
        handle, name = tempfile.mkstemp(
            prefix=".export-", suffix=f".{self.format.value}", dir=self.path.parent
        )
        self._temporary = Path(name)
        self._out = os.fdopen(handle, "w", newline="", encoding="utf-8")
        if self.format is ExportFormat.CSV:
            self._writer = csv.writer(self._out)
            self._writer.writerow(CSV_HEADER)

    def step(self) -> bool:
        """Write the next chunk; True once finished (file in place, or failed: see ``result``)."""
        if self.result is not None:
            return True
        try:
            if self._out is None:
                self._open()
            assert self._out is not None
            end = min(self.done + self.chunk_rows, self.total)
            rows = (self.rows.row(i) for i in range(self.done, end))
            if self._writer is not None:
                self._writer.writerows(csv_cells(row) for row in rows)
            else:
                self._out.writelines(ndjson_line(row) for row in rows)
            self.done = end
            if end < self.total:
                return False
            self._out.close()
            assert self._temporary is not None
            os.replace(self._temporary, self.path)
            self._temporary = None
            self.result = ExportResult(self.path, self.done, self.total)
        except OSError as exc:
            self._discard()
            reason = exc.strerror or str(exc)
            self.result = ExportResult(
                self.path,
                self.done,
                self.total,
                error=f"Could not write {self.path}: {reason}. Choose another folder or file name.",
            )
        return True

    def cancel(self) -> ExportResult:
        """Stop and remove what was written; the destination is left as it was."""
        if self.result is None:
            self._discard()
            self.result = ExportResult(self.path, self.done, self.total, cancelled=True)
        return self.result

    def _discard(self) -> None:
        if self._out is not None and not self._out.closed:
            self._out.close()
        if self._temporary is not None:
            self._temporary.unlink(missing_ok=True)
            self._temporary = None

    def run(
        self,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> ExportResult:
        """Every chunk in a row; ``progress(done, total)`` after each, ``cancelled()`` before."""
        while True:
            if cancelled is not None and cancelled():
                return self.cancel()
            finished = self.step()
            if progress is not None:
                progress(self.done, self.total)
            if finished:
                assert self.result is not None
                return self.result


def export_rows(
    rows: RowSet,
    path: str | os.PathLike[str],
    fmt: ExportFormat | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> ExportResult:
    """Write ``rows`` to ``path`` in one call (the command line's way)."""
    return LogExport(rows, path, fmt, chunk_rows=chunk_rows).run(progress, cancelled)
