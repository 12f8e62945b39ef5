"""The topology explorer driven as a user would, offscreen, fed through the real bridge."""

from __future__ import annotations

import asyncio
import json
import random
import time
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from sio_monitor.domain.events import (
    AllSocketsReceived,
    ConfigReceived,
    RoomJoined,
    SocketConnected,
    SocketDisconnected,
    SocketInfo,
)
from sio_monitor.qt.action_runner import ActionRunner
from sio_monitor.qt.loop import BatchedQEventLoop
from sio_monitor.qt.models.tree_base import PATH_ROLE
from sio_monitor.qt.session import MonitorSession
from sio_monitor.ui.explorer.explorer import TopologyExplorer
from tests.qt.explorer_feed import (
    DEV,
    PROD,
    T0,
    connected,
    feed,
    outline,
    sock,
    stats,
)
from tests.qt.screens import save_screenshot

USERS = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
         "ivan", "judy", "mallory", "niaj", "olivia", "peggy", "rupert", "sybil")  # fmt: skip
AGENTS = (
    "DemoChat/2.4.1 (Android 14; Pixel 8)",
    "DemoChat/2.4.0 (iOS 17.5; iPhone15,2)",
    "DemoChat-Web/5.1 (X11; Linux x86_64) Firefox/128.0",
    "DemoChat-Desktop/1.9.3 (Windows NT 10.0; Win64; x64)",
)
CHAT_ROOMS = ("lobby", "general", "random", "support")


def realistic_sockets() -> list[SocketInfo]:
    """Three namespaces, a dozen rooms, 40 sockets: what a small chat deployment looks like."""
    rng = random.Random(3)
    sockets: list[SocketInfo] = []
    for n in range(16):
        user = USERS[n]
        engine = f"{rng.getrandbits(48):012x}"
        at = T0 - rng.randint(30, 5000)
        common = {
            "client": engine,
            "agent": AGENTS[n % len(AGENTS)],
            "address": f"::ffff:10.20.{n // 8}.{10 + n}",
            "at": at,
            "query": {"EIO": "4", "transport": "websocket", "token": f"t-{user}"},
        }
        data = {"user": user, "role": "moderator" if n % 5 == 0 else "member",
                "prefs": {"theme": "dark" if n % 2 else "light", "lang": "en"}}  # fmt: skip
        rooms = ("lobby", *rng.sample(CHAT_ROOMS[1:], rng.randint(0, 2)))
        if n % 6 == 0:
            rooms = (*rooms, "team:ops")
        sockets.append(sock(f"{engine[:6]}chat{n:02d}", "/chat", *rooms, data=data, **common))
        sockets.append(sock(f"{engine[:6]}root{n:02d}", "/", data={}, **common))
        if n % 2 == 0:
            sockets.append(sock(f"{engine[:6]}ntf{n:02d}", "/notifications", f"user:{user}",
                                data={"user": user}, **common))  # fmt: skip
    sockets.append(sock("monitor00000000", "/admin", client="monitor-engine"))
    return sockets


@pytest.fixture
def session() -> MonitorSession:
    return MonitorSession()


class Clock:
    """The action runner's clock, moved by hand: no test waits for an action's deadline."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def explorer(qtbot: QtBot, session: MonitorSession, clock: Clock) -> TopologyExplorer:
    runner = ActionRunner(session, clock=clock)
    widget = TopologyExplorer(session, runner=runner)
    runner.status_message.connect(widget.status_message)  # as the workspace says them
    qtbot.addWidget(widget)
    widget.resize(1180, 640)
    widget.show()
    return widget


def load(explorer: TopologyExplorer, features: frozenset[str] = DEV) -> list[SocketInfo]:
    sockets = realistic_sockets()
    feed(
        explorer.session.bridge,
        ConfigReceived(features, time.time()),
        stats("node-a", {"/": 16, "/chat": 16, "/notifications": 8, "/admin": 1}, clients=17),
        AllSocketsReceived(tuple(sockets), time.time()),
    )
    return sockets


def select(explorer: TopologyExplorer, path: tuple[Any, ...]) -> None:
    assert explorer.view.select_path(path), path


def chat_member(sockets: list[SocketInfo], n: int) -> SocketInfo:
    return next(s for s in sockets if s.nsp == "/chat" and s.id.endswith(f"chat{n:02d}"))


def test_realistic_topology_screenshot(explorer: TopologyExplorer, qtbot: QtBot) -> None:
    sockets = load(explorer)
    alice = chat_member(sockets, 0)
    select(explorer, ("socket", "/chat", "lobby", alice.id))
    assert explorer.details.current == ("socket", "/chat", alice.id)
    qtbot.wait(50)
    save_screenshot(explorer, "topology_explorer")


def rooms_of(explorer: TopologyExplorer, nsp: str) -> list[str]:
    model = explorer.view.rooms_model
    parent = model.index_of_path(("ns", nsp))
    return [model.index(r, 0, parent).data() for r in range(model.rowCount(parent))]


def test_tree_shows_namespaces_expanded_rooms_with_counts_and_hides_admin(
    explorer: TopologyExplorer,
) -> None:
    load(explorer)
    model, tree = explorer.view.rooms_model, explorer.view.tree
    top = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert top == ["/ (16)", "/chat (16)", "/notifications (8)"]
    assert all(tree.isExpanded(model.index(r, 0)) for r in range(model.rowCount()))
    lobby = model.index_of_path(("room", "/chat", "lobby"))
    assert not tree.isExpanded(lobby)
    assert rooms_of(explorer, "/chat")[:2] == ["general (1)", "lobby (16)"]
    assert rooms_of(explorer, "/") == ["(no room) (16)"]
    assert tree.uniformRowHeights()
    assert explorer.filter_count.text() == "40 sockets"


def test_private_room_toggle_shows_id_rooms(explorer: TopologyExplorer, qtbot: QtBot) -> None:
    load(explorer)
    toggle = explorer.view.private_toggle
    assert not toggle.isChecked()
    toggle.click()
    assert len(rooms_of(explorer, "/")) == 16
    assert all(name.endswith("(1)") for name in rooms_of(explorer, "/"))
    toggle.click()
    assert rooms_of(explorer, "/") == ["(no room) (16)"]


def test_groupings_switch_between_rooms_sockets_clients_and_servers(
    explorer: TopologyExplorer, qtbot: QtBot
) -> None:
    load(explorer)
    view, selector = explorer.view, explorer.view.grouping_selector
    selector.setCurrentIndex(selector.findData("sockets"))
    assert view.currentWidget() is view.table
    table = view.socket_model
    assert table.rowCount() == 40
    assert [table.headerData(c, Qt.Orientation.Horizontal) for c in range(6)] == [
        "ID", "Namespace", "Transport", "Address", "Connected since", "Rooms"
    ]  # fmt: skip
    view.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    assert table.index(0, 1).data() == "/notifications"
    feed(explorer.session.bridge, connected(sock("late", "/chat", "lobby")))
    assert table.rowCount() == 41
    selector.setCurrentIndex(selector.findData("clients"))
    assert view.currentWidget() is view.clients
    clients = view.clients_model
    assert clients.rowCount() == 17  # 16 users and "late"; the monitor's own one is not listed
    assert clients.index(0, 0).data().endswith("(3 sockets)")
    selector.setCurrentIndex(selector.findData("servers"))
    servers = view.server_model
    assert [servers.index(0, c).data() for c in (0, 2, 3)] == ["node-a", "healthy", "17"]
    selector.setCurrentIndex(selector.findData("rooms"))
    assert "late" in str(outline(view.rooms_model))  # a hidden grouping catches up when shown


def test_production_mode_shows_servers_and_namespaces_and_says_why(
    explorer: TopologyExplorer,
) -> None:
    bridge = explorer.session.bridge
    feed(bridge, ConfigReceived(PROD, time.time()))
    feed(bridge, stats("api-1", {"/": 120, "/chat": 80}), stats("api-2", {"/chat": 45}))
    assert explorer.mode_note.isVisible()
    assert "development mode" in explorer.mode_note.text()
    assert outline(explorer.view.rooms_model) == [
        "/ (120)",
        ["api-1 (120)"],
        "/chat (125)",
        ["api-1 (80)", "api-2 (45)"],
    ]
    selector = explorer.view.grouping_selector
    item = selector.model().item(selector.findData("sockets"))
    assert not item.isEnabled() and "development mode" in item.toolTip()
    assert not explorer.filter_edit.isEnabled()
    assert not explorer.view.private_toggle.isEnabled()
    assert not explorer.filter_count.isVisible()
    feed(bridge, ConfigReceived(DEV, time.time()))
    assert not explorer.mode_note.isVisible() and item.isEnabled()


def test_live_changes_keep_selection_expansion_and_scroll(
    explorer: TopologyExplorer, qtbot: QtBot
) -> None:
    sockets = load(explorer)
    explorer.resize(1180, 360)
    view, model = explorer.view, explorer.view.rooms_model
    target = chat_member(sockets, 5)
    support = model.index_of_path(("room", "/chat", "support"))
    view.tree.setExpanded(support, True)
    select(explorer, ("socket", "/chat", "lobby", target.id))
    bar = view.tree.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)
    scroll = bar.value()
    bridge = explorer.session.bridge
    others = [s for s in sockets if s.nsp == "/chat" and s.id != target.id][:5]
    feed(
        bridge,
        *(
            connected(sock(f"new{i:02d}", "/chat", "lobby", "support", at=T0 + i))
            for i in range(30)
        ),
        *(SocketDisconnected("/chat", s.id, "transport close", time.time()) for s in others),
    )
    assert view.selected_path() == ("socket", "/chat", "lobby", target.id)
    assert view.tree.isExpanded(model.index_of_path(("room", "/chat", "support")))
    assert explorer.details.current == ("socket", "/chat", target.id)
    # a reset (new snapshot) re-reads everything and still puts the user back where they were
    feed(bridge, AllSocketsReceived(tuple(sockets), time.time()))
    qtbot.wait(10)
    assert view.selected_path() == ("socket", "/chat", "lobby", target.id)
    assert view.tree.isExpanded(model.index_of_path(("room", "/chat", "support")))
    assert view.tree.isExpanded(model.index_of_path(("ns", "/chat")))
    assert abs(bar.value() - scroll) <= 2 * view.tree.sizeHintForRow(0)


def test_filter_counts_matches_and_answers_ctrl_f_and_escape(
    explorer: TopologyExplorer, qtbot: QtBot
) -> None:
    sockets = load(explorer)
    explorer.activateWindow()
    qtbot.waitUntil(explorer.isActiveWindow, timeout=2000)
    explorer.view.tree.setFocus()
    qtbot.keyClick(explorer.view.tree, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert explorer.filter_edit.hasFocus()
    qtbot.keyClicks(explorer.filter_edit, "alice")
    assert explorer.filter_count.text() == "40 sockets"  # debounced: nothing yet
    qtbot.waitUntil(lambda: explorer.filter_count.text() == "3 of 40 sockets", timeout=2000)
    assert outline(explorer.view.rooms_model)[0:2] == [
        "/ (1 of 16)",
        ["(no room) (1 of 16)", [chat_member(sockets, 0).id.replace("chat", "root")]],
    ]
    explorer.filter_edit.setText("moderator")  # in data (JSON): users 0, 5, 10, 15 in /chat
    explorer.apply_filter()
    assert explorer.filter_count.text() == "4 of 40 sockets"
    explorer.filter_edit.setText("t-bob")  # a query value
    explorer.apply_filter()
    assert explorer.filter_count.text() == "2 of 40 sockets"
    qtbot.keyClick(explorer.filter_edit, Qt.Key.Key_Escape)
    assert explorer.filter_edit.text() == ""
    assert explorer.filter_count.text() == "40 sockets"


def test_going_to_the_filter_box_builds_the_search_strings_ahead(
    explorer: TopologyExplorer, qtbot: QtBot
) -> None:
    load(explorer)
    explorer.activateWindow()
    qtbot.waitUntil(explorer.isActiveWindow, timeout=2000)
    socket_filter = explorer.socket_filter
    explorer.filter_edit.setFocus(Qt.FocusReason.OtherFocusReason)  # not the user: nothing
    qtbot.wait(20)
    assert socket_filter.built == 0
    explorer.view.tree.setFocus()
    explorer.focus_filter()  # Ctrl+F
    qtbot.waitUntil(lambda: socket_filter.built == 40, timeout=2000)
    assert not explorer._preparing.isActive()
    assert explorer.filter_count.text() == "40 sockets"  # no pattern yet
    # a new snapshot drops them; the first character typed starts them again
    feed(explorer.session.bridge, AllSocketsReceived(tuple(realistic_sockets()), time.time()))
    assert socket_filter.built == 0
    qtbot.keyClicks(explorer.filter_edit, "a")
    qtbot.waitUntil(lambda: socket_filter.built == 40, timeout=2000)
    qtbot.waitUntil(lambda: explorer.filter_count.text() != "40 sockets", timeout=2000)


def test_details_show_every_field_as_plain_text(explorer: TopologyExplorer, qtbot: QtBot) -> None:
    load(explorer)
    markup = sock(
        "<b>sid</b>",
        "/chat",
        "<i>room</i>",
        agent="<img src=x onerror=alert(1)>Agent",
        data={"<u>key</u>": "<script>alert(1)</script>", "n": [1, 2, {"deep": True}]},
        query={"q": "<a href='x'>link</a>"},
    )
    feed(explorer.session.bridge, connected(markup))
    select(explorer, ("socket", "/chat", "<i>room</i>", "<b>sid</b>"))
    details = explorer.details
    fields = details.fields
    assert fields["ID"].text() == "<b>sid</b>"
    assert fields["User agent"].text() == "<img src=x onerror=alert(1)>Agent"
    assert all(label.textFormat() == Qt.TextFormat.PlainText for label in fields.values())
    assert details.title.textFormat() == Qt.TextFormat.PlainText
    assert fields["Address"].text() == "10.0.0.5"
    assert "(for " in fields["Connected since"].text()
    assert details.query.item(0, 1).text() == "<a href='x'>link</a>"
    headers = [details.headers.item(r, 0).text() for r in range(details.headers.rowCount())]
    assert headers == ["accept", "host", "user-agent"]
    rooms = [details.rooms.item(r, 0).text() for r in range(details.rooms.rowCount())]
    assert rooms == ["<b>sid</b>  (private)", "<i>room</i>"]
    data = details.data.topLevelItem(0)
    assert (data.text(0), data.text(1)) == ("<u>key</u>", '"<script>alert(1)</script>"')
    assert details.data.topLevelItem(1).child(2).child(0).text(1) == "true"
    tip = explorer.view.rooms_model.index_of_path(
        ("socket", "/chat", "<i>room</i>", "<b>sid</b>")
    ).data(Qt.ItemDataRole.ToolTipRole)
    assert "&lt;b&gt;sid&lt;/b&gt;" in tip and "<b>" not in tip
    details.copy_button.click()
    copied = json.loads(QGuiApplication.clipboard().text())
    assert copied["id"] == "<b>sid</b>" and copied["handshake"]["query"]["q"].startswith("<a")


def test_room_selection_shows_members_and_bulk_actions(explorer: TopologyExplorer) -> None:
    load(explorer)
    select(explorer, ("room", "/chat", "team:ops"))
    page = explorer.details.room_page
    assert explorer.details.current == ("room", "/chat", "team:ops")
    assert page.title.text() == "Room team:ops in /chat: 3 sockets"
    assert page.members.count() == 3
    assert all(b.isEnabled() for b in (page.emit_button, page.leave_button, page.disconnect_button))


def test_actions_are_disabled_with_the_reason_when_the_server_lacks_the_feature(
    explorer: TopologyExplorer,
) -> None:
    sockets = load(explorer, frozenset({"ALL_EVENTS", "JOIN", "LEAVE"}))
    select(explorer, ("socket", "/chat", "lobby", chat_member(sockets, 1).id))
    details = explorer.details
    assert details.join_button.isEnabled()
    assert not details.disconnect_button.isEnabled()
    assert "DISCONNECT" in details.disconnect_button.toolTip()
    assert not details.emit_button.isEnabled()
    feed(explorer.session.bridge, ConfigReceived(frozenset({"ALL_EVENTS"}), time.time()))
    assert not details.join_button.isEnabled()
    assert "read-only" in details.join_button.toolTip()
    leave = details.rooms.cellWidget(1, 1)
    assert isinstance(leave, QPushButton) and not leave.isEnabled()
    explorer._context_menu(
        ("room", "/chat", "lobby"), explorer.mapToGlobal(explorer.rect().center())
    )
    menu = explorer.menu
    assert menu is not None
    labels = {a.text(): a for a in menu.actions()}
    assert not labels["Disconnect all…"].isEnabled()
    assert "read-only" in labels["Disconnect all…"].toolTip()
    menu.close()
    select(explorer, ("socket", "/chat", "lobby", chat_member(sockets, 1).id))
    feed(explorer.session.bridge, ConfigReceived(DEV, time.time()))
    assert details.join_button.isEnabled()
    explorer.set_read_only(True)
    assert not details.join_button.isEnabled()
    assert "read-only mode" in details.join_button.toolTip()


@pytest.fixture
def sent(explorer: TopologyExplorer, app_loop: BatchedQEventLoop) -> list[tuple[Any, ...]]:
    """Commands the explorer sends, recorded instead of crossing the network."""
    commands: list[tuple[Any, ...]] = []

    async def fake_send(command: str, *args: object) -> None:
        commands.append((command, *args))

    explorer.session.send = fake_send  # type: ignore[method-assign]
    return commands


def settle(loop: BatchedQEventLoop, seconds: float = 0.02) -> None:
    loop.run_until_complete(asyncio.sleep(seconds))


def test_actions_send_the_right_commands_and_report_the_effect(
    explorer: TopologyExplorer, sent: list[tuple[Any, ...]], app_loop: BatchedQEventLoop
) -> None:
    sockets = load(explorer)
    messages: list[str] = []
    explorer.status_message.connect(messages.append)
    bob = chat_member(sockets, 1)
    select(explorer, ("socket", "/chat", "lobby", bob.id))
    details = explorer.details
    details.join_name.setText("vip")
    details.join_button.click()
    settle(app_loop)
    assert sent == [("join", "/chat", "vip", bob.id)]
    assert "waiting for its effect" in messages[-1]
    feed(explorer.session.bridge, RoomJoined("/chat", "vip", bob.id, time.time()))
    assert messages[-1] == f"Socket {bob.id} joined room 'vip'."
    details.disconnect_client_button.click()
    settle(app_loop)
    assert sent[-1] == ("_disconnect", "/chat", True, bob.id)
    feed(explorer.session.bridge, SocketDisconnected("/chat", bob.id, "server", time.time()))
    assert messages[-1] == f"Socket {bob.id} disconnected."
    assert details.title.text().endswith("disconnected")
    assert not details.disconnect_button.isEnabled()


def test_bulk_actions_ask_first_and_say_when_no_effect_shows(
    explorer: TopologyExplorer,
    sent: list[tuple[Any, ...]],
    app_loop: BatchedQEventLoop,
    clock: Clock,
) -> None:
    load(explorer)
    messages: list[str] = []
    explorer.status_message.connect(messages.append)
    explorer.runner.tracker.timeout = 0.2
    select(explorer, ("room", "/chat", "team:ops"))
    page = explorer.details.room_page
    page.disconnect_button.click()
    box = page.dialog
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "3 sockets" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    settle(app_loop)
    assert sent == []
    page.leave_button.click()
    yes = next(b for b in page.dialog.buttons() if b.text() == "Make all leave")
    yes.click()
    settle(app_loop)
    assert sent == [("leave", "/chat", "team:ops", "team:ops")]
    clock.advance(0.1)
    explorer.runner.check_deadlines()
    assert "waiting for its effect" in messages[-1]
    clock.advance(0.2)
    explorer.runner.check_deadlines()
    assert messages[-1].startswith("No effect observed within 0.2 s")
    page.emit_button.click()
    dialog = page.dialog
    dialog.event.setText("announce")
    dialog.arguments.setPlainText('["maintenance at 18:00", {"minutes": 5}]')
    dialog.try_accept()
    settle(app_loop)
    assert sent[-1] == (
        "emit", "/chat", "team:ops", "announce", "maintenance at 18:00", {"minutes": 5}
    )  # fmt: skip
    assert messages[-1].startswith("Sent: emit 'announce' to room 'team:ops'")


def test_a_failed_send_is_said_once(
    explorer: TopologyExplorer, app_loop: BatchedQEventLoop, clock: Clock
) -> None:
    sockets = load(explorer)
    messages: list[str] = []
    explorer.status_message.connect(messages.append)
    select(explorer, ("socket", "/chat", "lobby", chat_member(sockets, 2).id))
    explorer.runner.tracker.timeout = 0.1
    explorer.details.disconnect_button.click()  # the session is not connected
    settle(app_loop)
    clock.advance(0.2)
    explorer.runner.check_deadlines()  # the deadline passed: still said once
    assert len(messages) == 1
    assert messages[0].startswith("Could not disconnect socket")
    assert "connect first" in messages[0]


def test_the_tree_model_passes_the_model_tester_under_the_explorer(
    explorer: TopologyExplorer, qtmodeltester: Any
) -> None:
    qtmodeltester.check(explorer.view.rooms_model)
    sockets = load(explorer)
    explorer.view.private_toggle.click()
    feed(
        explorer.session.bridge,
        *(SocketDisconnected(s.nsp, s.id, "gone", time.time()) for s in sockets[:10]),
        SocketConnected(sock("x1", "/chat", "lobby"), time.time()),
    )
    assert explorer.view.rooms_model.index(0, 0, QModelIndex()).data(PATH_ROLE) == ("ns", "/")
