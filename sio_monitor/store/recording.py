"""Session recordings: every domain event of a session, written to SQLite off the GUI thread.

The caller hands over whole batches (one queue append per tick); a writer
thread encodes them and commits once per quarter second (WAL mode), so the GUI
never waits on the disk and ``kill -9`` loses at most that quarter second.
Past the size cap the oldest traffic rows go first and the rows that build the
topology last, so a capped recording still replays to the right picture. No
password or header value is stored: the URL loses its credentials, and any
text holding a secret is redacted before it lands.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import queue
import re
import sqlite3
import threading
import time
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit, urlunsplit

from sio_monitor import __version__
from sio_monitor.domain.emit import probe_events
from sio_monitor.domain.events import (
    ClockTicked,
    EventReceived,
    EventSent,
    PayloadRejected,
    ServerStatsReceived,
)
from sio_monitor.domain.format import dumps_deep, format_si, loads_any
from sio_monitor.domain.settings import DEFAULT_ADMIN_NAMESPACE
from sio_monitor.store.event_codec import CodecError, encode
from sio_monitor.store.json_files import data_dir

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
#: ``PRAGMA application_id``: "SIOM", so a reader can tell a recording from any SQLite file.
APPLICATION_ID = 0x53494F4D
SUFFIX = ".sio-recording"
DEFAULT_CAP_BYTES = 1_000_000_000
COMMIT_INTERVAL = 0.25
CAP_CHECK_INTERVAL = 1.0  # seconds between two comparisons of the file with the cap
CAP_TARGET = 0.95  # past the cap, rows are dropped until the file is this fraction of it
#: Events waiting for the writer beyond this are lost (and counted) rather than held in memory.
MAX_BACKLOG = 2_000_000
#: After a batch of heavy events (encoded in over GIVE_WAY_AFTER s, HEAVY_EVENT s per event on
#: average) the writer sleeps as long, at most GIVE_WAY_MAX s: the GUI thread gets the GIL back.
GIVE_WAY_AFTER, HEAVY_EVENT, GIVE_WAY_MAX = 0.005, 0.0005, 0.050
REDACTED = "[redacted]"
#: Secrets shorter than this are too likely to be ordinary words to search for.
MIN_SECRET_LENGTH = 4

TRAFFIC, STRUCTURE = 1, 0
#: Rows of these types are dropped first when the cap is reached: the topology does not need them.
TRAFFIC_TYPES: frozenset[type] = frozenset(
    {EventReceived, EventSent, ServerStatsReceived, PayloadRejected, ClockTicked}
    | set(typing.get_args(probe_events.ProbeEvent))
)

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY,  -- arrival order
    at REAL NOT NULL,         -- the event's own time (epoch seconds)
    tier INTEGER NOT NULL,    -- 1 traffic, dropped first at the cap; 0 builds the topology
    body TEXT NOT NULL        -- the event, as sio_monitor.store.event_codec writes it
);
"""


_DROP = (
    "DELETE FROM events WHERE seq IN "
    "(SELECT seq FROM events WHERE tier = ? ORDER BY seq LIMIT ?) RETURNING at"
)


class RecordingError(Exception):
    """A recording cannot be created, written or read; the message says which file and why."""


def recordings_dir() -> Path:
    return data_dir() / "recordings"


def _host_port(url: str) -> tuple[SplitResult, str, int | None]:
    parts = urlsplit(url)
    with contextlib.suppress(ValueError):
        return parts, parts.hostname or "", parts.port
    return parts, parts.hostname or "", None


def safe_url(url: str) -> str:
    """The URL without user, password, query or fragment: what a recording may keep."""
    parts, host, port = _host_port(url)
    host = f"[{host}]" if ":" in host else host
    netloc = f"{host}:{port}" if port is not None else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def recording_path(url: str, started_at: float, directory: Path | None = None) -> Path:
    """A new file named by start time and server, never one that exists already."""
    folder = recordings_dir() if directory is None else directory
    _, host, port = _host_port(url)
    server = re.sub(r"[^A-Za-z0-9.-]+", "_", host or "server")
    if port is not None:
        server += f"-{port}"
    stamp = datetime.fromtimestamp(started_at).strftime("%Y-%m-%d_%H-%M-%S")
    path = folder / f"{stamp}_{server}{SUFFIX}"
    number = 2
    while path.exists():
        path = folder / f"{stamp}_{server}_{number}{SUFFIX}"
        number += 1
    return path


@dataclass(frozen=True, slots=True)
class WriterStats:
    """What the writer has done so far; read from any thread, replaced whole after each commit."""

    path: Path
    events: int = 0  # committed to the file
    bytes: int = 0  # the file on disk, WAL included
    dropped: int = 0  # oldest rows removed to stay under the cap
    skipped: int = 0  # events that could not be encoded
    lost: int = 0  # events refused because the writer fell too far behind
    error: str | None = None
    closed: bool = False


def describe(stats: WriterStats, cap_bytes: int) -> str:
    """The indicator: ``Recording to F · 12,345 events · 3.2 MB``, and anything that went wrong."""
    if stats.error is not None:
        return f"Recording stopped: {stats.error}"
    parts = [f"Recording to {stats.path.name}", f"{stats.events:,} events"]
    parts.append(format_si(stats.bytes, "B"))
    if stats.dropped:
        parts.append(f"oldest events dropped to stay under {format_si(cap_bytes, 'B')}")
    if stats.lost:
        parts.append(f"{stats.lost:,} events lost: the disk did not keep up")
    return " · ".join(parts)


_STOP = object()


class RecordingWriter:
    """One recording file and the thread that writes it; ``add`` is all the GUI thread pays."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        server_url: str,
        admin_namespace: str = DEFAULT_ADMIN_NAMESPACE,
        cap_bytes: int = DEFAULT_CAP_BYTES,
        secrets: Iterable[str] = (),
        started_at: float | None = None,
        commit_interval: float = COMMIT_INTERVAL,
    ) -> None:
        self.path = Path(path)
        self.cap_bytes = cap_bytes
        self.commit_interval = commit_interval
        self.started_at = time.time() if started_at is None else started_at
        self._secrets: tuple[tuple[str, str], ...] = ()
        self.add_secrets(secrets)
        self._connection = self._create(server_url, admin_namespace)
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._backlog = 0
        self._lock = threading.Lock()  # guards the backlog and every replacement of stats
        self._rows = self._used = self._dropped = 0
        self._dropped_until = self._next_cap_check = 0.0
        self.stats = WriterStats(self.path)
        self._thread = threading.Thread(target=self._run, name="recording-writer", daemon=True)
        self._thread.start()

    def _create(self, server_url: str, admin_namespace: str) -> sqlite3.Connection:
        if self.path.exists():
            raise RecordingError(f"{self.path} exists already; choose another file name.")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            connection.executescript(
                f"PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                f"PRAGMA application_id={APPLICATION_ID}; PRAGMA user_version={FORMAT_VERSION}; "
                "BEGIN;" + SCHEMA  # the meta rows join this transaction
            )
            _set_meta(
                connection,
                format_version=FORMAT_VERSION,
                app_version=__version__,
                server_url=safe_url(server_url),
                admin_namespace=admin_namespace,
                started_at=self.started_at,
                cap_bytes=self.cap_bytes,
            )
            connection.execute("COMMIT")
            os.chmod(self.path, 0o600)  # other users of the machine have no business here
        except (OSError, sqlite3.Error) as exc:
            raise RecordingError(f"Could not create the recording {self.path}: {exc}.") from None
        return connection

    # --- the caller's side ----------------------------------------------------------

    def add(self, events: Sequence[object]) -> None:
        """Queue one batch; the list must not change afterwards. O(1), never blocks."""
        if not events or self.stats.closed:
            return
        with self._lock:
            if self._backlog + len(events) > MAX_BACKLOG:
                self.stats = replace(self.stats, lost=self.stats.lost + len(events))
                return
            self._backlog += len(events)
        self._queue.put((time.time(), events))

    def add_secrets(self, secrets: Iterable[str]) -> None:
        """Values never to write down, from the next commit on (a probe connected later)."""
        known = {raw for _, raw in self._secrets}
        fresh = {s for s in secrets if len(s) >= MIN_SECRET_LENGTH and s not in known}
        # The escaped form is what appears in the JSON text; the raw one is what gets replaced.
        self._secrets += tuple((json.dumps(s)[1:-1], s) for s in fresh)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything added so far is committed; False on timeout or when closed."""
        if not self._thread.is_alive():
            return False
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout)

    def close(self, timeout: float | None = 5.0) -> bool:
        """Commit what is queued, mark the file complete and stop; True when that finished."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
        self._thread.join(timeout)
        return not self._thread.is_alive()

    # --- the writer thread --------------------------------------------------------------

    def _run(self) -> None:
        last_commit, items = 0.0, [None]
        try:
            while items[-1] is not _STOP:
                items = [self._queue.get()]
                deadline = last_commit + self.commit_interval  # one commit per interval at most
                with contextlib.suppress(queue.Empty):
                    while items[-1] is not _STOP:
                        wait = max(0.0, deadline - time.monotonic())
                        items.append(self._queue.get(timeout=wait))
                self._write(items)
                last_commit = time.monotonic()
        except Exception as exc:  # the disk is full, the file was deleted, ...
            log.exception("Recording to %s failed", self.path)
            self._update(error=f"{exc}.")
        finally:
            self._finish()

    def _write(self, items: list[Any]) -> None:
        rows: list[tuple[float, int, str]] = []
        skipped = taken = 0
        for received, events in (item for item in items if isinstance(item, tuple)):
            taken += len(events)
            started = time.perf_counter()
            for event in events:
                try:
                    text = encode(event)
                except CodecError as exc:
                    skipped += 1
                    log.debug("Not recorded: %s", exc)
                    continue
                if self._secrets:
                    text = self._redacted(text)
                at = getattr(event, "at", None)
                rows.append((received if at is None else at, _tier(event), text))
            busy = time.perf_counter() - started
            if busy > GIVE_WAY_AFTER and busy > len(events) * HEAVY_EVENT:
                time.sleep(min(busy, GIVE_WAY_MAX))
        with self._lock:
            self._backlog -= taken
        connection = self._connection
        if rows:
            connection.execute("BEGIN")
            connection.executemany("INSERT INTO events (at, tier, body) VALUES (?, ?, ?)", rows)
            connection.execute("COMMIT")
            self._rows += len(rows)
        dropped = self._keep_under_cap()
        size = file_bytes(self.path)
        with self._lock:
            stats = self.stats
            self.stats = replace(
                stats,
                events=stats.events + len(rows),
                skipped=stats.skipped + skipped,
                dropped=stats.dropped + dropped,
                bytes=size,
            )
        for item in items:
            if isinstance(item, threading.Event):
                item.set()  # a flush waiting for this commit

    def _update(self, **changes: Any) -> None:
        with self._lock:
            self.stats = replace(self.stats, **changes)

    def _redacted(self, text: str) -> str:
        hits = [raw for escaped, raw in self._secrets if escaped in text]
        if not hits:
            return text

        def scrub(value: str) -> str:
            for raw in hits:
                value = value.replace(raw, REDACTED)
            return value

        return dumps_deep(loads_any(text), separators=(",", ":"), str_hook=scrub)

    def _keep_under_cap(self) -> int:
        """Drop the oldest rows (traffic first) while the file is over the cap; return how many."""
        now = time.monotonic()
        if now < self._next_cap_check:
            return 0
        self._next_cap_check = now + CAP_CHECK_INTERVAL
        connection = self._connection
        dropped = 0
        self._used = self._used_bytes()
        while self._used > self.cap_bytes and self._rows > 0:
            per_row = self._used / self._rows
            wanted = max(1, math.ceil((self._used - self.cap_bytes * CAP_TARGET) / per_row))
            connection.execute("BEGIN")
            ats: list[float] = []
            for tier in (TRAFFIC, STRUCTURE):  # traffic first: the topology needs the rest
                if len(ats) < wanted:
                    ats += [at for (at,) in connection.execute(_DROP, (tier, wanted - len(ats)))]
            removed = len(ats)
            self._dropped += removed
            self._dropped_until = max(self._dropped_until, *ats, 0.0)
            _set_meta(connection, dropped_events=self._dropped, dropped_until=self._dropped_until)
            connection.execute("COMMIT")
            if removed == 0:
                break
            dropped += removed
            self._rows -= removed
            self._used = self._used_bytes()
        return dropped

    def _used_bytes(self) -> int:
        pages, free, size = (
            self._connection.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("page_count", "freelist_count", "page_size")
        )
        return (pages - free) * size

    def _finish(self) -> None:
        """Mark the file complete and fold the WAL back in, so it is one file again."""
        connection = self._connection
        try:
            if self.stats.error is None:
                _set_meta(connection, ended_at=time.time())
                # A finished recording is a plain single file: readers leave no -wal or -shm.
                connection.execute("PRAGMA journal_mode=DELETE")
        except sqlite3.Error as exc:
            log.warning("Could not finish the recording %s: %s", self.path, exc)
        finally:
            with contextlib.suppress(sqlite3.Error):
                connection.close()
            self._update(closed=True, bytes=file_bytes(self.path))
            while not self._queue.empty():  # nobody waits forever on a flush of a closed writer
                item = self._queue.get_nowait()
                if isinstance(item, threading.Event):
                    item.set()


def _set_meta(connection: sqlite3.Connection, **values: object) -> None:
    connection.executemany(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
        [(key, json.dumps(value)) for key, value in values.items()],
    )


def file_bytes(path: Path) -> int:
    """The recording's size on disk, its WAL included."""
    total = 0
    for suffix in ("", "-wal"):
        with contextlib.suppress(OSError):
            total += os.stat(f"{path}{suffix}").st_size
    return total


def _tier(event: object) -> int:
    return TRAFFIC if type(event) in TRAFFIC_TYPES else STRUCTURE
