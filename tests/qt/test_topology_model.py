"""The explorer's item models, fed through the real bridge and watched by Qt's model tester."""

from __future__ import annotations

import time
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from sio_monitor.domain.events import (
    AllSocketsReceived,
    ConfigReceived,
    RoomJoined,
    RoomLeft,
    SocketDisconnected,
    SocketUpdated,
)
from sio_monitor.domain.topology.filter_index import search_text
from sio_monitor.qt.bridge import EventBridge
from sio_monitor.qt.models import tree_base
from sio_monitor.qt.models.topology_model import RoomsTreeModel
from tests.qt.explorer_feed import (
    DEV,
    PROD,
    T0,
    Harness,
    connected,
    feed,
    outline,
    sock,
    stats,
)


def column(model: Any, col: int) -> list[str]:
    return [model.index(r, col).data() for r in range(model.rowCount())]


@pytest.fixture
def harness(qtmodeltester: ModelTester) -> Harness:
    h = Harness()
    h.feed(ConfigReceived(DEV, T0))
    for model in (h.rooms, h.clients, h.table, h.servers):
        qtmodeltester.check(model)
    return h


def chat(h: Harness) -> None:
    h.feed(
        connected(sock("a", "/chat", "lobby", at=T0 + 1)),
        connected(sock("b", "/chat", "lobby", "vip", at=T0 + 2)),
        connected(sock("c", "/chat", "general", at=T0 + 3)),
        connected(sock("d", "/", at=T0 + 4)),
        connected(sock("m", "/admin")),
    )


# --- the rooms tree -----------------------------------------------------------------


def test_closed_rooms_build_no_rows_until_opened(harness: Harness) -> None:
    chat(harness)
    model = harness.rooms
    lobby = model.index_of_path(("room", "/chat", "lobby"))
    assert model.node_at(lobby).children is None  # type: ignore[union-attr]
    assert model.hasChildren(lobby)
    harness.set_filter("eng-b")
    harness.feed(connected(sock("b2", "/chat", "lobby", client="eng-b2")))
    assert model.index_of_path(("room", "/chat", "lobby")).data() == "lobby (2 of 3)"
    assert model.index_of_path(("socket", "/chat", "lobby", "b2")).isValid()  # built on demand
    assert model.rowCount(model.index_of_path(("room", "/chat", "lobby"))) == 2


def test_rooms_tree_lists_namespaces_rooms_and_sockets_with_counts(harness: Harness) -> None:
    chat(harness)
    assert outline(harness.rooms) == [
        "/ (1)",
        ["(no room) (1)", ["d"]],
        "/chat (3)",
        ["general (1)", ["c"], "lobby (2)", ["a", "b"], "vip (1)", ["b"]],
    ]
    lobby = harness.rooms.index_of_path(("room", "/chat", "lobby"))
    a = harness.rooms.index(0, 2, lobby)
    assert a.data() == "10.0.0.5"  # Node's IPv4-mapped prefix is dropped for display
    assert harness.rooms.index(0, 1, lobby).data() == "websocket"


def test_private_rooms_show_on_request(harness: Harness) -> None:
    chat(harness)
    harness.rooms.set_show_private(True)
    tree = outline(harness.rooms)
    assert tree[0:2] == ["/ (1)", ["d (1)", ["d"]]]
    assert "a (1)" in tree[3] and "(no room) (1)" not in tree[1]


def test_live_changes_move_rows_in_one_block_per_parent(harness: Harness, qtbot: QtBot) -> None:
    chat(harness)
    inserted: list[tuple[Any, int, int]] = []
    removed: list[tuple[Any, int, int]] = []
    model = harness.rooms
    model.rowsInserted.connect(lambda p, f, la: inserted.append((p.data(), f, la)))
    model.rowsRemoved.connect(lambda p, f, la: removed.append((p.data(), f, la)))
    model.rowCount(model.index_of_path(("room", "/chat", "lobby")))  # opened, as a view does
    harness.feed(*(connected(sock(f"n{i}", "/chat", "lobby", at=T0 + 10 + i)) for i in range(10)))
    assert inserted == [("lobby (12)", 2, 11)]
    inserted.clear()
    harness.feed(
        *(SocketDisconnected("/chat", f"n{i}", "transport close", time.time()) for i in range(3, 7))
    )
    assert removed == [("lobby (8)", 5, 8)]
    harness.feed(RoomLeft("/chat", "vip", "b", time.time()), RoomJoined("/chat", "x", "c", T0))
    assert "vip (1)" not in str(outline(model))
    assert inserted == [("/chat (9)", 2, 2)]  # room x after general and lobby; vip is gone
    assert model.index_of_path(("socket", "/chat", "x", "c")).isValid()


def test_new_sockets_are_tinted_for_a_while(
    harness: Harness, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tree_base, "MARK_SECONDS", 0.3)
    harness.feed(AllSocketsReceived((sock("a", "/chat", "lobby"),), time.time()))
    lobby = harness.rooms.index_of_path(("room", "/chat", "lobby"))
    assert harness.rooms.rowCount(lobby) == 1  # opened: rows in a closed room are not built
    harness.feed(connected(sock("new", "/chat", "lobby", at=T0 + 50)))
    index = harness.rooms.index_of_path(("socket", "/chat", "lobby", "new"))
    old = harness.rooms.index_of_path(("socket", "/chat", "lobby", "a"))
    assert index.data(Qt.ItemDataRole.BackgroundRole) is not None
    assert old.data(Qt.ItemDataRole.BackgroundRole) is None
    with qtbot.waitSignal(harness.rooms.dataChanged, timeout=2000):
        pass
    qtbot.waitUntil(lambda: index.data(Qt.ItemDataRole.BackgroundRole) is None, timeout=2000)


def test_snapshot_resets_and_production_shows_servers_per_namespace(harness: Harness) -> None:
    chat(harness)
    harness.feed(AllSocketsReceived((sock("z", "/chat", "room-9"),), time.time()))
    assert outline(harness.rooms) == ["/chat (1)", ["room-9 (1)", ["z"]]]
    harness.feed(
        ConfigReceived(PROD, time.time()),
        stats("node-a", {"/chat": 30, "/": 4, "/admin": 1}),
        stats("node-b", {"/chat": 12}),
    )
    assert outline(harness.rooms) == [
        "/ (4)",
        ["node-a (4)"],
        "/chat (42)",
        ["node-a (30)", "node-b (12)"],
    ]
    harness.feed(stats("node-b", {"/chat": 15}))
    assert outline(harness.rooms)[2:] == ["/chat (45)", ["node-a (30)", "node-b (15)"]]


def test_filter_keeps_matching_sockets_and_their_rooms(harness: Harness) -> None:
    chat(harness)
    harness.feed(
        SocketUpdated("/chat", "b", {"data": {"user": "Zoë", "plan": "gold"}}, time.time())
    )
    harness.set_filter("gold")
    assert outline(harness.rooms) == [
        "/ (0 of 1)",
        "/chat (1 of 3)",
        ["lobby (1 of 2)", ["b"], "vip (1 of 1)", ["b"]],
    ]
    assert harness.filter.counts() == (1, 4)
    harness.feed(connected(sock("e", "/chat", "general", data={"plan": "GOLD"})))
    assert "general (1 of 2)" in outline(harness.rooms)[2]
    harness.feed(SocketUpdated("/chat", "b", {"data": {"plan": "free"}}, time.time()))
    assert outline(harness.rooms)[2] == ["general (1 of 2)", ["e"]]
    assert column(harness.table, 0) == ["e"]
    assert outline(harness.clients) == ["eng-e (1 socket)", ["/chat  e"]]


def test_a_new_pattern_reads_only_the_rooms_of_matching_sockets(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat(harness)
    harness.feed(*(connected(sock(f"p{i}", "/chat", at=T0 + 10 + i)) for i in range(30)))
    harness.feed(*(connected(sock(f"r{i}", "/chat", f"room-{i}", at=T0 + 50)) for i in range(20)))
    model, topology = harness.rooms, harness.bridge.topology
    admitted: list[Any] = []
    admit = model._admit

    def counted(nsp: str, room: Any) -> bool:
        admitted.append(room)
        return admit(nsp, room)

    monkeypatch.setattr(model, "_admit", counted)

    def refilter(pattern: str) -> list[Any]:
        admitted.clear()
        harness.filter.set_pattern(topology, pattern)
        model.refilter()
        fresh = RoomsTreeModel(harness.bridge, harness.filter)  # every index read again
        fresh.set_show_private(model.show_private)
        assert outline(model) == outline(fresh), pattern
        return outline(model)

    assert refilter("eng-b") == [
        "/ (0 of 1)",
        "/chat (1 of 53)",
        ["lobby (1 of 2)", ["b"], "vip (1 of 1)", ["b"]],
    ]
    assert sorted(admitted) == ["lobby", "vip"]  # not the 73 others, 53 of them private
    # sockets in no room arrive between two patterns: the "(no room)" index follows them
    harness.feed(connected(sock("p30", "/chat", at=T0 + 60)), connected(sock("p31", "/")))
    harness.feed(RoomJoined("/chat", "room-0", "p0", T0))
    assert refilter("eng-p3") == [
        "/ (1 of 2)",
        ["(no room) (1 of 2)", ["p31"]],
        "/chat (2 of 54)",
        ["(no room) (2 of 30)", ["p3", "p30"]],
    ]
    assert refilter("eng-p0") == [
        "/ (0 of 2)",
        "/chat (1 of 54)",
        ["room-0 (1 of 2)", ["p0"]],
    ]
    assert admitted == ["room-0"]
    model.set_show_private(True)
    assert refilter("eng-b") == [
        "/ (0 of 2)",
        "/chat (1 of 54)",
        ["b (1 of 1)", ["b"], "lobby (1 of 2)", ["b"], "vip (1 of 1)", ["b"]],
    ]
    assert refilter("nothing-matches") == ["/ (0 of 2)", "/chat (0 of 54)"]
    assert admitted == []


def test_search_text_covers_every_field_a_user_may_type() -> None:
    bridge = EventBridge()
    info = sock("sid-1", "/chat", "lobby", agent="Firefox/128", query={"token": "Q-77"})
    feed(bridge, ConfigReceived(DEV, T0), connected(info))
    state = bridge.topology.socket("/chat", "sid-1")
    assert state is not None
    text = search_text(state)
    for needle in ("sid-1", "lobby", "10.0.0.5", "firefox/128", "q-77", "chat.example", "eng-sid"):
        assert needle in text


# --- the other groupings ---------------------------------------------------------------


def test_socket_table_sorts_and_stays_sorted_under_changes(harness: Harness) -> None:
    chat(harness)
    table = harness.table
    assert column(table, 0) == ["a", "b", "c", "d"]  # by connection time, the admin one left out
    assert table.index(1, 5).data() == "lobby, vip"
    table.sort(0, Qt.SortOrder.DescendingOrder)
    assert column(table, 0) == ["d", "c", "b", "a"]
    harness.feed(
        connected(sock("bb", "/chat", "lobby")),
        connected(sock("zz", "/")),
        SocketDisconnected("/chat", "c", "ping timeout", time.time()),
    )
    assert column(table, 0) == ["zz", "d", "bb", "b", "a"]
    table.sort(1, Qt.SortOrder.AscendingOrder)
    assert column(table, 1) == ["/", "/", "/chat", "/chat", "/chat"]
    assert table.row_of(("/chat", "bb")) == column(table, 0).index("bb")


def test_clients_tree_groups_sockets_by_engine_connection(harness: Harness) -> None:
    harness.feed(
        connected(sock("s1", "/", client="engine-1", at=T0 + 1)),
        connected(sock("s2", "/chat", "lobby", client="engine-1", at=T0 + 1)),
        connected(sock("s3", "/chat", client="engine-2", at=T0 + 2)),
        connected(sock("me", "/admin", client="monitor")),
    )
    assert outline(harness.clients) == [
        "engine-1 (2 sockets)",
        ["/  s1", "/chat  s2"],
        "engine-2 (1 socket)",
        ["/chat  s3"],
    ]
    harness.feed(SocketDisconnected("/", "s1", "client namespace disconnect", time.time()))
    assert outline(harness.clients)[0:2] == ["engine-1 (1 socket)", ["/chat  s2"]]


def test_server_table_shows_health_clients_and_uptime(harness: Harness) -> None:
    harness.feed(stats("node-b", {"/": 3}, clients=3), stats("node-a", {"/": 1, "/chat": 2}))
    servers = harness.servers
    assert column(servers, 0) == ["node-a", "node-b"]
    assert [servers.index(0, c).data() for c in (1, 2, 3, 4)] == [
        "host-node-a",
        "healthy",
        "3",
        "3",
    ]
    assert servers.index(0, 5).data() == "2h 01m"
    harness.feed(stats("node-0", {"/": 1}))
    assert column(servers, 0) == ["node-0", "node-a", "node-b"]


def test_models_survive_a_long_random_sequence(harness: Harness) -> None:
    """Qt's model tester watches every signal of this churn, across filters and resets."""
    import random

    rng = random.Random(7)
    rooms = ("lobby", "general", "random", "support")
    alive: list[tuple[str, str]] = []
    for step in range(60):
        events: list[object] = []
        for _ in range(rng.randint(1, 12)):
            roll = rng.random()
            if roll < 0.45 or not alive:
                sid, nsp = f"s{step}-{len(events)}", rng.choice(("/", "/chat"))
                picked = tuple(rng.sample(rooms, rng.randint(0, 2)))
                events.append(connected(sock(sid, nsp, *picked, client=f"e{rng.randint(0, 9)}")))
                alive.append((nsp, sid))
            elif roll < 0.7:
                nsp, sid = alive.pop(rng.randrange(len(alive)))
                events.append(SocketDisconnected(nsp, sid, "gone", time.time()))
            elif roll < 0.85:
                nsp, sid = rng.choice(alive)
                events.append(RoomJoined(nsp, rng.choice(rooms), sid, time.time()))
            else:
                nsp, sid = rng.choice(alive)
                events.append(RoomLeft(nsp, rng.choice(rooms), sid, time.time()))
        harness.feed(*events)
        if step % 15 == 7:
            harness.set_filter(rng.choice(("lobby", "e3", "", "s1")))
        if step == 30:
            harness.rooms.set_show_private(True)
        if step == 45:
            infos = [sock(sid, nsp, "lobby") for nsp, sid in alive[:20]]
            alive = [(i.nsp, i.id) for i in infos]
            harness.feed(AllSocketsReceived(tuple(infos), time.time()))
    harness.set_filter("")
    topology = harness.bridge.topology
    assert harness.table.rowCount() == topology.socket_count()
    shown = sum(harness.rooms.rowCount(harness.rooms.index(r, 0)) for r in range(2))
    assert shown == sum(topology.room_count(n, include_private=True) for n in ("/", "/chat"))
