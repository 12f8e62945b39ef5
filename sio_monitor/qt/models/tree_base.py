"""A tree item model over long-lived nodes that applies keyed diffs in contiguous row blocks.

napari's adapter, grown to a tree: the subclasses say which children a parent
may have (``child_keys``), which of them to show (``wanted``) and how to build
one (``build``), and ``sync`` turns
the touched keys of a parent into one ``beginRemoveRows``/``beginInsertRows``
per contiguous run and one ``dataChanged`` per run of updated rows. Every
index carries a ``Node`` as its internal pointer (never a bare int) and the
model keeps every node in a dict, so Python never frees an object that Qt
still points at. Rows are renumbered lazily, once per changed parent.

A node built with ``defer`` gets its children only when Qt first asks for
them (Wireshark builds only what is shown): a collapsed room of 5,000
sockets costs one node, not 5,001, on a snapshot, a filter or under churn.
"""

from __future__ import annotations

import html
import time
from bisect import bisect_left
from collections.abc import Hashable, Iterable, Iterator
from types import MappingProxyType
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QColor

from sio_monitor.domain.topology.filter_index import SocketFilter, SocketKey
from sio_monitor.domain.topology.topology import Topology
from sio_monitor.qt.bridge import EventBridge

Index = QModelIndex | QPersistentModelIndex

#: How long a new socket stays tinted.
MARK_SECONDS = 2.0
MARK_COLOUR = QColor(255, 236, 179)  # a soft amber that reads on light and on dark text
#: Role under which every model answers the node's path (for selection, details, restore).
PATH_ROLE = Qt.ItemDataRole.UserRole + 1


_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_PATH = int(PATH_ROLE)
_ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_NO_FLAGS = Qt.ItemFlag.NoItemFlags
# Shared by every leaf (a socket row): never mutated, and two fewer objects per row to collect.
_LEAF: Any = ()
_NO_KEYS: Any = MappingProxyType({})


def plain_tooltip(text: str) -> str:
    """A tooltip that shows ``text`` literally: Qt guesses rich text in tooltips by itself."""
    return "<span>" + html.escape(text, quote=False).replace("\n", "<br>") + "</span>"


class Node:
    """One row: its key under its parent, its children in display order, its cached row."""

    __slots__ = (
        "by_key",
        "children",
        "count",
        "key",
        "kind",
        "parent",
        "path",
        "row",
        "rows_stale",
        "sort_key",
    )

    def __init__(
        self,
        kind: str,
        key: Hashable,
        path: tuple[Any, ...],
        sort_key: Any,
        parent: Node | None,
        leaf: bool = False,
    ) -> None:
        self.kind = kind
        self.key = key
        self.path = path
        self.sort_key = sort_key
        self.parent = parent
        #: Children in display order; None until a deferred node is first asked for them.
        self.children: list[Node] | None = _LEAF if leaf else []
        self.by_key: dict[Hashable, Node] = _NO_KEYS if leaf else {}
        self.count = 0  # for deferred nodes: rows they would have, when a subclass keeps it
        self.row = 0
        self.rows_stale = False

    def __repr__(self) -> str:
        return f"Node({self.kind}, {self.path!r})"


def runs(rows: Iterable[int]) -> Iterator[tuple[int, int]]:
    """Consecutive rows grouped as (first, last), in ascending order."""
    first = last = -2
    for row in sorted(rows):
        if row == last + 1:
            last = row
            continue
        if first >= 0:
            yield first, last
        first = last = row
    if first >= 0:
        yield first, last


class TreeModelBase(QAbstractItemModel):
    """Node bookkeeping, keyed-diff application and the new-row tint for the tree models."""

    COLUMNS: tuple[str, ...] = ("Name", "Transport", "Address", "Connected")

    def __init__(
        self, bridge: EventBridge, socket_filter: SocketFilter, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._filter = socket_filter
        self._topology: Topology = bridge.topology  # the one the rows were built from
        self._arrived: set[SocketKey] = set()  # sockets new in the batch being applied: tinted
        self._root = Node("root", None, (), None, None)
        self._nodes: dict[tuple[Any, ...], Node] = {}
        self._marked: dict[Node, float] = {}
        #: True while rows are being removed: views tell Qt's current-row shuffle from a click.
        self.removing = False
        self._mark_timer = QTimer(self)
        self._mark_timer.setInterval(250)
        self._mark_timer.timeout.connect(self._unmark_expired)

    # --- the Qt side -----------------------------------------------------------

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        node = parent.internalPointer() if parent.isValid() else self._root
        children = node.children if node.children is not None else self.materialize(node)
        if 0 <= row < len(children) and 0 <= column < len(self.COLUMNS):
            return self.createIndex(row, column, children[row])
        return QModelIndex()

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        node = index.internalPointer().parent
        if node is None or node is self._root:
            return QModelIndex()
        return self.createIndex(self._row_of(node), 0, node)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._root.children)
        if parent.column() != 0:
            return 0
        node = parent.internalPointer()
        children = node.children if node.children is not None else self.materialize(node)
        return len(children)

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        """Answered without building a deferred node's children: it has some, or it would not be."""
        if not parent.isValid():
            return bool(self._root.children)
        if parent.column() != 0:
            return False
        children = parent.internalPointer().children
        return children is None or bool(children)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.COLUMNS)
        ):
            return self.COLUMNS[section]
        return None

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        node: Node = index.internalPointer()
        if role == _DISPLAY:
            return self._text(node, index.column())
        if role == _BACKGROUND:
            return MARK_COLOUR if node in self._marked else None
        if role == _PATH:
            return node.path
        return self._other_role(node, role)

    def _text(self, node: Node, column: int) -> str | None:
        """What a cell shows."""
        raise NotImplementedError

    def _other_role(self, node: Node, role: int) -> Any:
        """Tooltips, colours: whatever a tree adds to text, the new-row tint and the path."""
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        # Asked for every row at every layout: a constant, not an enum "|" (a Python call).
        return _ROW_FLAGS if index.isValid() else _NO_FLAGS

    # --- lookups for views ---------------------------------------------------------

    def node_at(self, index: Index) -> Node | None:
        return index.internalPointer() if index.isValid() else None

    def index_of_path(self, path: tuple[Any, ...], column: int = 0) -> QModelIndex:
        node = self._nodes.get(path)
        if node is None:
            owner = self._nodes.get(self.owner_path(path) or ())
            if owner is not None and owner.children is None:
                self.materialize(owner)
                node = self._nodes.get(path)
        if node is None:
            return QModelIndex()
        return self.createIndex(self._row_of(node), column, node)

    # --- what subclasses provide ---------------------------------------------------

    def wanted(self, parent: Node, key: Hashable) -> bool:
        raise NotImplementedError

    def build(self, parent: Node, key: Hashable) -> Node:
        """A new node for ``key``, with its children in place or deferred (``defer``)."""
        raise NotImplementedError

    def child_keys(self, node: Node) -> Iterable[Hashable]:
        """Every key a deferred node may have children under (``wanted`` picks)."""
        return ()

    def owner_path(self, path: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """The path of the deferred node that would hold ``path``, to build it on demand."""
        return None

    # --- building ------------------------------------------------------------------

    def add_node(
        self,
        parent: Node,
        kind: str,
        key: Hashable,
        path: tuple[Any, ...],
        sort_key: Any,
        leaf: bool = False,
    ) -> Node:
        """Create and register a node; the caller puts it in the parent's children."""
        node = Node(kind, key, path, sort_key, parent, leaf)
        self._nodes[path] = node
        return node

    def fill(self, parent: Node, keys: Iterable[Hashable]) -> list[Node]:
        """Give a node not yet shown its children, sorted, without signals."""
        children = [self.build(parent, key) for key in keys if self.wanted(parent, key)]
        children.sort(key=_sort_key)
        parent.children = children
        parent.by_key = {child.key: child for child in children}
        parent.rows_stale = True
        return children

    def defer(self, node: Node) -> None:
        """Leave the node's children to be built when Qt first asks for them.

        Only for a node that has at least one child to show: ``hasChildren``
        says yes without looking.
        """
        node.children = None

    def materialize(self, node: Node) -> list[Node]:
        """Build a deferred node's children from the current state (no signals: Qt never
        counted them, so nothing it knows changes)."""
        return self.fill(node, self.child_keys(node))

    def mark_node(self, node: Node) -> None:
        """Tint a row for a while (a socket that just arrived); the timer clears it."""
        self._marked[node] = time.monotonic() + MARK_SECONDS
        if not self._mark_timer.isActive():
            self._mark_timer.start()

    def clear_nodes(self) -> None:
        """Forget every node; only between beginResetModel and endResetModel."""
        self._root.children = []
        self._root.by_key = {}
        self._nodes = {}
        self._marked.clear()
        self._mark_timer.stop()

    def _drop(self, node: Node) -> None:
        stack = [node]
        nodes, marked = self._nodes, self._marked
        while stack:
            current = stack.pop()
            nodes.pop(current.path, None)
            marked.pop(current, None)
            if current.children:
                stack.extend(current.children)

    # --- applying a diff -----------------------------------------------------------

    def _row_of(self, node: Node) -> int:
        parent = node.parent
        if parent is not None and parent.rows_stale:
            for row, child in enumerate(parent.children):
                child.row = row
            parent.rows_stale = False
        return node.row

    def _index(self, node: Node) -> QModelIndex:
        if node is self._root:
            return QModelIndex()
        return self.createIndex(self._row_of(node), 0, node)

    def sync(
        self,
        parent: Node,
        touched: Iterable[Hashable],
    ) -> list[Node]:
        """Make ``parent``'s children agree with ``wanted`` for the touched keys.

        Returns the children that stayed and were touched, so the caller can
        descend into them. A deferred parent has nothing to sync.
        """
        if parent.children is None:
            return []
        present = parent.by_key
        gone: list[Node] = []
        new: list[Hashable] = []
        kept: list[Node] = []
        for key in touched:
            node = present.get(key)
            if self.wanted(parent, key):
                if node is None:
                    new.append(key)
                else:
                    kept.append(node)
            elif node is not None:
                gone.append(node)
        if gone:
            self._remove(parent, gone)
        if new:
            self._insert(parent, new)
        if kept:
            self._changed(parent, kept)
        return kept

    def _remove(self, parent: Node, gone: list[Node]) -> None:
        parent_index = self._index(parent)
        rows = [self._row_of(node) for node in gone]
        self.removing = True
        for first, last in reversed(list(runs(rows))):
            self.beginRemoveRows(parent_index, first, last)
            for node in parent.children[first : last + 1]:
                del parent.by_key[node.key]
                self._drop(node)
            del parent.children[first : last + 1]
            parent.rows_stale = True
            self.endRemoveRows()
        self.removing = False

    def _insert(self, parent: Node, keys: list[Hashable]) -> None:
        parent_index = self._index(parent)
        fresh = sorted((self.build(parent, key) for key in keys), key=_sort_key)
        existing = [child.sort_key for child in parent.children]
        # Final row of each new node: the old rows sorting before it plus the new ones before it.
        final = [bisect_left(existing, node.sort_key) + i for i, node in enumerate(fresh)]
        start = 0
        while start < len(fresh):
            end = start
            while end + 1 < len(fresh) and final[end + 1] == final[end] + 1:
                end += 1
            first = final[start]
            self.beginInsertRows(parent_index, first, first + end - start)
            block = fresh[start : end + 1]
            parent.children[first:first] = block
            for node in block:
                parent.by_key[node.key] = node
            parent.rows_stale = True
            self.endInsertRows()
            start = end + 1

    def _changed(self, parent: Node, nodes: Iterable[Node], roles: list[int] | None = None) -> None:
        parent_index = self._index(parent)
        last_column = len(self.COLUMNS) - 1
        for first, last in runs(self._row_of(node) for node in nodes):
            top = self.index(first, 0, parent_index)
            bottom = self.index(last, last_column, parent_index)
            if roles is None:
                self.dataChanged.emit(top, bottom)
            else:
                self.dataChanged.emit(top, bottom, roles)

    def _unmark_expired(self) -> None:
        now = time.monotonic()
        expired = [node for node, until in self._marked.items() if until <= now]
        by_parent: dict[Node, list[Node]] = {}
        for node in expired:
            del self._marked[node]
            if node.parent is not None:
                by_parent.setdefault(node.parent, []).append(node)
        for parent, nodes in by_parent.items():
            self._changed(parent, nodes, [Qt.ItemDataRole.BackgroundRole])
        if not self._marked:
            self._mark_timer.stop()


def _sort_key(node: Node) -> Any:
    return node.sort_key
