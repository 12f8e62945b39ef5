"""Filtering the event log: the sequence numbers of the rows that pass, kept current as rows come.

Wireshark's way rather than a proxy model's: a filter is run once over the
columns of every chunk (numpy comparisons and lookup tables for direction,
namespace, event names and socket id), the payload text is searched one chunk
arena at a time at C speed (``eventlog_search``), and the result is a sorted array of sequence
numbers. Rows appended later are tested alone, and rows that fall off the
ring are trimmed from the front, so a live filter costs per batch what the
batch costs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sio_monitor.domain.eventlog.log import EventLog, LogChunk
from sio_monitor.domain.eventlog.rows import Kind
from sio_monitor.domain.eventlog.search import RegexTooSlowError, TextSearch

_EMPTY = np.empty(0, np.int64)


@dataclass(frozen=True, slots=True)
class LogFilter:
    """What the filter bar says; every empty field lets every row through."""

    kinds: frozenset[Kind] = field(default_factory=frozenset)
    namespace: str | None = None
    events: frozenset[str] = field(default_factory=frozenset)
    socket: str = ""  # a part of the socket id, as typed
    text: str = ""  # a part of the payload (ASCII letters in any case), or a regular expression
    regex: bool = False

    @property
    def active(self) -> bool:
        return bool(
            self.kinds or self.namespace is not None or self.events or self.socket or self.text
        )


def _text_search(flt: LogFilter) -> TextSearch | None:
    return TextSearch(flt.text, flt.regex) if flt.text else None


def check_filter(flt: LogFilter) -> str | None:
    """The sentence saying why ``flt`` cannot run (a bad regular expression), or None."""
    try:
        _text_search(flt)
    except ValueError as exc:
        return str(exc)
    return None


class _Matcher:
    """One filter, compiled; answers which rows of a chunk range pass."""

    def __init__(self, flt: LogFilter) -> None:
        self.filter = flt
        self._text = _text_search(flt)  # raises ValueError on a bad regular expression
        self._kinds: np.ndarray | None = None
        if flt.kinds:
            self._kinds = np.zeros(256, bool)
            self._kinds[[int(k) for k in flt.kinds]] = True

    def rows(self, chunk: LogChunk, r0: int, r1: int) -> np.ndarray:
        """Rows ``r0 <= r < r1`` of ``chunk`` that pass, ascending (chunk-relative)."""
        mask: np.ndarray | None = None
        if self._kinds is not None:
            mask = self._kinds[chunk.kind[r0:r1]]
        for codes, column, names in (
            (self._namespace_codes(chunk), chunk.nsp, chunk.namespaces),
            (self._event_codes(chunk), chunk.event, chunk.events),
            (self._socket_codes(chunk), chunk.sid, chunk.sockets),
        ):
            if codes is None:
                continue
            if not codes:
                return _EMPTY
            table = np.zeros(len(names), bool)
            table[codes] = True
            passed = table[column[r0:r1]]
            mask = passed if mask is None else mask & passed
        rows = np.arange(r0, r1) if mask is None else np.flatnonzero(mask) + r0
        if self._text is not None and len(rows):
            rows = self._text.rows(chunk, rows, r0, r1)
        return rows.astype(np.int64, copy=False)

    def _namespace_codes(self, chunk: LogChunk) -> list[int] | None:
        if self.filter.namespace is None:
            return None
        code = chunk.namespaces.codes.get(self.filter.namespace)
        return [] if code is None else [code]

    def _event_codes(self, chunk: LogChunk) -> list[int] | None:
        if not self.filter.events:
            return None
        codes = chunk.events.codes
        return [codes[name] for name in self.filter.events if name in codes]

    def _socket_codes(self, chunk: LogChunk) -> list[int] | None:
        part = self.filter.socket
        if not part:
            return None
        return [code for code, sid in enumerate(chunk.sockets.names) if part in sid and sid]


class SeqBuffer:
    """A growing array of ascending sequence numbers, cheap to extend and to trim in front."""

    def __init__(self) -> None:
        self._data = np.empty(1024, np.int64)
        self._lo = 0
        self._hi = 0

    def __len__(self) -> int:
        return self._hi - self._lo

    def __getitem__(self, index: int) -> int:
        return int(self._data[self._lo + index])

    def view(self) -> np.ndarray:
        return self._data[self._lo : self._hi]

    def extend(self, seqs: np.ndarray) -> None:
        n = len(seqs)
        if self._hi + n > len(self._data):
            held = self.view()
            data = np.empty(max(1024, 2 * (len(held) + n)), np.int64)
            data[: len(held)] = held
            self._data, self._lo, self._hi = data, 0, len(held)
        self._data[self._hi : self._hi + n] = seqs
        self._hi += n

    def count_below(self, seq: int) -> int:
        return int(np.searchsorted(self.view(), seq))

    def drop_front(self, count: int) -> None:
        self._lo += min(count, len(self))

    def index_of(self, seq: int) -> int | None:
        i = int(np.searchsorted(self.view(), seq))
        return i if i < len(self) and self[i] == seq else None


class Selection:
    """The rows of one log that pass one filter, in order, tested as they arrive.

    A view asks ``stale()`` how many rows to remove from its front and
    ``pending()`` for the new matches, between its begin/end calls.
    """

    def __init__(self, log: EventLog, flt: LogFilter) -> None:
        self.log = log
        self.filter = flt
        self._matcher = _Matcher(flt)  # raises ValueError on a bad regular expression
        self.seqs = SeqBuffer()
        self.tested_to = log.first_seq
        #: Set once the regular expression ran too slowly on a row that came later:
        #: later rows are not tested (each would stall the window again).
        self.too_slow: str | None = None

    @classmethod
    def build(cls, log: EventLog, flt: LogFilter) -> Selection | str:
        """Run ``flt`` over every row held; a bad filter gives its error sentence instead."""
        try:
            selection = cls(log, flt)
            selection.seqs.extend(selection._matches())
        except ValueError as exc:  # a bad regular expression, or one too slow on these rows
            return str(exc)
        return selection

    def __len__(self) -> int:
        return len(self.seqs)

    def stale(self) -> int:
        """How many rows at the front fell off the ring."""
        return self.seqs.count_below(self.log.first_seq)

    def drop_stale(self, count: int) -> None:
        self.seqs.drop_front(count)

    def pending(self) -> np.ndarray:
        """Sequence numbers of the matching rows appended since the last call (not yet added)."""
        if self.too_slow is not None:
            self.tested_to = self.log.next_seq
            return _EMPTY
        try:
            return self._matches()
        except RegexTooSlowError as exc:
            self.too_slow = str(exc)
            return _EMPTY

    def _matches(self) -> np.ndarray:
        log = self.log
        lo, hi = max(self.tested_to, log.first_seq), log.next_seq
        self.tested_to = hi
        parts = [self._matcher.rows(c, r0, r1) + c.base for c, r0, r1 in log.ranges(lo, hi)]
        if not parts:
            return _EMPTY
        return parts[0] if len(parts) == 1 else np.concatenate(parts)
