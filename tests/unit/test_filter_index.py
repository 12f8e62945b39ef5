"""The socket filter's search strings: what they let a user find, and building them ahead."""

from __future__ import annotations

import json
from typing import Any

from sio_monitor.domain.events import (
    ConfigReceived,
    Handshake,
    SocketConnected,
    SocketDisconnected,
    SocketInfo,
)
from sio_monitor.domain.topology import filter_index
from sio_monitor.domain.topology.filter_index import SocketFilter, search_text
from sio_monitor.domain.topology.nodes import SocketState
from sio_monitor.domain.topology.topology import Topology

T0 = 1.7e9
DEV = frozenset({"ALL_EVENTS", "AGGREGATED_EVENTS"})


def info(sid: str, nsp: str = "/chat", *rooms: str, data: Any = None) -> SocketInfo:
    return SocketInfo(
        id=sid,
        client_id=f"eng-{sid}",
        nsp=nsp,
        transport="websocket",
        data=data if data is not None else {},
        rooms=(sid, *rooms),
        handshake=Handshake(
            address="::ffff:10.0.0.5",
            headers={"host": "chat.example:443", "user-agent": "Firefox/128 (X11; Linux)"},
            query={"EIO": "4", "token": "Q-77 secret"},
            issued=T0,
            url="/socket.io/",
        ),
        connected_at=T0,
    )


def topology_with(*sockets: SocketInfo) -> Topology:
    topology = Topology()
    topology.apply([ConfigReceived(DEV, T0), *(SocketConnected(s, T0) for s in sockets)])
    return topology


def spaced_text(state: SocketState) -> str:
    """The search string as the standard library's spaced JSON wrote it before."""
    handshake = state.info.handshake
    data = state.data
    text = "" if data is None or data == {} else json.dumps(data, ensure_ascii=False, default=str)
    return "\n".join(
        (
            state.info.id,
            state.info.client_id,
            "\n".join(state.rooms),
            handshake.address,
            "\n".join(handshake.headers.values()),
            "\n".join(handshake.query.values()),
            text,
        )
    ).lower()


DATA = [
    {"user": "Zoë", "plan": "Gold", "n": 12, "ok": True, "none": None},
    {"nested": {"list": [1, 2.5, {"deep": "Tief Unten"}], "empty": []}, "line": "a\nb"},
    {1: "int key", "quote": 'say "hi"', "tab": "x\ty"},
    ["a", "list", 3],
    "just a string",
    0,
    {"big": 2**70},
]


def test_search_text_finds_every_term_the_spaced_json_did() -> None:
    for n, data in enumerate(DATA):
        state = topology_with(info(f"s{n}", "/chat", "lobby", data=data)).socket("/chat", f"s{n}")
        assert state is not None
        text = search_text(state)
        for term in spaced_text(state).split():  # a typed term never holds whitespace
            assert term in text, (data, term)
        assert '"plan":"gold"' in text or n != 0  # and the compact form of a pair as well


def test_data_msgspec_refuses_is_still_searched() -> None:
    cycle: list[Any] = ["loop-marker"]
    cycle.append(cycle)
    assert "loop-marker" in filter_index.data_text(cycle)  # a bounded preview
    assert "tuple-key" in filter_index.data_text({(1, 2): "tuple-key"})
    assert filter_index.data_text(None) == filter_index.data_text({}) == ""
    assert filter_index.data_text([]) == "[]"


def test_prepare_builds_in_slices_what_the_first_pattern_would() -> None:
    sockets = [info(f"s{n:03d}", ("/", "/chat")[n % 2], f"room-{n % 7}") for n in range(600)]
    topology = topology_with(*sockets, info("me", "/admin"))
    socket_filter = SocketFilter()
    socket_filter.set_pattern(topology, "")
    assert socket_filter.built == 0
    assert not socket_filter.prepare(topology, 0.0)  # one step, then the clock says stop
    assert socket_filter.built == filter_index.PREPARE_STEP
    # sockets come and go between two slices: the gone are passed over, the new are added
    changes = topology.apply(
        [
            SocketDisconnected("/chat", "s599", "transport close", T0),
            SocketDisconnected("/", "s000", "transport close", T0),  # already built
            SocketConnected(info("late", "/chat", "room-77"), T0),
        ]
    )
    socket_filter.apply(topology, changes)
    slices = 1
    while not socket_filter.prepare(topology, 0.0):
        slices += 1
        assert slices < 10
    assert socket_filter.built == socket_filter.total == 600 - 2 + 1  # the admin one left out
    assert socket_filter.prepare(topology, 0.0)  # nothing left to do
    # one more in a namespace already done: the next slices look again
    socket_filter.apply(topology, topology.apply([SocketConnected(info("later", "/"), T0)]))
    while not socket_filter.prepare(topology, 0.0):
        pass
    assert socket_filter.built == socket_filter.total == 600

    fresh = SocketFilter()
    for pattern in ("room-7", "s05 /", "late", "q-77"):
        socket_filter.set_pattern(topology, pattern)
        fresh.set_pattern(topology, pattern)
        assert socket_filter.matched == fresh.matched, pattern
        assert socket_filter.counts() == fresh.counts()
    assert socket_filter.set_pattern(topology, "room-77") and socket_filter.counts() == (1, 600)


def test_a_new_tree_starts_the_slices_over() -> None:
    topology = topology_with(*(info(f"s{n}") for n in range(400)))
    socket_filter = SocketFilter()
    assert not socket_filter.prepare(topology, 0.0)
    socket_filter.rebuild(topology)
    assert socket_filter.built == 0
    while not socket_filter.prepare(topology, 1.0):
        pass
    assert socket_filter.built == 400
