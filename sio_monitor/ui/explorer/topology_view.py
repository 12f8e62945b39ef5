"""The explorer's views, one per grouping (rooms, sockets, clients, servers), kept across resets.

Only the grouping on screen follows the batches; the others are marked stale
and rebuilt when shown, so a hidden view costs nothing under load. A model
reset (a snapshot, a new filter, the private-room toggle) would collapse a
tree and drop its selection, so the view remembers expanded rows, the
selected row and the scroll position by path before a reset and puts them
back after it. Namespaces are expanded by default, never everything.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHeaderView,
    QStackedWidget,
    QTableView,
    QTreeView,
    QWidget,
)

from sio_monitor.domain.topology.changes import ChangeSet
from sio_monitor.domain.topology.filter_index import SocketFilter, SocketKey
from sio_monitor.qt.bridge import EventBridge
from sio_monitor.qt.models.clients_model import ClientsTreeModel
from sio_monitor.qt.models.server_table_model import ServerTableModel
from sio_monitor.qt.models.socket_table_model import CONNECTED_COLUMN, SocketTableModel
from sio_monitor.qt.models.topology_model import RoomsTreeModel
from sio_monitor.qt.models.tree_base import PATH_ROLE, TreeModelBase
from sio_monitor.qt.timers import coalescing_timer

GROUPINGS = (
    ("rooms", "Rooms"),
    ("sockets", "Sockets by namespace"),
    ("clients", "Engine clients"),
    ("servers", "Servers"),
)
SOCKET_GROUPINGS = ("sockets", "clients")
DEVELOPMENT_ONLY = "Needs the server's development mode: production mode sends no sockets."


def _tree(name: str) -> QTreeView:
    view = QTreeView(objectName=name)
    view.setUniformRowHeights(True)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    view.setAllColumnsShowFocus(True)
    return view


def _table(name: str) -> QTableView:
    view = QTableView(objectName=name)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    view.setWordWrap(False)
    vertical = view.verticalHeader()
    vertical.hide()
    vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # no per-row measuring
    vertical.setDefaultSectionSize(view.fontMetrics().height() + 8)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class _TreeState:
    """Expanded paths, collapsed namespaces, the selected path and the scroll offset of a tree."""

    def __init__(self, view: QTreeView, model: TreeModelBase, expand_top: bool) -> None:
        self._view = view
        self._model = model
        self._expand_top = expand_top
        self._expanded: list[tuple[Any, ...]] = []
        self._collapsed_top: set[tuple[Any, ...]] = set()
        self._selected: tuple[Any, ...] | None = None
        self._scroll = 0
        self._restore_scroll = coalescing_timer(
            view, None, lambda: view.verticalScrollBar().setValue(self._scroll)
        )
        model.modelAboutToBeReset.connect(self.save)
        model.modelReset.connect(self.restore)
        model.rowsInserted.connect(self._inserted)

    def save(self) -> None:
        view, model = self._view, self._model
        self._expanded = []
        self._collapsed_top = set()
        stack = [QModelIndex()]
        while stack:
            parent = stack.pop()
            for row in range(model.rowCount(parent)):
                index = model.index(row, 0, parent)
                if not model.hasChildren(index):
                    continue
                path = model.data(index, PATH_ROLE)
                if view.isExpanded(index):
                    self._expanded.append(path)
                    stack.append(index)
                elif not parent.isValid():
                    self._collapsed_top.add(path)
        current = view.selectionModel().currentIndex() if view.selectionModel() else None
        self._selected = model.data(current, PATH_ROLE) if current and current.isValid() else None
        self._scroll = view.verticalScrollBar().value()

    def restore(self) -> None:
        view, model = self._view, self._model
        if self._expand_top:
            for row in range(model.rowCount()):
                index = model.index(row, 0)
                if model.data(index, PATH_ROLE) not in self._collapsed_top:
                    view.setExpanded(index, True)
        for path in self._expanded:
            index = model.index_of_path(path)
            if index.isValid():
                view.setExpanded(index, True)
        if self._selected is not None:
            index = model.index_of_path(self._selected)
            if index.isValid():
                view.selectionModel().setCurrentIndex(
                    index,
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
        self._restore_scroll.start(0)

    def _inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        if self._expand_top and not parent.isValid():
            for row in range(first, last + 1):
                self._view.setExpanded(self._model.index(row, 0), True)


class TopologyView(QStackedWidget):
    """The four groupings; ``selection_changed(path)`` and ``context_menu_requested(path, pos)``."""

    selection_changed = Signal(object)  # a model path tuple, or None
    context_menu_requested = Signal(object, QPoint)  # path, global position

    def __init__(
        self, bridge: EventBridge, socket_filter: SocketFilter, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.rooms_model = RoomsTreeModel(bridge, socket_filter, self)
        self.socket_model = SocketTableModel(bridge, socket_filter, self)
        self.clients_model = ClientsTreeModel(bridge, socket_filter, self)
        self.server_model = ServerTableModel(bridge, self)

        self.tree = _tree("topologyView")
        self.table = _table("socketTable")
        self.clients = _tree("clientsView")
        self.servers = _table("serverTable")
        self.table.setSortingEnabled(True)
        self.servers.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self._views: dict[str, QAbstractItemView] = {
            "rooms": self.tree,
            "sockets": self.table,
            "clients": self.clients,
            "servers": self.servers,
        }
        self._models = {
            "rooms": self.rooms_model,
            "sockets": self.socket_model,
            "clients": self.clients_model,
            "servers": self.server_model,
        }
        self._quiet = False
        self._lost: str | None = None  # the grouping whose current row was just removed
        for name, view in self._views.items():
            model = self._models[name]
            view.setModel(model)
            view.selectionModel().currentRowChanged.connect(
                lambda current, _previous, name=name: self._current_changed(name, current)
            )
            model.rowsRemoved.connect(lambda *_, name=name: self._rows_left(name))
            view.customContextMenuRequested.connect(self._context_menu)
            self.addWidget(view)
        self.table.sortByColumn(CONNECTED_COLUMN, Qt.SortOrder.AscendingOrder)
        self._states = [
            _TreeState(self.tree, self.rooms_model, expand_top=True),
            _TreeState(self.clients, self.clients_model, expand_top=False),
        ]
        self._size_columns()
        self.grouping = "rooms"
        self._production = False
        self._stale: set[str] = set()

        self.grouping_selector = QComboBox(objectName="groupingSelector")
        for key, label in GROUPINGS:
            self.grouping_selector.addItem(label, key)
        self.grouping_selector.currentIndexChanged.connect(
            lambda i: self.set_grouping(self.grouping_selector.itemData(i))
        )
        self.private_toggle = QCheckBox("Private rooms", objectName="showPrivateRooms")
        self.private_toggle.setToolTip("Show each socket's own id-room")
        self.private_toggle.toggled.connect(self.rooms_model.set_show_private)
        self._restore_layout_expansion()

    def _size_columns(self) -> None:
        self.tree.setColumnWidth(0, 230)
        self.clients.setColumnWidth(0, 290)
        for view in (self.tree, self.clients):
            view.setColumnWidth(1, 80)
            view.setColumnWidth(2, 110)
        widths = (190, 90, 80, 120, 120)
        for column, width in enumerate(widths):
            self.table.setColumnWidth(column, width)
        for column, width in enumerate((150, 120, 110, 70, 70, 80)):
            self.servers.setColumnWidth(column, width)

    def _restore_layout_expansion(self) -> None:
        for row in range(self.rooms_model.rowCount()):
            self.tree.setExpanded(self.rooms_model.index(row, 0), True)

    # --- public API -------------------------------------------------------------------

    @property
    def current_view(self) -> QAbstractItemView:
        return self._views[self.grouping]

    def set_grouping(self, grouping: str) -> None:
        if grouping not in self._views:
            return
        self.grouping = grouping
        index = self.grouping_selector.findData(grouping)
        if self.grouping_selector.currentIndex() != index:
            self.grouping_selector.setCurrentIndex(index)
        if grouping in self._stale:
            self._stale.discard(grouping)
            self._models[grouping].rebuild()
        self.server_model.set_live(grouping == "servers")
        self.private_toggle.setEnabled(grouping == "rooms" and not self._production)
        self.setCurrentWidget(self._views[grouping])
        self._current_changed(grouping, self.current_view.currentIndex())

    def set_production(self, production: bool) -> None:
        """Socket groupings have nothing to show in production mode: grey them out, say why."""
        self._production = production
        model = self.grouping_selector.model()
        for key in SOCKET_GROUPINGS:
            item = model.item(self.grouping_selector.findData(key))
            item.setEnabled(not production)
            item.setToolTip(DEVELOPMENT_ONLY if production else "")
        self.private_toggle.setEnabled(not production and self.grouping == "rooms")
        self.private_toggle.setToolTip(
            DEVELOPMENT_ONLY if production else "Show each socket's own id-room"
        )
        if production and self.grouping in SOCKET_GROUPINGS:
            self.set_grouping("rooms")

    def apply(self, changes: ChangeSet, flipped: set[SocketKey]) -> None:
        """Bring the shown grouping up to date; the hidden ones only note that they are behind."""
        for name, model in self._models.items():
            if name != self.grouping:
                self._stale.add(name)
            elif name == "servers":
                self.server_model.apply(changes)
            else:
                model.apply(changes, flipped)  # type: ignore[attr-defined]

    def refilter(self) -> None:
        """A new pattern: rebuild what is shown, and leave the rest for when it is shown."""
        for name in ("rooms", "sockets", "clients"):
            if name == "rooms" and self.grouping == "rooms":
                self.rooms_model.refilter()
            elif name == self.grouping:
                self._models[name].rebuild()
            else:
                self._stale.add(name)

    def selected_path(self) -> tuple[Any, ...] | None:
        index = self.current_view.currentIndex()
        return index.data(PATH_ROLE) if index.isValid() else None

    def select_path(self, path: tuple[Any, ...]) -> bool:
        model = self._models[self.grouping]
        if isinstance(model, TreeModelBase):
            index = model.index_of_path(path)
        elif isinstance(model, SocketTableModel) and path[0] == "socket":
            row = model.row_of((path[1], path[3]))
            index = model.index(row, 0) if row >= 0 else QModelIndex()
        else:
            index = QModelIndex()
        if not index.isValid():
            return False
        view = self.current_view
        view.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        view.scrollTo(index)
        return True

    # --- signals out --------------------------------------------------------------------

    def _rows_left(self, grouping: str) -> None:
        """When the selected row went away, select nothing rather than Qt's neighbour.

        The details panel keeps showing what was selected (a socket that just
        disconnected says so) instead of jumping to an unrelated socket.
        """
        if self._lost != grouping:
            return
        self._lost = None
        self._quiet = True
        self._views[grouping].selectionModel().clear()
        self._quiet = False

    def _current_changed(self, grouping: str, current: QModelIndex) -> None:
        if grouping != self.grouping or self._quiet:
            return
        if getattr(self._models[grouping], "removing", False):
            self._lost = grouping  # Qt moved the current row off a removed one
            return
        self.selection_changed.emit(current.data(PATH_ROLE) if current.isValid() else None)

    def _context_menu(self, position: QPoint) -> None:
        view = self.current_view
        index = view.indexAt(position)
        if index.isValid():
            self.context_menu_requested.emit(
                index.data(PATH_ROLE), view.viewport().mapToGlobal(position)
            )
