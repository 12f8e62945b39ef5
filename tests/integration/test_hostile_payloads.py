"""A server whose socket list is half garbage: what is valid is shown, what is not is named.

The server is a real python-socketio process (``tests/integration/broken_server.py
--hostile-sockets``) with three users; every ``all_sockets`` it sends has six
entries: their three sockets, ``{"id": 5}``, ``null``, and a socket whose
``rooms`` is a string. ``snapshot`` and the window must keep the three, keep
the fourth with its rooms unknown, and name the two they left out.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.qt.loop import BatchedQEventLoop
from sio_monitor.qt.session import MonitorSession
from sio_monitor.ui.shell.main_window import MainWindow
from tests.integration.broken_server import HOSTILE_ROOMS_ID, REPO, BrokenServer
from tests.peers.launch import fetch_truth
from tests.qt.screens import save_screenshot
from tests.qt.waiting import until

pytestmark = pytest.mark.network

USERS = 3
CLI = (sys.executable, "-m", "sio_monitor")
# python-socketio lists the monitor's own admin socket too: 4 valid entries, then 3 hostile.
ENTRIES = USERS + 1 + 3
# What each all_sockets loses, named: event, item, field, why.
EXPECTED_DROPS = [
    {
        "event": "all_sockets",
        "item": f"socket {ENTRIES - 2} of {ENTRIES}",
        "field": "",
        "why": "nsp is not a string",
    },
    {
        "event": "all_sockets",
        "item": f"socket {ENTRIES - 1} of {ENTRIES}",
        "field": "",
        "why": "socket is not an object",
    },
    {
        "event": "all_sockets",
        "item": f"socket {HOSTILE_ROOMS_ID}",
        "field": "rooms",
        "why": "rooms is not a list",
    },
]


@pytest.fixture
def hostile_server() -> Iterator[BrokenServer]:
    server = BrokenServer("--clients", str(USERS), "--hostile-sockets", "--stats-interval", "0.5")
    server.start()
    try:
        yield server
    finally:
        server.kill()


def test_snapshot_keeps_the_three_valid_sockets_and_names_what_it_dropped(
    hostile_server: BrokenServer,
) -> None:
    truth = set(asyncio.run(fetch_truth(hostile_server.url))["sockets"])
    assert len(truth) == USERS
    result = subprocess.run(
        [*CLI, "snapshot", hostile_server.url, "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    (root,) = [ns for ns in document["namespaces"] if ns["name"] == "/"]
    sockets = {socket["id"]: socket for socket in root["sockets"]}
    assert set(sockets) == truth | {HOSTILE_ROOMS_ID}
    for sid in truth:  # the valid ones whole, rooms included
        assert "unknown" not in sockets[sid]
        assert sid in sockets[sid]["rooms"] and len(sockets[sid]["rooms"]) == 2
    assert sockets[HOSTILE_ROOMS_ID]["unknown"] == ["rooms"]
    assert sockets[HOSTILE_ROOMS_ID]["rooms"] == []
    assert document["dropped"][:3] == EXPECTED_DROPS

    human = subprocess.run(
        [*CLI, "snapshot", hostile_server.url],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert human.returncode == 0, human.stderr
    assert "rooms unknown (malformed)" in human.stdout
    assert "The server sent 3 malformed parts, left out of this snapshot" in human.stderr
    assert f"all_sockets socket {ENTRIES - 2} of {ENTRIES}: nsp is not a string" in human.stderr


def test_watch_json_names_the_dropped_parts(hostile_server: BrokenServer) -> None:
    result = subprocess.run(
        [*CLI, "watch", hostile_server.url, "--json", "--count", "2", "--interval", "0.5"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[-1]["droppedPayloads"] == 3
    named = [part for line in lines for part in line["dropped"]]
    assert named == EXPECTED_DROPS


def test_the_window_shows_the_valid_sockets_and_says_what_it_dropped(
    hostile_server: BrokenServer,
    app_loop: BatchedQEventLoop,
) -> None:
    async def main() -> None:
        truth = set((await fetch_truth(hostile_server.url))["sockets"])
        window = MainWindow(MonitorSession())
        window.resize(1200, 700)
        window.show()
        session = window.session
        bridge = session.bridge
        try:
            settings = ConnectionSettings(hostile_server.url, connect_timeout=5.0)
            assert await session.connect_to(settings)

            def shown() -> set[str]:
                return {s.id for s in bridge.topology.sockets("/")}

            await until(
                lambda: shown() == truth | {HOSTILE_ROOMS_ID} and window.rejected_label.isVisible(),
                bridge.batch_applied,
                30,
            )
            hostile = bridge.topology.socket("/", HOSTILE_ROOMS_ID)
            assert hostile is not None and hostile.info.unknown == ("rooms",)
            for sid in truth:
                socket = bridge.topology.socket("/", sid)
                assert socket is not None and len(socket.rooms) == 2
            text = window.rejected_label.text()
            assert text.startswith("3 malformed payload parts dropped; last: ")
            assert f"socket {HOSTILE_ROOMS_ID} rooms" in window.rejected_label.toolTip()
            save_screenshot(window, "hostile_socket_list")
            workspace = window.current
            workspace.tabs.setCurrentWidget(workspace.explorer)
            workspace.explorer.select_socket("/", HOSTILE_ROOMS_ID)
            details = workspace.explorer.details
            assert details.rooms_box.title().startswith("Rooms (unknown: the server sent it")
            assert details.fields["ID"].text() == HOSTILE_ROOMS_ID
            save_screenshot(window, "hostile_socket_rooms_unknown")
        finally:
            await session.disconnect()
            window.close()

    app_loop.run_until_complete(main())
