"""Exact per-second counts of each event name over the last hour, for a bounded set of names.

Clicking a name in the busiest-names table plots its whole history in the
selected window, the seconds before the click included, so every name is
counted from its first event on, not only the names that were busy then.
A server can have thousands of distinct names (names with ids in them), so
what is held is bounded: at most ``capacity`` names get a row.

Storage is two flat ``array('I')`` (events in, events out) of ``window``
slots per row, rows side by side, sharing one time base: slot
``second % window`` of every row holds that second, for the seconds in
``(newest - window, newest]``; when ``newest`` moves on, the slots it passes
are zeroed in every row that holds events. Memory is at most
``capacity * window * 8`` bytes (256 names x 3,600 s: 7.4 MB) plus a dict and
five lists of ``capacity`` entries and the names of the last
``4 * capacity`` evicted, whatever the number of distinct names; rows are
allocated as names arrive, so a server with a dozen names uses a dozen rows.

When all rows are taken, a new name takes the row of the name with the
fewest events inside the window, the least recently seen first among equals:
the busiest names keep their history through any churn of one-off names,
and a new name keeps its row if it recurs before it is the coldest.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from heapq import heapify, heappop, heappush, heapreplace

HISTORY_WINDOW = 3600
HELD_NAMES = 256
#: Rows added at a time until ``capacity``.
GROW_ROWS = 16
#: Evicted names remembered per row, to tell a name that comes back from a new one.
REMEMBERED_PER_ROW = 4


@dataclass(frozen=True, slots=True)
class NameSeries:
    """One name's counts for consecutive seconds from ``first``; empty when nothing is held."""

    first: int
    received: array
    sent: array

    def __len__(self) -> int:
        return len(self.received)


class NameHistory:
    """Per-second events in and out for up to ``capacity`` event names over ``window`` seconds.

    A row is exact from its ``since`` second on. A name seen for the first
    time had no events before, so that is the first second counted at all. A
    name that was evicted lost its counts up to the second it was evicted
    and had none since (any event would have brought it straight back), so
    it is exact from the second after. The evicted names are remembered for a
    while; past that, any name is taken as exact only from the second after
    the latest eviction forgotten.
    """

    def __init__(self, window: int = HISTORY_WINDOW, capacity: int = HELD_NAMES) -> None:
        if window < 1 or capacity < 1:
            raise ValueError(f"window and capacity must be positive, got {window} and {capacity}")
        self.window = window
        self.capacity = capacity
        self.newest: int | None = None  # latest second counted
        self.start: int | None = None  # first second counted
        self.evictions = 0
        self.dropped = 0  # events older than the window
        self._rows: dict[str, int] = {}
        self._names: list[str] = []  # row -> name
        self._held: list[int] = []  # row -> events inside the window
        self._first: list[int] = []  # row -> earliest second with an event
        self._last: list[int] = []  # row -> latest second with an event
        self._since: list[int] = []  # row -> first exact second
        self._in = array("I")
        self._out = array("I")
        self._zeros = array("I", bytes(4 * window))
        self._evicted: dict[str, int] = {}  # name -> second it was evicted, oldest first
        self._forgotten: int | None = None  # latest eviction second no longer remembered
        self._coldest: list[tuple[int, int, int]] = []  # heap of (held, last, row), maybe stale
        self._coldest_at: int | None = None  # the second it was built

    def __contains__(self, name: str) -> bool:
        return name in self._rows

    def __len__(self) -> int:
        return len(self._rows)

    def names(self) -> list[str]:
        return list(self._rows)

    @property
    def nbytes(self) -> int:
        """Bytes held by the count arrays (the bound above), not counting the bookkeeping."""
        return (len(self._in) + len(self._out) + len(self._zeros)) * self._in.itemsize

    def held_since(self, name: str) -> int | None:
        row = self._rows.get(name)
        return None if row is None else self._since[row]

    # --- counting --------------------------------------------------------------------

    def add(self, name: str, second: int, received: bool, count: int = 1) -> None:
        """Count ``count`` events of ``name`` in ``second``; this runs per event."""
        newest = self.newest
        if newest is None or second > newest:
            self._advance(second)
        elif second <= newest - self.window:
            self.dropped += 1
            return
        row = self._rows.get(name)
        if row is None:
            row = self._admit(name, second)
        index = row * self.window + second % self.window
        if received:
            self._in[index] += count
        else:
            self._out[index] += count
        self._held[row] += count
        if second > self._last[row]:
            self._last[row] = second
        elif second < self._first[row]:
            self._first[row] = second

    def _advance(self, second: int) -> None:
        """Move ``newest`` to ``second``, zeroing the slots of the seconds that left the window."""
        old = self.newest
        self.newest = second
        if old is None:
            self.start = second
            return
        size = self.window
        if second - old >= size:
            self._in = array("I", bytes(len(self._in) * 4))
            self._out = array("I", bytes(len(self._out) * 4))
            self._held = [0] * len(self._held)
            return
        low, high = (old + 1) % size, second % size + 1
        spans = [(low, high)] if low < high else [(low, size), (0, high)]
        values_in, values_out, held, zeros = self._in, self._out, self._held, self._zeros
        for row in range(len(self._names)):
            if not held[row]:
                continue
            base = row * size
            for first, last in spans:
                a, b = base + first, base + last
                removed = sum(values_in[a:b]) + sum(values_out[a:b])
                if removed:
                    held[row] -= removed
                    values_in[a:b] = zeros[: b - a]
                    values_out[a:b] = zeros[: b - a]

    def _admit(self, name: str, second: int) -> int:
        rows = len(self._names)
        if rows < self.capacity:
            row = rows
            if (row + 1) * self.window > len(self._in):
                more = min(max(GROW_ROWS, rows), self.capacity - rows) * self.window * 4
                self._in.frombytes(bytes(more))
                self._out.frombytes(bytes(more))
            self._names.append(name)
            self._held.append(0)
            self._first.append(second)
            self._last.append(second)
            self._since.append(0)
        else:
            row = self._victim()
            del self._rows[self._names[row]]
            self._clear(row)
            self._held[row] = 0
            self._first[row] = self._last[row] = second
            self.evictions += 1
            self._forget(self._names[row])
            self._names[row] = name
            heappush(self._coldest, (0, second, row))
        self._rows[name] = row
        evicted = self._evicted.pop(name, self._forgotten)
        self._since[row] = self.start if evicted is None else evicted + 1  # type: ignore[assignment]
        return row

    def _clear(self, row: int) -> None:
        """Zero a row's slots, only those its events can have touched (one, for a one-off name)."""
        if not self._held[row]:
            return  # every slot inside the window is zero already
        size, newest = self.window, self.newest
        assert newest is not None
        first = max(self._first[row], newest - size + 1)
        count = min(self._last[row], newest) - first + 1
        start = first % size
        for low, high in ((start, min(start + count, size)), (0, start + count - size)):
            if high > low:
                a, b = row * size + low, row * size + high
                self._in[a:b] = self._zeros[: b - a]
                self._out[a:b] = self._zeros[: b - a]

    def _forget(self, name: str) -> None:
        """Remember that ``name`` lost its counts up to now, for a bounded number of names."""
        evicted = self._evicted
        evicted[name] = self.newest  # type: ignore[assignment]
        if len(evicted) > REMEMBERED_PER_ROW * self.capacity:
            oldest = next(iter(evicted))
            self._forgotten = evicted.pop(oldest)

    def _victim(self) -> int:
        """The coldest row: fewest events in the window, then least recently seen.

        A heap of the rows, rebuilt once a second (the window moving on lowers
        counts everywhere) and otherwise corrected lazily: an entry whose row
        had events since it was pushed goes back with its current count.
        """
        held, last, heap = self._held, self._last, self._coldest
        if self._coldest_at != self.newest:
            heap[:] = [(held[row], last[row], row) for row in range(len(held))]
            heapify(heap)
            self._coldest_at = self.newest
        while True:
            count, seen, row = heap[0]
            if count == held[row] and seen == last[row]:
                heappop(heap)
                return row
            heapreplace(heap, (held[row], last[row], row))

    # --- reading ---------------------------------------------------------------------

    def series(self, name: str, end: int, span: int) -> NameSeries | None:
        """Counts for the seconds up to ``end``, at most ``span`` of them, from the first exact one.

        ``None`` if the name holds no row. Seconds after ``newest`` had no
        events yet and read as zeros, like the other rate series.
        """
        row = self._rows.get(name)
        newest = self.newest
        if row is None or newest is None:
            return None
        size = self.window
        first = max(end - span + 1, self._since[row], newest - size + 1)
        if first > end:
            return NameSeries(end + 1, array("I"), array("I"))
        stop = min(end, newest)
        received, sent = array("I"), array("I")
        if first <= stop:
            base = row * size
            low, high = first % size, stop % size + 1
            spans = [(low, high)] if low < high else [(low, size), (0, high)]
            for a, b in spans:
                received.extend(self._in[base + a : base + b])
                sent.extend(self._out[base + a : base + b])
        tail = end - max(stop, first - 1)
        if tail > 0:
            received.frombytes(bytes(4 * tail))
            sent.frombytes(bytes(4 * tail))
        return NameSeries(first, received, sent)
