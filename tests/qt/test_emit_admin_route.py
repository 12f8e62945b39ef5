"""The Emit tab's admin route: an emit is shown as sent only once the command went out.

The admin connection is the workspace's action runner over a session whose
``send`` is held open by the test, so what the console shows while the
command is on its way, and after, is read without a server.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from sio_monitor.domain.emit.emit_args import ArgKind
from sio_monitor.domain.emit.emit_requests import ROUTE_ROOM, ArgSpec, EmitRequest
from sio_monitor.domain.events import (
    ConfigReceived,
    Handshake,
    NamespaceCount,
    ServerStatsReceived,
    SocketConnected,
    SocketInfo,
)
from sio_monitor.qt.action_runner import ActionRunner
from sio_monitor.qt.loop import BatchedQEventLoop
from sio_monitor.qt.models.emit_log_model import ADMIN
from sio_monitor.qt.probe_session import ProbeSession
from sio_monitor.qt.session import MonitorSession
from sio_monitor.store.snippets_store import SnippetStore
from sio_monitor.ui.emit.emit_console import EmitConsole

FEATURES = frozenset({"ALL_EVENTS", "AGGREGATED_EVENTS", "EMIT", "JOIN", "LEAVE", "DISCONNECT"})
ANNOUNCE = EmitRequest(
    "announce", "/chat", (ArgSpec(ArgKind.STRING.value, "hi"),), route=ROUTE_ROOM, target="lobby"
)


class HeldSend:
    """The session's ``send``, held until the test lets it end (well or with an error)."""

    def __init__(self) -> None:
        self.commands: list[tuple[Any, ...]] = []
        self.gate: asyncio.Future[Exception | None] | None = None

    async def __call__(self, command: str, *args: object) -> None:
        self.commands.append((command, *args))
        self.gate = asyncio.get_running_loop().create_future()
        error = await self.gate
        if error is not None:
            raise error


@pytest.fixture
def console(tmp_path: Any, qapp: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmitConsole]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    session = MonitorSession()
    monkeypatch.setattr(MonitorSession, "client", property(lambda _self: object()))  # "connected"
    session.send = HeldSend()  # type: ignore[method-assign]
    bridge = session.bridge
    now = time.time()
    member = SocketInfo("s1", "e1", "/chat", rooms=("s1", "lobby"), handshake=Handshake(issued=now))
    for event in (
        ConfigReceived(FEATURES, now),
        ServerStatsReceived("a", "host-a", 1, 60.0, 1, 0, (NamespaceCount("/chat", 1),), (), now),
        SocketConnected(member, now),
    ):
        bridge.sink(event)  # type: ignore[arg-type]
    bridge.flush()
    widget = EmitConsole(
        session,
        ProbeSession(),
        ActionRunner(session),
        store=SnippetStore(tmp_path / "snippets.json"),
    )
    widget.show()
    yield widget
    widget.close()


def admin_rows(console: EmitConsole) -> list[Any]:
    model = console.log_model
    return [model.entry(r) for r in range(model.rowCount()) if model.entry(r).direction == ADMIN]


def turn(loop: BatchedQEventLoop) -> None:
    loop.run_until_complete(asyncio.sleep(0.01))


def test_an_admin_emit_is_shown_as_sent_only_once_it_went_out(
    console: EmitConsole, app_loop: BatchedQEventLoop
) -> None:
    held: HeldSend = console.session.send  # type: ignore[assignment]
    console.form.set_request(ANNOUNCE)
    assert console.send(), console.form.result.text()
    turn(app_loop)
    assert held.commands == [("emit", "/chat", "lobby", "announce", "hi")]
    entry = console.history[0]
    assert (entry.ok, entry.outcome) == (None, "sending…")
    assert console.form.result.text() == "Sending…"
    assert admin_rows(console) == []
    assert held.gate is not None
    held.gate.set_result(None)
    turn(app_loop)
    assert entry.ok is True
    assert entry.outcome == "Sent to room 'lobby' of /chat through the admin connection."
    assert console.form.result.text() == entry.outcome
    assert console.history_panel.list.item(0).text().endswith(entry.outcome)
    [row] = admin_rows(console)
    assert (row.namespace, row.event, row.args, row.result) == (
        "/chat",
        "announce",
        ("hi",),
        "room 'lobby' of /chat",
    )


def test_an_admin_emit_that_could_not_go_out_is_not_shown_as_sent(
    console: EmitConsole, app_loop: BatchedQEventLoop
) -> None:
    held: HeldSend = console.session.send  # type: ignore[assignment]
    console.form.set_request(ANNOUNCE)
    assert console.send()
    turn(app_loop)
    assert held.gate is not None
    held.gate.set_result(RuntimeError("The connection to the server is closed."))
    turn(app_loop)
    entry = console.history[0]
    assert entry.ok is False
    assert entry.outcome == "Not sent: The connection to the server is closed."
    assert console.form.result.text() == entry.outcome
    assert admin_rows(console) == []
