"""The event log's table: the log's rows, or a filter's selection of them, painted on demand.

The model holds no row of its own. Unfiltered, row ``i`` is sequence number
``first + i``; filtered, it is the ``i``-th number of the selection. Each
batch costs at most one ``beginRemoveRows`` (rows that fell off the ring, at
the front) and one ``beginInsertRows`` (new rows, at the end); display strings
are built only for rows being painted, and remembered for a while since a
row never changes.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor

from sio_monitor.domain.eventlog import EventLog, RowSet
from sio_monitor.domain.eventlog_filter import LogFilter, Selection
from sio_monitor.domain.eventlog_rows import (
    ARGUMENT_KINDS,
    KIND_LABELS,
    KIND_TIPS,
    Kind,
    LogRow,
    clock_time,
)

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

_GONE: tuple[tuple[str, ...], Kind] = (("",) * len(COLUMNS), Kind.CONNECTION)

_Index = QModelIndex | QPersistentModelIndex


class EventLogModel(QAbstractTableModel):
    """Rows of one ``EventLog``, all or filtered; fed a batch at a time."""

    counts_changed = Signal(int, int)  # (rows shown, rows held)

    def __init__(self, log: EventLog | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log = log if log is not None else EventLog()
        self.selection: Selection | None = None
        #: Written in the server column of the rows each connection adds.
        self.admin_server = ""
        self.probe_server = ""
        self._first = self.log.first_seq  # unfiltered: the sequence numbers shown
        self._next = self.log.next_seq
        self._cache: dict[int, tuple[tuple[str, ...], Kind]] = {}

    # --- feeding ------------------------------------------------------------------------

    def add_admin(self, batch: list[object]) -> None:
        """Slot for ``EventBridge.events_applied``."""
        if self.log.append_admin(batch, self.admin_server):
            self.sync()

    def add_probe(self, batch: list[object]) -> None:
        """Slot for ``ProbeSession.events_arrived``."""
        if self.log.append_probe(batch, self.probe_server):
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

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid():
            return 0
        return len(self.selection) if self.selection is not None else self._next - self._first

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = _DISPLAY) -> Any:
        # Asked for seven roles per cell per paint: plain ints compare fastest.
        if role == _DISPLAY:
            return self._cells(index.row())[0][index.column()]
        column = index.column()
        if role == _FOREGROUND and column == DIRECTION:
            return KIND_COLOURS.get(self._cells(index.row())[1])
        if role == _ALIGNMENT and column == SIZE:
            return _RIGHT
        if role == _TOOLTIP and column == DIRECTION:
            return KIND_TIPS[self._cells(index.row())[1]]
        return None

    def _cells(self, row: int) -> tuple[tuple[str, ...], Kind]:
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
        cells = (
            clock_time(one.at),
            one.server,
            one.namespace,
            one.socket,
            KIND_LABELS[one.kind],
            one.event,
            one.preview,
            f"{one.size:,}" if one.kind in ARGUMENT_KINDS else "",
        )
        self._cache[seq] = (cells, one.kind)
        return cells, one.kind
