"""Markup from the network is text: every widget of the window shows it literally.

A hostile or merely odd server can name an event ``<img src=x>``, put
``<b>bold</b>`` in a room name or a link in a header. Qt reads such text as
rich text wherever it is allowed to guess (labels in auto format, every
tooltip, pyqtgraph's labels, which are HTML), so the test feeds markup through
the real bridge and the real probe session into a window, opens every view,
the details panes and the dialogs, and then walks every widget, item model
and chart item, checking what each one would put on screen.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator

import pyqtgraph as pg
import pytest
from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QPoint,
    Qt,
)
from PySide6.QtGui import Qt as QtGuiNamespace
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialog,
    QGraphicsTextItem,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QTabBar,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from sio_monitor.domain.emit.probe_events import (
    ProbeAckReceived,
    ProbeEmitted,
    ProbeEventReceived,
    ProbeState,
    ProbeStateChanged,
)
from sio_monitor.domain.events import (
    AggregatedBucket,
    AllSocketsReceived,
    ConfigReceived,
    ConnectionChanged,
    ConnectionState,
    EventReceived,
    EventSent,
    Handshake,
    NamespaceCount,
    PayloadRejected,
    RoomJoined,
    ServerStatsReceived,
    SocketConnected,
    SocketDisconnected,
    SocketInfo,
)
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.qt.probe_session import ProbeSession
from sio_monitor.qt.session import MonitorSession
from sio_monitor.ui.shell.main_window import MainWindow

IMG = "<img src=x>"
BOLD = "<b>bold</b>"
LINK = '<a href="http://x">link</a>'
MARKUP = f"{BOLD}{IMG}{LINK}"
NSP = "/chat"
SID = f"sid-{MARKUP}"
ROOM = f"room-{MARKUP}"
EVENT = f"event-{MARKUP}"
FEATURES = frozenset(
    {
        "ALL_EVENTS",
        "AGGREGATED_EVENTS",
        "EMIT",
        "JOIN",
        "LEAVE",
        "DISCONNECT",
        "MJOIN",
        "MLEAVE",
        "MDISCONNECT",
    }
)
DISPLAY = int(Qt.ItemDataRole.DisplayRole)
TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)


# --- what a widget puts on screen ------------------------------------------------------------


def might_be_rich(text: str) -> bool:
    return bool(QtGuiNamespace.mightBeRichText(text))


def as_shown(text: str, rich: bool) -> str:
    """The characters a user sees: rich text goes through Qt's HTML reader first."""
    if not rich:
        return text
    document = QTextDocument()
    document.setHtml(text)
    return document.toPlainText()


def read_as_markup(shown: str) -> bool:
    """True when the markers lost their tags on the way to the screen (or gained entities).

    An image becomes U+FFFC, ``<b>bold</b>`` becomes "bold", and an escaped
    string shown as plain text reads ``&lt;b&gt;bold``: each leaves a "bold" or
    a "link" without the tag that came with it.
    """
    return (
        "\ufffc" in shown
        or shown.count("bold") != shown.count("<b>bold")
        or shown.count("link") != shown.count('">link')
    )


class Walk:
    """Collects what each widget shows, the places where it is markup, and where it is literal."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.literal: set[str] = set()

    def text(self, place: str, what: str, text: object, rich: bool) -> None:
        if not isinstance(text, str) or not text:
            return
        shown = as_shown(text, rich)
        if read_as_markup(shown):
            self.problems.append(f"{place} {what}: {text[:160]!r}")
        elif BOLD in shown:
            self.literal.add(place)

    def tooltip(self, place: str, text: object) -> None:
        if isinstance(text, str):
            self.text(place, "tooltip", text, might_be_rich(text))

    def widget(self, widget: QWidget) -> None:
        place = place_of(widget)
        self.tooltip(place, widget.toolTip())
        self.tooltip(place, widget.statusTip())
        for action in widget.actions():
            self.text(place, "action", action.text(), False)
            # Without a tooltip of its own an action reports its text, which a menu never
            # shows as a tooltip (there are no toolbars): only a tooltip set on purpose counts.
            if action.toolTip() != action.text().replace("&&", "\0").replace("&", "").replace(
                "\0", "&"
            ):
                self.tooltip(place, action.toolTip())
        if isinstance(widget, QLabel):
            fmt = widget.textFormat()
            rich = fmt in (Qt.TextFormat.RichText, Qt.TextFormat.MarkdownText) or (
                fmt == Qt.TextFormat.AutoText and might_be_rich(widget.text())
            )
            self.text(place, "label", widget.text(), rich)
        elif isinstance(widget, QAbstractButton):
            self.text(place, "button", widget.text(), False)
        elif isinstance(widget, QLineEdit):
            self.text(place, "line edit", widget.text(), False)
        elif isinstance(widget, QTextEdit | QPlainTextEdit):
            self.text(place, "text", widget.toPlainText(), False)  # the document as rendered
        elif isinstance(widget, QGroupBox):
            self.text(place, "title", widget.title(), False)
        elif isinstance(widget, QComboBox):
            for index in range(widget.count()):
                self.text(place, "item", widget.itemText(index), False)
        elif isinstance(widget, QTabBar):
            for index in range(widget.count()):
                self.text(place, "tab", widget.tabText(index), False)
                self.tooltip(place, widget.tabToolTip(index))
        elif isinstance(widget, QHeaderView):
            return  # its model is the view's own, walked with the view
        elif isinstance(widget, QAbstractItemView) and widget.model() is not None:
            self.model(place, widget.model())
        elif isinstance(widget, pg.GraphicsView):
            for item in widget.scene().items():
                if isinstance(item, QGraphicsTextItem):
                    self.text(place, "chart text", item.toPlainText(), False)
                    self.tooltip(place, item.toolTip())

    def model(self, place: str, model: QAbstractItemModel, limit: int = 20_000) -> None:
        columns = column_count(model, QModelIndex())
        for section in range(columns):
            horizontal = Qt.Orientation.Horizontal
            self.text(place, "header", model.headerData(section, horizontal, DISPLAY), False)
            self.tooltip(place, model.headerData(section, horizontal, TOOLTIP))
        for count, index in enumerate(indexes(model)):
            if count >= limit:
                break
            display = index.data(DISPLAY)
            if display is not None and not isinstance(display, str | int | float):
                self.problems.append(f"{place} cell: display data is {type(display).__name__}")
            self.text(place, "cell", display, False)
            self.tooltip(place, index.data(TOOLTIP))

    def tree(self, root: QWidget) -> None:
        for widget in (root, *root.findChildren(QWidget)):
            self.widget(widget)


def indexes(model: QAbstractItemModel) -> Iterator[QModelIndex]:
    """Every index, depth first; only tree models are asked for children."""
    flat = isinstance(model, QAbstractTableModel | QAbstractListModel)
    parents = [QModelIndex()]
    while parents:
        parent = parents.pop()
        for row in range(model.rowCount(parent)):
            for column in range(column_count(model, parent)):
                index = model.index(row, column, parent)
                yield index
                if column == 0 and not flat and model.rowCount(index) > 0:
                    parents.append(index)


def column_count(model: QAbstractItemModel, parent: QModelIndex) -> int:
    """A list model hides ``columnCount`` from Python: it has one column, at the top only."""
    if isinstance(model, QAbstractListModel):
        return 0 if parent.isValid() else 1
    return model.columnCount(parent)


def place_of(widget: QWidget) -> str:
    """``Class#name`` of the widget and of its nearest named ancestors, for the failure list."""
    names = []
    current: QWidget | None = widget
    while current is not None and len(names) < 3:
        if current.objectName() or current is widget:
            names.append(f"{type(current).__name__}#{current.objectName()}")
        current = current.parentWidget()
    return " < ".join(names)


# --- the session ------------------------------------------------------------------------------


def markup_socket(sid: str, *rooms: str, at: float) -> SocketInfo:
    return SocketInfo(
        id=sid,
        client_id=f"client-{MARKUP}",
        nsp=NSP,
        transport="websocket",
        data={f"key-{MARKUP}": [MARKUP, {"nested": MARKUP}], "plain": 1},
        rooms=(sid, *rooms),
        handshake=Handshake(
            address=f"10.0.0.1{MARKUP}",
            headers={"user-agent": f"agent-{MARKUP}", "x-custom": f"header-{MARKUP}"},
            query={"q": f"query-{MARKUP}"},
            issued=at,
            url=f"/socket.io/?{MARKUP}",
        ),
        connected_at=at,
    )


def admin_events(now: float) -> list[object]:
    second = float(int(now) - 1)
    return [
        ConnectionChanged(ConnectionState.CONNECTED, f"Connected to {MARKUP}.", now),
        ConfigReceived(FEATURES, now),
        ServerStatsReceived(
            server_id=f"server-{MARKUP}",
            hostname=f"host-{MARKUP}",
            pid=42,
            uptime=12.0,
            clients_count=2,
            polling_clients_count=0,
            namespaces=(NamespaceCount(NSP, 2), NamespaceCount(f"/ns-{MARKUP}", 0)),
            aggregated=(
                AggregatedBucket(second, "packetsIn", 3),
                AggregatedBucket(second, "rawDisconnection", 1, sub_type=f"why-{MARKUP}"),
            ),
            at=now,
        ),
        AllSocketsReceived((markup_socket(SID, ROOM, at=now - 5),), now),
        SocketConnected(markup_socket(f"other-{MARKUP}", at=now - 1), now),
        RoomJoined(NSP, f"joined-{MARKUP}", SID, now),
        EventReceived(NSP, SID, EVENT, (MARKUP, {MARKUP: [MARKUP]}), now),
        EventSent(NSP, SID, EVENT, (f"sent-{MARKUP}",), now),
        SocketDisconnected(NSP, f"other-{MARKUP}", f"reason-{MARKUP}", now),
        PayloadRejected(f"rejected-{MARKUP}", f"because {MARKUP}", now),
    ]


def probe_events(now: float) -> list[object]:
    return [
        ProbeStateChanged(
            ProbeState.CONNECTED, f"Probe connected: {MARKUP}", now, sid=SID, namespaces=("/",)
        ),
        ProbeEventReceived("/", EVENT, (MARKUP, {MARKUP: [MARKUP]}), now, acked_with=(MARKUP,)),
        ProbeEmitted(1, "/", EVENT, (MARKUP,), now, ack_timeout=5.0),
        ProbeAckReceived(1, (f"ack-{MARKUP}",), 12.5, now),
    ]


@pytest.fixture
def window(qtbot: QtBot) -> MainWindow:
    window = MainWindow(MonitorSession(), probe=ProbeSession())
    qtbot.addWidget(window)
    window.resize(1200, 760)
    window.show()
    window.remember(ConnectionSettings("http://127.0.0.1:3000"))
    now = time.time()
    for event in admin_events(now):
        window.session.bridge.sink(event)  # type: ignore[arg-type]
    window.session.bridge.flush()
    for event in probe_events(now):
        window.probe.sink(event)
    window.probe.flush()
    window.overview.refresh()
    return window


def walk_views(window: MainWindow) -> Walk:
    """Show every view with something selected, walking the window at each step."""
    walk = Walk()
    now = time.time()
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        walk.tree(window)
    explorer = window.explorer
    window.show_tab("topology")
    for grouping in ("sockets", "clients", "servers", "rooms"):
        explorer.set_grouping(grouping)
        walk.tree(window)
    assert explorer.view.select_path(("socket", NSP, ROOM, SID))
    walk.tree(window)
    assert explorer.view.select_path(("room", NSP, ROOM))
    walk.tree(window)
    window.show_tab("throughput")
    charts = window.charts
    charts.sample(now=now)
    charts.toggle_event_name(EVENT)
    charts.redraw(now=now)
    for plot in charts.plots.values():
        plot.show_readout(now)
    walk.tree(window)
    window.show_tab("emit")
    listen = window.emit_console.listen
    for row in range(listen.model.rowCount()):
        listen.table.selectRow(row)
        walk.tree(window)
    window.show_tab("log")
    log = window.current.event_log
    for row in range(log.model.rowCount()):
        log.table.selectRow(row)
        walk.tree(window)
    return walk


def test_every_view_shows_network_markup_literally(window: MainWindow) -> None:
    walk = walk_views(window)
    assert not walk.problems, "\n".join(sorted(set(walk.problems)))
    expected = {
        "serversTable",  # overview: hostnames
        "namespacesTable",
        "topologyView",  # the tree, its tooltips included, and the other groupings
        "socketTable",
        "clientsView",
        "serverTable",
        "fieldId",  # the socket's fields
        "fieldUserAgent",
        "socketHeaders",
        "socketQuery",
        "socketRooms",
        "socketData",
        "roomTitle",  # the room page
        "roomMembers",
        "topEventsTable",  # throughput: busiest names, reasons, legends and readouts
        "disconnectReasonsTable",
        "throughputPlots",
        "chartServer",
        "emitLog",  # the probe's log and its details
        "emitDetails",
        "probeState",
        "eventLogTable",  # the log and its details
        "eventLogDetails",
        "connectionState",  # the status bar
    }
    seen = " ".join(sorted(walk.literal))
    missing = sorted(name for name in expected if f"#{name}" not in seen)
    assert missing == [], f"no literal markup found in {missing}; found in {sorted(walk.literal)}"


def test_status_bar_and_connection_tab_show_markup_literally(window: MainWindow) -> None:
    walk = Walk()
    walk.tree(window)
    assert MARKUP in window.state_label.text()
    assert window.rejected_label.isVisible()
    tip = window.rejected_label.toolTip()
    assert as_shown(tip, might_be_rich(tip)) == f"Last: rejected-{MARKUP}: because {MARKUP}"
    tab_tip = window.connections.tabToolTip(0)
    assert as_shown(tab_tip, might_be_rich(tab_tip)) == f"Connected to {MARKUP}."
    assert not walk.problems, "\n".join(sorted(set(walk.problems)))


def test_chart_legends_name_events_literally(window: MainWindow) -> None:
    window.show_tab("throughput")
    charts = window.charts
    now = time.time()
    charts.sample(now=now)
    charts.toggle_event_name(EVENT)
    charts.redraw(now=now)
    labels = [
        label.item.toPlainText()
        for plot in charts.plots.values()
        if plot.legend is not None
        for _sample, label in plot.legend.items
    ]
    assert f"{EVENT} (in+out)" in labels
    walk = Walk()
    walk.tree(charts)
    assert not walk.problems, "\n".join(sorted(set(walk.problems)))


def open_dialogs() -> list[QWidget]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()]


def walk_dialogs(walk: Walk) -> list[QWidget]:
    dialogs = open_dialogs()
    for dialog in dialogs:
        walk.tree(dialog)
        walk.text(place_of(dialog), "window title", dialog.windowTitle(), False)
    return dialogs


def close_all(dialogs: Iterable[QWidget]) -> None:
    for dialog in dialogs:
        dialog.close()


def test_action_dialogs_name_sockets_and_rooms_literally(window: MainWindow) -> None:
    explorer = window.explorer
    window.show_tab("topology")
    walk = Walk()
    assert explorer.view.select_path(("socket", NSP, ROOM, SID))
    details = explorer.details
    details.emit_button.click()
    shown = walk_dialogs(walk)
    assert any(SID in label.text() for d in shown for label in d.findChildren(QLabel))
    close_all(shown)
    explorer._context_menu(("socket", NSP, ROOM, SID), QPoint(10, 10))
    menus = [explorer.menu, *explorer.menu.findChildren(QMenu)]
    leave = [a.text() for m in menus for a in m.actions() if m.title() == "Leave room"]
    assert ROOM in leave
    for menu in menus:
        walk.widget(menu)
    explorer.menu.close()
    assert explorer.view.select_path(("room", NSP, ROOM))
    page = details.room_page
    for button in (page.emit_button, page.leave_button, page.disconnect_button):
        assert button.isEnabled(), button.toolTip()
        button.click()
        shown = walk_dialogs(walk)
        assert shown, f"{button.text()} opened no dialog"
        boxes = [d for d in shown if isinstance(d, QMessageBox)]
        assert all(ROOM in box.text() for box in boxes)
        close_all(shown)
    assert not walk.problems, "\n".join(sorted(set(walk.problems)))
    assert walk.literal, "no dialog named the socket or the room"


def test_connect_dialog_shows_typed_markup_literally(window: MainWindow) -> None:
    settings = ConnectionSettings(
        f"http://example.test/{MARKUP}",
        username=f"user-{MARKUP}",
        headers={"X-Trace": f"trace-{MARKUP}"},
    )
    window.show_connect_dialog(settings)
    dialog = window.connect_dialog
    walk = Walk()
    dialogs = walk_dialogs(walk)
    assert dialog in dialogs
    assert not walk.problems, "\n".join(sorted(set(walk.problems)))
    assert walk.literal, "the dialog shows none of the settings it was filled with"


def test_the_walk_catches_markup(qtbot: QtBot) -> None:
    """The check itself: rich labels and tooltips with raw markup are caught, plain ones pass."""
    rich = QLabel(MARKUP)
    plain = QLabel(MARKUP)
    plain.setTextFormat(Qt.TextFormat.PlainText)
    tipped = QLabel("x")
    tipped.setToolTip(f"tip {MARKUP}")
    escaped = QLabel("&lt;b&gt;bold&lt;/b&gt;")
    escaped.setTextFormat(Qt.TextFormat.PlainText)
    for label in (rich, plain, tipped, escaped):
        qtbot.addWidget(label)
    walk = Walk()
    for label in (rich, plain, tipped, escaped):
        walk.widget(label)
    assert len(walk.problems) == 3, walk.problems  # rich, the tooltip, the double escape
    assert walk.literal == {place_of(plain)}
    legend_walk = Walk()
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    plot.addLegend()
    plot.plot([0, 1], [0, 1], name=MARKUP)  # a legend label is HTML: unescaped, it is caught
    legend_walk.widget(plot)
    assert len(legend_walk.problems) == 1, legend_walk.problems
