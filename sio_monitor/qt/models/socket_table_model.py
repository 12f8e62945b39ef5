"""The flat socket table: every shown socket in one sortable list, updated in row blocks per batch.

Rows are kept in ascending order of a per-column sort key, with the keys in a
parallel list, so finding a row is a bisection and a batch's arrivals land in
their sorted places as contiguous blocks. A descending sort is the same list
read backwards. A socket's sort key is taken when its row is made and kept
until the next sort, so rows do not jump under the user while they change.

How a socket reads in every view lives here too: its row cells and tooltip,
the rooms its details list, and its JSON for copying.
"""

from __future__ import annotations

import itertools
import time
from bisect import bisect_left
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Qt, QTimer

from sio_monitor.domain.clock_format import time_of_day
from sio_monitor.domain.topology.changes import ChangeSet
from sio_monitor.domain.topology.filter_index import SocketFilter, SocketKey
from sio_monitor.domain.topology.nodes import SocketState
from sio_monitor.domain.topology.topology import Topology
from sio_monitor.net.codec import display_address, header_value
from sio_monitor.qt.bridge import EventBridge
from sio_monitor.qt.models.column_table import ColumnTableModel
from sio_monitor.qt.models.tree_base import (
    MARK_COLOUR,
    MARK_SECONDS,
    PATH_ROLE,
    Index,
    plain_tooltip,
    runs,
)

COLUMNS = ("ID", "Namespace", "Transport", "Address", "Connected since", "Rooms")
CONNECTED_COLUMN = 4
ROOMS_COLUMN = 5
#: Rooms named in a socket's cell at most; the cell then gives the count.
NAMED_ROOMS = 10
#: Rooms a socket's details list (each with its Leave button) at most.
LISTED_ROOMS = 100

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_PATH = int(PATH_ROLE)


def socket_cells(state: SocketState) -> tuple[str, str, str]:
    """Transport, address and connection time: the columns every socket row shares."""
    return (
        state.transport,
        display_address(state.info.handshake.address),
        time_of_day(state.connected_at),
    )


def socket_tooltip(state: SocketState) -> str:
    agent = header_value(state.info.handshake.headers, "user-agent") or "no user agent"
    return plain_tooltip(f"{state.id}\n{agent}")


def public_rooms(state: SocketState) -> str:
    """The rooms a socket joined (its own left out), and past ``NAMED_ROOMS`` how many.

    The first ones in the order joined: a socket in a hundred thousand rooms
    would make a cell of a megabyte, which Qt lays out on every paint.
    """
    rooms = state.rooms
    named = (room for room in rooms if room != state.id)
    listed = ", ".join(itertools.islice(named, NAMED_ROOMS))
    count = len(rooms) - (state.id in rooms)
    if count <= NAMED_ROOMS:
        return listed
    return f"{listed}, … ({count:,} rooms)"


def listed_rooms(state: SocketState, limit: int = LISTED_ROOMS) -> list[str]:
    """The rooms a socket's details list: its own first, then by name; past ``limit``,
    the first ones it joined (sorting a hundred thousand on every batch would freeze)."""
    rooms = state.rooms
    if len(rooms) <= limit:
        return sorted(rooms, key=lambda r: (r != state.id, r))
    first = [room for room in itertools.islice(rooms, limit) if room != state.id]
    if state.id in rooms:
        return [state.id, *first[: limit - 1]]
    return first


def socket_json(state: SocketState) -> dict[str, Any]:
    """The socket as the admin protocol spells it, plus the monitor's own connection time."""
    info, handshake = state.info, state.info.handshake
    return {
        "id": info.id,
        "clientId": info.client_id,
        "nsp": info.nsp,
        "transport": state.transport,
        "rooms": list(state.rooms),
        "data": state.data,
        "connectedAt": datetime.fromtimestamp(state.connected_at, UTC).isoformat(),
        "handshake": {
            "address": handshake.address,
            "headers": dict(handshake.headers),
            "query": dict(handshake.query),
            "issued": handshake.issued * 1000 if handshake.issued is not None else None,
            "time": handshake.time,
            "secure": handshake.secure,
            "url": handshake.url,
            "xdomain": handshake.xdomain,
        },
    }


_CELLS: tuple[Callable[[SocketState], str], ...] = (
    lambda s: s.id,
    lambda s: s.nsp,
    lambda s: s.transport,
    lambda s: display_address(s.info.handshake.address),
    lambda s: time_of_day(s.connected_at),
    public_rooms,
)
_SORT_KEYS: tuple[Callable[[SocketState], Any], ...] = (
    lambda s: (s.id, s.nsp),
    lambda s: (s.nsp, s.id),
    lambda s: (s.transport, s.nsp, s.id),
    lambda s: (display_address(s.info.handshake.address), s.nsp, s.id),
    lambda s: (s.connected_at, s.nsp, s.id),
    lambda s: (public_rooms(s), s.nsp, s.id),
)


class SocketTableModel(ColumnTableModel):
    """All shown sockets of every namespace but the admin one; sorting is the model's own."""

    def __init__(
        self, bridge: EventBridge, socket_filter: SocketFilter, parent: QObject | None = None
    ) -> None:
        super().__init__(COLUMNS, parent)
        self._bridge = bridge
        self._filter = socket_filter
        self._topology: Topology = bridge.topology
        self._column = CONNECTED_COLUMN
        self._descending = False
        self._rows: list[SocketKey] = []  # ascending by sort key
        self._keys: list[Any] = []  # the sort key of each row, same order
        self._key_of: dict[SocketKey, Any] = {}
        self._marked: dict[SocketKey, float] = {}
        self.removing = False  # see TreeModelBase.removing
        self._mark_timer = QTimer(self)
        self._mark_timer.setInterval(250)
        self._mark_timer.timeout.connect(self._unmark_expired)
        self.rebuild()

    # --- Qt -------------------------------------------------------------------------

    def row_count(self) -> int:
        return len(self._rows)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        key = self.key_at(index.row())
        if role == _DISPLAY:
            state = self._topology.socket(*key)
            return _CELLS[index.column()](state) if state is not None else None
        if role == _BACKGROUND:
            return MARK_COLOUR if key in self._marked else None
        if role == _PATH:
            return ("socket", key[0], None, key[1])
        if role == _TOOLTIP:
            state = self._topology.socket(*key)
            return socket_tooltip(state) if state is not None else None
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        keys_before = [self.key_at(index.row()) for index in before]
        self._column = column
        self._descending = order == Qt.SortOrder.DescendingOrder
        self._order(list(self._rows))
        after = [
            self.index(self.row_of(key), index.column())
            for key, index in zip(keys_before, before, strict=True)
        ]
        self.changePersistentIndexList(before, after)
        self.layoutChanged.emit()

    # --- lookups ----------------------------------------------------------------------

    def key_at(self, row: int) -> SocketKey:
        return self._rows[len(self._rows) - 1 - row if self._descending else row]

    def row_of(self, key: SocketKey) -> int:
        """The view row of a shown socket, or -1: a bisection on the kept sort key."""
        sort_key = self._key_of.get(key)
        if sort_key is None:
            return -1
        position = bisect_left(self._keys, sort_key)
        return self._view_row(position)

    def _view_row(self, position: int) -> int:
        return len(self._rows) - 1 - position if self._descending else position

    # --- building -----------------------------------------------------------------------

    def rebuild(self) -> None:
        self.beginResetModel()
        self._topology = topology = self._bridge.topology
        admin = self._bridge.admin_namespace
        accepts = self._filter.accepts
        self._marked.clear()
        shown = [
            (nsp, sid)
            for nsp in topology.namespaces()
            if nsp != admin
            for sid in self._sockets(nsp)
            if accepts(nsp, sid)
        ]
        self._order(shown)
        self.endResetModel()

    def _order(self, rows: list[SocketKey]) -> None:
        sort_key = _SORT_KEYS[self._column]
        topology = self._topology
        keyed = []
        for key in rows:
            state = topology.socket(*key)
            if state is not None:
                keyed.append((sort_key(state), key))
        keyed.sort()
        self._keys = [k for k, _ in keyed]
        self._rows = [key for _, key in keyed]
        self._key_of = {key: k for k, key in keyed}

    def _sockets(self, nsp: str) -> dict[str, SocketState]:
        ns = self._topology.namespace(nsp)
        return ns.sockets if ns is not None else {}

    # --- applying a batch -----------------------------------------------------------------

    def apply(self, changes: ChangeSet, flipped: set[SocketKey]) -> None:
        if changes.reset:
            self.rebuild()
            return
        admin = self._bridge.admin_namespace
        accepts = self._filter.accepts
        gone: list[SocketKey] = []
        new: list[SocketKey] = []
        changed: list[SocketKey] = []
        for nsp, group in changes.sockets.items():
            if nsp == admin:
                continue
            gone.extend((nsp, sid) for sid in group.removed if (nsp, sid) in self._key_of)
            new.extend((nsp, sid) for sid in group.added if accepts(nsp, sid))
            changed.extend((nsp, sid) for sid in group.updated if (nsp, sid) in self._key_of)
        for key in flipped:
            if key in self._key_of and not accepts(*key):
                gone.append(key)
            elif key not in self._key_of and accepts(*key) and key[0] != admin:
                new.append(key)
        if gone:
            self._remove(gone)
        if new:
            arrived = {(nsp, sid) for nsp, group in changes.sockets.items() for sid in group.added}
            self._insert(new, arrived)
        if changed:
            self._changed([self.row_of(key) for key in changed if key in self._key_of])

    def _remove(self, gone: list[SocketKey]) -> None:
        positions = [bisect_left(self._keys, self._key_of[key]) for key in gone]
        self.removing = True
        for first, last in reversed(list(runs(positions))):
            if self._descending:
                top = len(self._rows) - 1 - last
                self.beginRemoveRows(QModelIndex(), top, top + last - first)
            else:
                self.beginRemoveRows(QModelIndex(), first, last)
            for key in self._rows[first : last + 1]:
                del self._key_of[key]
                self._marked.pop(key, None)
            del self._rows[first : last + 1]
            del self._keys[first : last + 1]
            self.endRemoveRows()
        self.removing = False

    def _insert(self, new: list[SocketKey], arrived: set[SocketKey]) -> None:
        sort_key = _SORT_KEYS[self._column]
        keyed = []
        for key in new:
            state = self._topology.socket(*key)
            if state is not None and key not in self._key_of:
                keyed.append((sort_key(state), key))
        keyed.sort()
        final = [bisect_left(self._keys, k) + i for i, (k, _) in enumerate(keyed)]
        start = 0
        until = time.monotonic() + MARK_SECONDS
        while start < len(keyed):
            end = start
            while end + 1 < len(keyed) and final[end + 1] == final[end] + 1:
                end += 1
            first, count = final[start], end - start + 1
            top = len(self._rows) - first if self._descending else first
            self.beginInsertRows(QModelIndex(), top, top + count - 1)
            block = keyed[start : end + 1]
            self._keys[first:first] = [k for k, _ in block]
            self._rows[first:first] = [key for _, key in block]
            for k, key in block:
                self._key_of[key] = k
                if key in arrived:
                    self._marked[key] = until
            self.endInsertRows()
            start = end + 1
        if self._marked and not self._mark_timer.isActive():
            self._mark_timer.start()

    def _changed(self, rows: list[int], roles: list[int] | None = None) -> None:
        last_column = len(COLUMNS) - 1
        for first, last in runs(row for row in rows if row >= 0):
            top, bottom = self.index(first, 0), self.index(last, last_column)
            if roles is None:
                self.dataChanged.emit(top, bottom)
            else:
                self.dataChanged.emit(top, bottom, roles)

    def _unmark_expired(self) -> None:
        now = time.monotonic()
        expired = [key for key, until in self._marked.items() if until <= now]
        for key in expired:
            del self._marked[key]
        self._changed([self.row_of(key) for key in expired], [_BACKGROUND])
        if not self._marked:
            self._mark_timer.stop()
