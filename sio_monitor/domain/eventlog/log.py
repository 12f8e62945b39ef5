"""The event log: every observed event in one ring of columns, a million rows in a few hundred MB.

No Python object is kept per event (Wireshark's packet list is the model).
Rows live in chunks of ``CHUNK_ROWS``: numpy columns for time, kind, flags,
sizes and small integer codes, each chunk with its own tables for namespace,
event and socket names, and one byte arena holding every payload's text, one
line per row. A search then runs over one bytes blob per chunk at C speed and
maps positions back to rows with ``np.searchsorted``. When a chunk falls off
the ring its names go with it, so a long session with socket churn holds no
more than the ring does.

Rows carry absolute sequence numbers: a view holding numbers below
``first_seq`` knows those rows fell off the front.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import deque
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from sio_monitor.domain.emit.emit_args import LINE_BREAKS
from sio_monitor.domain.eventlog.entries import PAYLOAD_LIMIT, Entry, EntryMaker
from sio_monitor.domain.eventlog.rows import BINARY, PREVIEW_CHARS, PREVIEW_MARK, Kind, LogRow

#: Rows per chunk: small enough that names fit 16-bit codes, large enough to amortise numpy calls.
CHUNK_ROWS = 32_768
DEFAULT_CAPACITY = 1_000_000
#: Payload text held at most, whatever the row count: big payloads shorten the ring instead.
#: Searches may keep a lower-cased copy as large again, so the worst case stays near 600 MB.
DEFAULT_BYTE_BUDGET = 256 * 1024 * 1024


class Names:
    """Strings interned to small integer codes; code 0 is the empty string."""

    __slots__ = ("codes", "names")

    def __init__(self) -> None:
        self.names: list[str] = [""]
        self.codes: dict[str, int] = {"": 0}

    def __len__(self) -> int:
        return len(self.names)

    def intern(self, strings: Sequence[str]) -> list[int]:
        codes, names = self.codes, self.names
        out = []
        for name in strings:
            code = codes.get(name)
            if code is None:
                code = codes[name] = len(names)
                names.append(name)
            out.append(code)
        return out


class LogChunk:
    """Up to ``capacity`` consecutive rows, starting at sequence number ``base``."""

    __slots__ = (
        "arena",
        "base",
        "event",
        "events",
        "flags",
        "kind",
        "lowered",
        "namespaces",
        "nsp",
        "rows",
        "server",
        "sid",
        "size",
        "sockets",
        "start",
        "text_len",
        "time",
    )

    def __init__(self, base: int, capacity: int) -> None:
        self.base = base
        self.rows = 0
        self.time = np.empty(capacity, np.float64)
        self.kind = np.empty(capacity, np.uint8)
        self.flags = np.empty(capacity, np.uint8)
        self.server = np.empty(capacity, np.uint16)
        self.nsp = np.empty(capacity, np.uint16)
        self.event = np.empty(capacity, np.uint16)
        self.sid = np.empty(capacity, np.uint16)
        self.size = np.empty(capacity, np.uint32)
        self.text_len = np.empty(capacity, np.uint32)
        # start[r] is where row r begins in the arena; start[rows] is the arena's length.
        self.start = np.zeros(capacity + 1, np.int64)
        self.arena: bytes | bytearray = bytearray()
        self.lowered: bytes | None = None  # the full arena in lower case, once searched
        self.namespaces = Names()
        self.events = Names()
        self.sockets = Names()

    @property
    def capacity(self) -> int:
        return len(self.time)

    def fill(self, columns: list[tuple], lo: int, hi: int, server: int) -> None:
        """Append entries ``lo:hi`` of the transposed batch ``columns``."""
        at, kind, nsp, sid, event, data, text_len, size, flags = columns
        r0 = self.rows
        r1 = r0 + hi - lo
        self.time[r0:r1] = at[lo:hi]
        self.kind[r0:r1] = kind[lo:hi]
        self.flags[r0:r1] = flags[lo:hi]
        self.server[r0:r1] = server
        self.nsp[r0:r1] = self.namespaces.intern(nsp[lo:hi])
        self.event[r0:r1] = self.events.intern(event[lo:hi])
        self.sid[r0:r1] = self.sockets.intern(sid[lo:hi])
        self.size[r0:r1] = np.minimum(size[lo:hi], 0xFFFFFFFF)
        self.text_len[r0:r1] = text_len[lo:hi]
        blobs = data[lo:hi]
        lengths = np.fromiter(map(len, blobs), np.int64, hi - lo) + 1  # one newline per row
        self.start[r0 + 1 : r1 + 1] = int(self.start[r0]) + np.cumsum(lengths)
        arena = self.arena
        assert isinstance(arena, bytearray), "a sealed chunk takes no more rows"
        arena += b"\n".join(blobs)
        arena += b"\n"
        self.rows = r1
        if r1 == self.capacity:
            self.arena = bytes(arena)  # full: drop the bytearray's spare room

    def lower_text(self, start: int, end: int) -> bytes | bytearray:
        """Arena bytes ``start:end`` with ASCII letters lower-cased, for searches in any case.

        A full chunk never changes, so its lower-cased copy is made on the first
        search and kept: later searches skip a third of their work, at the cost
        of the chunk's text held twice once someone has searched.
        """
        if self.rows < self.capacity:
            return self.arena[start:end].lower()
        if self.lowered is None:
            self.lowered = self.arena.lower()
        lowered = self.lowered
        return lowered if (start, end) == (0, len(lowered)) else lowered[start:end]

    def payload(self, r: int) -> bytes:
        s = int(self.start[r])
        return bytes(self.arena[s : s + int(self.text_len[r])])

    def stored_preview(self, r: int) -> str:
        """The preview stored after a binary row's JSON."""
        s = int(self.start[r]) + int(self.text_len[r]) + len(PREVIEW_MARK)
        return self.arena[s : int(self.start[r + 1]) - 1].decode("utf-8", "replace")


def _one_line(text: str, limit: int = PREVIEW_CHARS) -> str:
    head = text[: limit + 1].translate(LINE_BREAKS)  # shown as one line by Qt too
    return head if len(head) <= limit else head[: limit - 1] + "…"


def read_row(chunk: LogChunk, r: int, servers: Names) -> LogRow:
    text = chunk.payload(r).decode("utf-8", "replace")
    flags = int(chunk.flags[r])
    shown = chunk.stored_preview(r) if flags & BINARY else _one_line(text)
    return LogRow(
        chunk.base + r,
        float(chunk.time[r]),
        servers.names[chunk.server[r]],
        chunk.namespaces.names[chunk.nsp[r]],
        chunk.sockets.names[chunk.sid[r]],
        Kind(chunk.kind[r]),
        chunk.events.names[chunk.event[r]],
        int(chunk.size[r]),
        flags,
        text,
        shown,
    )


class RowSet:
    """Chosen rows of a log, still readable after they fall off the ring (an export's input)."""

    def __init__(self, seqs: np.ndarray, chunks: Sequence[LogChunk], servers: Names) -> None:
        self.seqs = seqs
        self._chunks = list(chunks)
        self._bases = [c.base for c in self._chunks]
        self._servers = servers

    def __len__(self) -> int:
        return len(self.seqs)

    def row(self, index: int) -> LogRow:
        seq = int(self.seqs[index])
        chunk = self._chunks[bisect_right(self._bases, seq) - 1]
        return read_row(chunk, seq - chunk.base, self._servers)

    def __iter__(self) -> Iterator[LogRow]:
        return (self.row(i) for i in range(len(self.seqs)))


class EventLog:
    """A ring of the newest ``capacity`` rows of admin, probe and connection events."""

    def __init__(
        self,
        capacity: int = DEFAULT_CAPACITY,
        *,
        chunk_rows: int = CHUNK_ROWS,
        payload_limit: int = PAYLOAD_LIMIT,
        byte_budget: int = DEFAULT_BYTE_BUDGET,
    ) -> None:
        if capacity < 1:
            raise ValueError("The event log needs room for at least one row.")
        self.capacity = capacity
        self.chunk_rows = max(1, min(chunk_rows, capacity, 65_535))  # codes are 16-bit
        self.byte_budget = byte_budget
        self.servers = Names()
        self._maker = EntryMaker(payload_limit)
        self._chunks: deque[LogChunk] = deque()
        self._first = 0
        self._next = 0

    # --- size and position -------------------------------------------------------------

    @property
    def first_seq(self) -> int:
        """The oldest row still held; every smaller sequence number fell off the ring."""
        return self._first

    @property
    def next_seq(self) -> int:
        """The number the next row will get: the count of rows ever appended."""
        return self._next

    def __len__(self) -> int:
        return self._next - self._first

    @property
    def hidden_namespace(self) -> str:
        """Admin events of this namespace (the monitor's own) are not logged."""
        return self._maker.hidden_namespace

    @hidden_namespace.setter
    def hidden_namespace(self, namespace: str) -> None:
        self._maker.hidden_namespace = namespace

    @property
    def bytes_held(self) -> int:
        """Payload text held (lower-cased copies made for searches not counted)."""
        return sum(len(c.arena) for c in self._chunks)

    # --- appending ----------------------------------------------------------------------

    def append_admin(
        self, batch: Iterable[object], server: str = "", deadline: float | None = None
    ) -> int:
        """Log one batch of admin-connection domain events; returns the rows added.

        With a ``deadline`` (``time.perf_counter()``) it may stop after a big
        payload read past it: ``taken`` says how many events it read.
        """
        return self.append_entries(self._maker.admin(batch, deadline), server)

    def append_probe(
        self, batch: Iterable[object], server: str = "", deadline: float | None = None
    ) -> int:
        """Log one batch of probe events; returns the rows added (``deadline``: as above)."""
        return self.append_entries(self._maker.probe(batch, deadline), server)

    @property
    def taken(self) -> int:
        """Events read of the last batch appended: all of it unless a deadline stopped it."""
        return self._maker.taken

    def append_entries(self, entries: list[Entry], server: str = "") -> int:
        count = len(entries)
        if not count:
            return 0
        columns = list(zip(*entries, strict=True))
        code = self.servers.intern((server,))[0]
        done = 0
        while done < count:
            chunk = self._open_chunk(self._next + done)
            take = min(count - done, chunk.capacity - chunk.rows)
            chunk.fill(columns, done, done + take, code)
            done += take
        self._next += count
        self._drop_old()
        return count

    def _open_chunk(self, seq: int) -> LogChunk:
        """The chunk that takes row ``seq``: the newest one, or a new one when it is full."""
        chunks = self._chunks
        if chunks and chunks[-1].rows < chunks[-1].capacity:
            return chunks[-1]
        chunk = LogChunk(seq, self.chunk_rows)
        chunks.append(chunk)
        return chunk

    def _drop_old(self) -> None:
        self._first = max(self._first, self._next - self.capacity)
        chunks = self._chunks
        held = self.bytes_held
        while len(chunks) > 1 and held > self.byte_budget:
            held -= len(chunks[0].arena)
            chunks.popleft()
            self._first = max(self._first, chunks[0].base)
        # Only the newest chunk is ever partly filled, and it is never dropped here.
        while len(chunks) > 1 and chunks[0].base + chunks[0].rows <= self._first:
            chunks.popleft()

    def clear(self) -> None:
        """Forget every row; sequence numbers keep counting, so views see the drop."""
        self._chunks.clear()
        self._first = self._next

    # --- reading ------------------------------------------------------------------------

    def locate(self, seq: int) -> tuple[LogChunk, int]:
        """The chunk holding ``seq`` and its row; chunks are contiguous, full but the last."""
        if not self._first <= seq < self._next:
            raise IndexError(f"row {seq} is not held (held: {self._first} to {self._next - 1})")
        chunks = self._chunks
        chunk = chunks[(seq - chunks[0].base) // self.chunk_rows]
        return chunk, seq - chunk.base

    def row(self, seq: int) -> LogRow:
        chunk, r = self.locate(seq)
        return read_row(chunk, r, self.servers)

    def ranges(self, lo: int, hi: int) -> Iterator[tuple[LogChunk, int, int]]:
        """(chunk, first row, end row) covering the held sequence numbers in ``[lo, hi)``."""
        lo, hi = max(lo, self._first), min(hi, self._next)
        for chunk in self._chunks:
            r0 = max(lo - chunk.base, 0)
            r1 = min(hi - chunk.base, chunk.rows)
            if r0 < r1:
                yield chunk, r0, r1

    def snapshot(self, seqs: np.ndarray | None = None) -> RowSet:
        """The given rows (all held rows if None), kept readable even after they are dropped."""
        if seqs is None:
            seqs = np.arange(self._first, self._next, dtype=np.int64)
        else:
            seqs = np.asarray(seqs, dtype=np.int64)
            seqs = seqs[(seqs >= self._first) & (seqs < self._next)]
        return RowSet(seqs, self._chunks, self.servers)

    def namespaces(self) -> list[str]:
        """Namespaces of the rows held, sorted."""
        return self._names_seen("namespaces")

    def event_names(self) -> list[str]:
        """Event names of the rows held, sorted: the event filter's choices."""
        return self._names_seen("events")

    def _names_seen(self, table: str) -> list[str]:
        seen: set[str] = set()
        for chunk in self._chunks:
            seen.update(getattr(chunk, table).names)
        seen.discard("")
        return sorted(seen)
