"""The event log's table: the log's rows, or a filter's selection of them, painted on demand.

The model holds no row of its own. Unfiltered, row ``i`` is sequence number
``first + i``; filtered, it is the ``i``-th number of the selection. Each
batch costs at most one ``beginRemoveRows`` (rows that fell off the ring, at
the front) and one ``beginInsertRows`` (new rows, at the end); display strings
are built only for rows being painted, and remembered for a while since a
row never changes. No cell is longer than a screen line: Qt lays out every
character of a cell it paints, and an event name can be a megabyte.

Measuring a payload of megabytes takes milliseconds per megabyte, so batches
go through a queue, and a turn of the event loop logs at most one payload
over the in-memory limit: a batch of several big payloads is logged over
several turns, in order, and the window gets its turn in between. Ordinary
batches are logged at once, as they arrive.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor

from sio_monitor.domain.clock_format import time_of_day
from sio_monitor.domain.eventlog.filter import LogFilter, Selection
from sio_monitor.domain.eventlog.log import EventLog, RowSet
from sio_monitor.domain.eventlog.rows import (
    ARGUMENT_KINDS,
    KIND_LABELS,
    KIND_TIPS,
    Kind,
    LogRow,
)
from sio_monitor.domain.format import SHOWN_CHARS, format_bytes, shorten, text_bytes
from sio_monitor.qt.models.column_table import ColumnTableModel
from sio_monitor.qt.models.tree_base import plain_tooltip
from sio_monitor.qt.timers import coalescing_timer

COLUMNS = ("Time", "Server", "Namespace", "Socket", "Direction", "Event", "Arguments", "Size")
TIME, SERVER, NAMESPACE, SOCKET, DIRECTION, EVENT, ARGUMENTS, SIZE = range(len(COLUMNS))
#: Display strings remembered per row; a screenful is a few dozen rows.
CACHE_ROWS = 2048
KIND_COLOURS = {
    Kind.DISCONNECT: QColor("#c62828"),
    Kind.PROBE_TIMEOUT: QColor("#c62828"),
    Kind.REJECTED: QColor("#c62828"),
    Kind.PROBE_ACK: QColor("#2e7d32"),
    Kind.CONNECTION: QColor("#757575"),
    Kind.PROBE_STATE: QColor("#757575"),
}
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)

_GONE: tuple[tuple[str, ...], Kind, str | None] = (("",) * len(COLUMNS), Kind.CONNECTION, None)

_Index = QModelIndex | QPersistentModelIndex


class EventLogModel(ColumnTableModel):
    """Rows of one ``EventLog``, all or filtered; fed a batch at a time."""

    counts_changed = Signal(int, int)  # (rows shown, rows held)

    def __init__(self, log: EventLog | None = None, parent: QObject | None = None) -> None:
        super().__init__(COLUMNS, parent)
        self.log = log if log is not None else EventLog()
        self.selection: Selection | None = None
        #: Written in the server column of the rows each connection adds.
        self.admin_server = ""
        self.probe_server = ""
        self._first = self.log.first_seq  # unfiltered: the sequence numbers shown
        self._next = self.log.next_seq
        #: Per row: its cells, its kind, and the tooltip of a cut payload (None if not cut).
        self._cache: dict[int, tuple[tuple[str, ...], Kind, str | None]] = {}
        #: Batches not logged yet: (admin or probe, events, server), oldest first.
        self._pending: deque[tuple[bool, list[object], str]] = deque()
        self._resume = coalescing_timer(self, 0, self._ingest)

    # --- feeding ------------------------------------------------------------------------

    def add_admin(self, batch: list[object]) -> None:
        """Slot for ``EventBridge.events_applied``."""
        self._pending.append((True, batch, self.admin_server))
        if len(self._pending) == 1:  # nothing waits before it: log it now
            self._ingest()

    def add_probe(self, batch: list[object]) -> None:
        """Slot for ``ProbeSession.events_arrived``."""
        self._pending.append((False, batch, self.probe_server))
        if len(self._pending) == 1:
            self._ingest()

    @property
    def waiting(self) -> int:
        """Batches (or their rests) not logged yet."""
        return len(self._pending)

    def _ingest(self) -> None:
        """Log waiting batches up to the first big payload; the rest in the next turn."""
        log, pending = self.log, self._pending
        deadline = time.perf_counter()  # passed by the time any big payload is measured
        added = 0
        while pending:
            admin, batch, server = pending[0]
            append = log.append_admin if admin else log.append_probe
            added += append(batch, server, deadline)
            if log.taken < len(batch):
                pending[0] = (admin, batch[log.taken :], server)
                self._resume.start()
                break
            pending.popleft()
        if added:
            self.sync()

    def sync(self) -> None:
        """Catch up with the log: drop rows that fell off its front, add the new ones."""
        if self.selection is None:
            self._sync_all()
        else:
            self._sync_selection(self.selection)
        self.counts_changed.emit(self.rowCount(), len(self.log))

    def _sync_all(self) -> None:
        log = self.log
        gone_to = min(log.first_seq, self._next)
        if gone_to > self._first:
            self.beginRemoveRows(QModelIndex(), 0, gone_to - self._first - 1)
            self._first = gone_to
            self.endRemoveRows()
        if self._next < log.first_seq:  # rows never shown fell off too; nothing is shown now
            self._first = self._next = log.first_seq
        if log.next_seq > self._next:
            shown = self._next - self._first
            self.beginInsertRows(QModelIndex(), shown, shown + log.next_seq - self._next - 1)
            self._next = log.next_seq
            self.endInsertRows()

    def _sync_selection(self, selection: Selection) -> None:
        stale = selection.stale()
        if stale:
            self.beginRemoveRows(QModelIndex(), 0, stale - 1)
            selection.drop_stale(stale)
            self.endRemoveRows()
        new = selection.pending()
        if len(new):
            shown = len(selection)
            self.beginInsertRows(QModelIndex(), shown, shown + len(new) - 1)
            selection.seqs.extend(new)
            self.endInsertRows()

    def clear(self) -> None:
        self.beginResetModel()
        self._pending.clear()
        self._resume.stop()
        self.log.clear()
        self._first = self._next = self.log.next_seq
        if self.selection is not None:
            self.selection = Selection(self.log, self.selection.filter)
        self._cache.clear()
        self.endResetModel()
        self.counts_changed.emit(0, 0)

    # --- filtering ----------------------------------------------------------------------

    @property
    def filter(self) -> LogFilter:
        return self.selection.filter if self.selection is not None else LogFilter()

    def set_filter(self, flt: LogFilter) -> str | None:
        """Show the rows passing ``flt``; a bad filter keeps the rows shown and says why."""
        if flt == self.filter:
            return None
        selection: Selection | None = None
        if flt.active:
            built = Selection.build(self.log, flt)
            if isinstance(built, str):
                return built
            selection = built
        self.beginResetModel()
        self.selection = selection
        self._first, self._next = self.log.first_seq, self.log.next_seq
        self.endResetModel()
        self.counts_changed.emit(self.rowCount(), len(self.log))
        return None

    # --- reading ------------------------------------------------------------------------

    @property
    def total(self) -> int:
        return len(self.log)

    def seq_at(self, row: int) -> int:
        if self.selection is not None:
            return self.selection.seqs[row]
        return self._first + row

    def row_of(self, seq: int) -> int | None:
        """The row showing ``seq``, if it is shown."""
        if self.selection is not None:
            return self.selection.seqs.index_of(seq)
        return seq - self._first if self._first <= seq < self._next else None

    def log_row(self, row: int) -> LogRow:
        return self.log.row(self.seq_at(row))

    def snapshot(self) -> RowSet:
        """The rows shown now, readable however long an export takes."""
        if self.selection is not None:
            return self.log.snapshot(self.selection.seqs.view().copy())
        return self.log.snapshot()

    # --- Qt -----------------------------------------------------------------------------

    def row_count(self) -> int:
        return len(self.selection) if self.selection is not None else self._next - self._first

    def data(self, index: _Index, role: int = _DISPLAY) -> Any:
        # Asked for seven roles per cell per paint: plain ints compare fastest.
        if role == _DISPLAY:
            return self._cells(index.row())[0][index.column()]
        column = index.column()
        if role == _FOREGROUND and column == DIRECTION:
            return KIND_COLOURS.get(self._cells(index.row())[1])
        if role == _ALIGNMENT and column == SIZE:
            return _RIGHT
        if role == _TOOLTIP:
            if column == DIRECTION:
                return KIND_TIPS[self._cells(index.row())[1]]
            if column in (ARGUMENTS, SIZE, EVENT):
                return self._cells(index.row())[2]
        return None

    def _cells(self, row: int) -> tuple[tuple[str, ...], Kind, str | None]:
        seq = self.seq_at(row)
        cached = self._cache.get(seq)
        if cached is not None:
            return cached
        if len(self._cache) >= CACHE_ROWS:
            self._cache.clear()
        try:
            one = self.log.row(seq)
        except IndexError:  # dropped by the log, and the model not told yet: shown blank
            return _GONE
        event = shorten(one.event)
        cells = (
            time_of_day(one.at, millis=True),
            one.server,
            one.namespace,
            one.socket,
            KIND_LABELS[one.kind],
            event,
            one.preview,
            size_cell(one.size) if one.kind in ARGUMENT_KINDS else "",
        )
        tip = cut_tooltip(one) if one.truncated or event is not one.event else None
        self._cache[seq] = cached = (cells, one.kind, tip)
        return cached


def size_cell(size: int) -> str:
    """Bytes as counted (``1,234``) up to a megabyte, then as read (``10.0 MB``)."""
    return f"{size:,}" if size < 1_000_000 else format_bytes(size)


def cut_tooltip(row: LogRow) -> str:
    """What was cut from a row and what is whole: the event name, the payload."""
    parts = []
    if len(row.event) > SHOWN_CHARS:
        size = format_bytes(text_bytes(row.event))
        parts.append(f"The event name is {size} long; the first {SHOWN_CHARS} characters show.")
    if row.truncated:
        held = len(row.text.encode("utf-8"))
        parts.append(
            f"The arguments are {row.size:,} bytes ({format_bytes(row.size)}); the first "
            f"{held:,} are held in memory, and the session recording keeps them all."
        )
    return plain_tooltip("\n".join(parts))
