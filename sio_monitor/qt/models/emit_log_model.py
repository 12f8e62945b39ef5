"""The model of the emit console's listen log: what the probe sent and heard, with every argument.

The log is bounded (the whole-session event log is elsewhere; this one is a
conversation with the server) and filtered by pinned event names without
copying: the view shows an index list of the rows that pass, extended as rows
arrive. Text cells are cut to one line when they are computed, once per row,
and the details of a row show at most ``DETAILS_CHARS`` of each argument with
its true length: a server may send ten megabytes, which a text view would
take seconds to lay out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from sio_monitor.domain.clock_format import time_of_day
from sio_monitor.domain.emit.emit_args import hex_dump, preview, to_jsonable
from sio_monitor.domain.emit.probe_rows import ProbeRows, RowKind
from sio_monitor.domain.format import shorten
from sio_monitor.qt.models.column_table import ColumnTableModel

LOG_LIMIT = 10_000
#: Characters of one argument shown in a row's details.
DETAILS_CHARS = 16_384
COLUMNS = ("Time", "", "Namespace", "Event", "Arguments", "Result")
RECEIVED, SENT, ACK, TIMEOUT, STATE, ADMIN = "↓", "↑", "↩", "✗", "•", "⇉"
DIRECTION_TIPS = {
    RECEIVED: "received from the server",
    SENT: "emitted by the probe",
    ACK: "ack received",
    TIMEOUT: "no ack within the timeout",
    STATE: "probe connection",
    ADMIN: "emitted through the admin connection",
}
DIRECTION_COLOURS = {ACK: "#2e7d32", TIMEOUT: "#c62828", STATE: "#757575"}
#: The direction shown for each kind of probe row.
DIRECTIONS = {
    RowKind.SENT: SENT,
    RowKind.RECEIVED: RECEIVED,
    RowKind.ACK: ACK,
    RowKind.TIMEOUT: TIMEOUT,
    RowKind.STATE: STATE,
}

_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True, slots=True)
class LogEntry:
    at: float
    direction: str
    namespace: str
    event: str
    args: tuple[Any, ...]
    result: str
    preview: str  # computed once, when the entry is made

    def details(self) -> str:
        """Every argument as plain text: JSON pretty-printed, binary as hex; long ones cut."""
        if self.direction == STATE:
            return self.result
        lines = [f"{shorten(self.event)}  ({DIRECTION_TIPS[self.direction]}, {self.namespace})"]
        if self.result:
            lines.append(self.result)
        for number, arg in enumerate(self.args, start=1):
            if isinstance(arg, bytes | bytearray):
                lines.append(f"\nArgument {number}: binary, {len(arg):,} bytes")
                lines.append(hex_dump(bytes(arg)))
            elif isinstance(arg, str) and len(arg) > DETAILS_CHARS:
                lines.append(
                    f"\nArgument {number}: a string of {len(arg):,} characters; "
                    f"the first {DETAILS_CHARS:,} are shown:"
                )
                lines.append(json.dumps(arg[:DETAILS_CHARS], ensure_ascii=False)[:-1] + "…")
            else:
                lines.append(f"\nArgument {number}:")
                lines.append(_pretty(arg))
        if not self.args and self.direction in (RECEIVED, SENT, ACK, ADMIN):
            lines.append("\nNo arguments.")
        return "\n".join(lines)

    def binaries(self) -> list[tuple[int, bytes]]:
        return [
            (n, bytes(a)) for n, a in enumerate(self.args, 1) if isinstance(a, bytes | bytearray)
        ]


def _pretty(value: Any) -> str:
    """``value`` as indented JSON (nesting past ``MAX_DEPTH`` noted), cut at ``DETAILS_CHARS``."""
    text = json.dumps(to_jsonable(value), indent=2, ensure_ascii=False)
    if len(text) <= DETAILS_CHARS:
        return text
    return f"{text[:DETAILS_CHARS]}…\n(cut: {len(text):,} characters in all)"


def make_entry(
    at: float, direction: str, namespace: str, event: str, args: tuple[Any, ...], result: str = ""
) -> LogEntry:
    shown = preview(args) if args else "(no arguments)"
    if direction in (STATE, TIMEOUT):
        shown = ""
    return LogEntry(at, direction, namespace, event, args, result, shown)


class EmitLogModel(ColumnTableModel):
    """The probe's conversation, newest last, filtered to the pinned event names if any."""

    def __init__(self, limit: int = LOG_LIMIT) -> None:
        super().__init__(COLUMNS)
        self.limit = limit
        self.entries: list[LogEntry] = []
        self.listening = True
        self.pinned: frozenset[str] = frozenset()
        self._visible: list[int] = []
        self._rows = ProbeRows()  # the event log's path too: one ack-to-emit pairing

    # --- feeding ---------------------------------------------------------------------

    def add_probe_events(self, batch: Iterable[object]) -> None:
        entries: list[LogEntry] = []
        for event in batch:
            entry = self._entry_for(event)
            if entry is not None:
                entries.append(entry)
        self.add(entries)

    def add(self, entries: list[LogEntry]) -> None:
        if not entries:
            return
        overflow = len(self.entries) + len(entries) - self.limit
        if overflow > 0:
            self.beginResetModel()  # rare: once the log is full, trim in one step
            self.entries = (self.entries + entries)[-self.limit :]
            self._visible = [i for i, e in enumerate(self.entries) if self._passes(e)]
            self.endResetModel()
            return
        start = len(self.entries)
        self.entries.extend(entries)
        shown = [start + i for i, e in enumerate(entries) if self._passes(e)]
        if shown:
            first = len(self._visible)
            self.beginInsertRows(QModelIndex(), first, first + len(shown) - 1)
            self._visible.extend(shown)
            self.endInsertRows()

    def set_pinned(self, names: Iterable[str]) -> None:
        self.beginResetModel()
        self.pinned = frozenset(n for n in names if n)
        self._visible = [i for i, e in enumerate(self.entries) if self._passes(e)]
        self.endResetModel()

    def clear(self) -> None:
        self.beginResetModel()
        self.entries.clear()
        self._visible.clear()
        self.endResetModel()

    def entry(self, row: int) -> LogEntry:
        return self.entries[self._visible[row]]

    @property
    def total(self) -> int:
        return len(self.entries)

    def _passes(self, entry: LogEntry) -> bool:
        return not self.pinned or entry.event in self.pinned

    def _entry_for(self, event: object) -> LogEntry | None:
        row = self._rows.row(event)
        if row is None or (row.kind is RowKind.RECEIVED and not self.listening):
            return None
        direction = DIRECTIONS[row.kind]
        return make_entry(row.at, direction, row.namespace, row.event, row.args, row.result())

    # --- Qt ------------------------------------------------------------------------------

    def row_count(self) -> int:
        return len(self._visible)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry = self.entries[self._visible[index.row()]]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return time_of_day(entry.at, millis=True)
            if column == 3:
                return shorten(entry.event)
            return (
                entry.direction,
                entry.namespace,
                entry.event,
                entry.preview,
                entry.result,
            )[column - 1]
        if role == Qt.ItemDataRole.ToolTipRole and column == 1:
            return DIRECTION_TIPS[entry.direction]
        if role == Qt.ItemDataRole.ForegroundRole and entry.direction in DIRECTION_COLOURS:
            return QColor(DIRECTION_COLOURS[entry.direction])
        return None
