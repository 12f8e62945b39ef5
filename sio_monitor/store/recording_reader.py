"""Opening a session recording: what it holds, and its events in order from any moment.

The reader opens the file read-only and reads in short chunks, each its own
read transaction, so it can follow a file another process is still writing
(WAL mode lets both run at once) and never holds the writer's checkpoint back.
A file left behind by a killed process opens too: SQLite rolls its WAL
forward on open. Rows this version cannot decode (a newer app's event types)
are skipped and counted, never fatal.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sio_monitor.domain.settings import DEFAULT_ADMIN_NAMESPACE
from sio_monitor.store.event_codec import CodecError, decode
from sio_monitor.store.recording import (
    APPLICATION_ID,
    FORMAT_VERSION,
    RecordingError,
    file_bytes,
)

#: Rows fetched per query while iterating.
CHUNK = 2000


@dataclass(frozen=True, slots=True)
class RecordingInfo:
    """The meta table of a recording, typed."""

    path: Path
    format_version: int
    app_version: str
    server_url: str
    admin_namespace: str
    started_at: float
    ended_at: float | None  # None: still being written, or the writer was killed
    cap_bytes: int | None
    dropped_events: int  # oldest rows removed to stay under the cap
    dropped_until: float | None  # the newest moment whose rows may be missing


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    seq: int  # arrival order in the recording
    at: float  # the event's own time, epoch seconds
    event: object


class Recording:
    """A recording file, open for reading; use as a context manager or call ``close``."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        #: Rows skipped because they could not be decoded (so far, by this reader).
        self.skipped = 0
        self._connection = _connect(self.path)
        try:
            self.info = self._read_info()
        except BaseException:
            self._connection.close()
            raise

    def _read_info(self) -> RecordingInfo:
        name = self.path.name
        try:
            (application_id,) = self._connection.execute("PRAGMA application_id").fetchone()
            tables = {
                row[0]
                for row in self._connection.execute("SELECT name FROM sqlite_master")
                if row[0]
            }
            if application_id != APPLICATION_ID or not {"meta", "events"} <= tables:
                raise RecordingError(f"{name} is an SQLite file, but not a SIO Monitor recording.")
            meta: dict[str, Any] = {
                key: json.loads(value)
                for key, value in self._connection.execute("SELECT key, value FROM meta")
            }
        except sqlite3.DatabaseError as exc:
            raise RecordingError(f"{name} is not a SIO Monitor recording ({exc}).") from None
        except ValueError:
            raise RecordingError(
                f"{name} is a damaged recording: its meta table is not JSON."
            ) from None
        version = int(meta.get("format_version", 0))
        if version > FORMAT_VERSION:
            raise RecordingError(
                f"{name} was written by a newer SIO Monitor (format {version}); "
                f"this version reads format {FORMAT_VERSION}: update the app to open it."
            )
        return RecordingInfo(
            path=self.path,
            format_version=version,
            app_version=str(meta.get("app_version", "")),
            server_url=str(meta.get("server_url", "")),
            admin_namespace=str(meta.get("admin_namespace", DEFAULT_ADMIN_NAMESPACE)),
            started_at=float(meta.get("started_at", 0.0)),
            ended_at=_number(meta.get("ended_at")),
            cap_bytes=int(meta["cap_bytes"]) if "cap_bytes" in meta else None,
            dropped_events=int(meta.get("dropped_events", 0)),
            dropped_until=_number(meta.get("dropped_until")),
        )

    # --- summary ------------------------------------------------------------------

    def count(self) -> int:
        """Events in the file now (a scan of the table: about a second per GB)."""
        return int(self._query_one("SELECT count(*) FROM events")[0])

    def time_range(self) -> tuple[float, float] | None:
        """The first and the last event's time, in arrival order; None when it holds none."""
        first = self._query_one("SELECT at FROM events ORDER BY seq LIMIT 1")
        if first is None:
            return None
        last = self._query_one("SELECT at FROM events ORDER BY seq DESC LIMIT 1")
        return float(first[0]), float(last[0])

    def counts_by_type(self) -> dict[str, int]:
        """Events per type name, for a summary; reads every row, so not for the GUI thread."""
        rows = self._query_all(
            "SELECT json_extract(body, '$.t') AS kind, count(*) FROM events GROUP BY kind"
        )
        return {str(kind): int(count) for kind, count in rows}

    def size_bytes(self) -> int:
        return file_bytes(self.path)

    # --- events -------------------------------------------------------------------

    def first_seq_at(self, at: float) -> int | None:
        """The arrival number of the first event at or after ``at``; None when there is none."""
        row = self._query_one("SELECT seq FROM events WHERE at >= ? ORDER BY seq LIMIT 1", (at,))
        return None if row is None else int(row[0])

    def rows(self, after_seq: int = 0, chunk: int = CHUNK) -> Iterator[RecordedEvent]:
        """Every decodable event after arrival number ``after_seq``, in arrival order."""
        last = after_seq
        while True:
            batch = self._query_all(
                "SELECT seq, at, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
                (last, chunk),
            )
            if not batch:
                return
            for seq, at, body in batch:
                try:
                    event = decode(body)
                except CodecError:
                    self.skipped += 1
                    continue
                yield RecordedEvent(seq, at, event)
            last = batch[-1][0]

    def events(self, start_at: float | None = None) -> Iterator[object]:
        """The events in arrival order, from the first one at or after ``start_at``."""
        after = 0
        if start_at is not None:
            first = self.first_seq_at(start_at)
            if first is None:
                return
            after = first - 1
        for row in self.rows(after):
            yield row.event

    # --- lifetime -------------------------------------------------------------------

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> Recording:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _query_all(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[Any]:
        try:
            return self._connection.execute(sql, parameters).fetchall()
        except sqlite3.DatabaseError as exc:
            raise RecordingError(f"Could not read {self.path.name}: {exc}.") from None

    def _query_one(self, sql: str, parameters: tuple[Any, ...] = ()) -> Any:
        try:
            return self._connection.execute(sql, parameters).fetchone()
        except sqlite3.DatabaseError as exc:
            raise RecordingError(f"Could not read {self.path.name}: {exc}.") from None


def open_recording(path: str | os.PathLike[str]) -> Recording:
    """Open a recording for reading; RecordingError says in one sentence why it cannot be."""
    return Recording(path)


def _connect(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise RecordingError(f"There is no recording at {path}.")
    # Read-only first: a recording on read-only media, or one still being written, opens as is.
    # A WAL left by a killed writer needs its index rebuilt, which read-only cannot do.
    for mode in ("ro", "rw"):
        connection = sqlite3.connect(
            f"file:{quote(str(path))}?mode={mode}", uri=True, check_same_thread=False
        )
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return connection
        except sqlite3.OperationalError:
            connection.close()
        except sqlite3.DatabaseError as exc:
            connection.close()
            raise RecordingError(f"{path.name} is not a SIO Monitor recording ({exc}).") from None
    raise RecordingError(f"Could not open {path}: the file cannot be read.")


def _number(value: Any) -> float | None:
    return None if value is None else float(value)
