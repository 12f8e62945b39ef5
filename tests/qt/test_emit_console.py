"""The emit console against a real python-socketio server on 127.0.0.1.

Values are read back from the console's own widgets and models (the result
line, the history, the log model), and from what the server says it received.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QTextEdit

from sio_monitor.domain.emit.emit_args import ArgKind
from sio_monitor.domain.emit.emit_requests import ROUTE_ROOM, ArgSpec, EmitRequest
from sio_monitor.domain.emit.probe_events import ProbeState
from sio_monitor.qt.action_runner import ActionRunner
from sio_monitor.qt.loop import BatchedQEventLoop
from sio_monitor.qt.models.emit_log_model import ACK, RECEIVED, SENT, TIMEOUT
from sio_monitor.qt.probe_session import ProbeSession
from sio_monitor.qt.session import MonitorSession
from sio_monitor.store.snippets_store import SnippetStore
from sio_monitor.ui.emit.emit_console import EmitConsole
from tests.integration.probe_servers import WELCOME_BLOB, PythonProbeServer, python_probe_server
from tests.qt.screens import save_screenshot
from tests.qt.waiting import until

pytestmark = pytest.mark.network

JSON, STRING, NUMBER, BOOLEAN, NULL, HEX = (
    k.value
    for k in (
        ArgKind.JSON,
        ArgKind.STRING,
        ArgKind.NUMBER,
        ArgKind.BOOLEAN,
        ArgKind.NULL,
        ArgKind.BINARY_HEX,
    )
)


def make_console(tmp_path: Path) -> EmitConsole:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)  # closing the console must not stop the loop
    session = MonitorSession()
    probe = ProbeSession()
    console = EmitConsole(
        session, probe, ActionRunner(session), store=SnippetStore(tmp_path / "snippets.json")
    )
    console.resize(1100, 700)
    console.show()
    return console


def run_with_server(
    app_loop: BatchedQEventLoop,
    tmp_path: Path,
    body: Callable[[EmitConsole, PythonProbeServer], Awaitable[Any]],
    *,
    namespaces: str = "/",
) -> Any:
    async def main() -> Any:
        async with python_probe_server() as server:
            console = make_console(tmp_path)
            try:
                console.connection.url.setText(server.url)
                console.connection.namespaces.setText(namespaces)
                assert await console.probe.connect_to(console.connection.settings())
                assert console.probe.state is ProbeState.CONNECTED
                return await body(console, server)
            finally:
                await console.probe.disconnect()
                console.close()

    return app_loop.run_until_complete(main())


async def send_and_settle(console: EmitConsole, request: EmitRequest) -> str:
    """Put ``request`` in the form, press Send, and wait for its result line."""
    console.form.set_request(request)
    entries = len(console.history)
    assert console.send(), console.form.result.text()
    assert len(console.history) == entries + 1
    entry = console.history[len(console.history) - 1]
    async with asyncio.timeout(15):
        while entry.ok is None:
            await asyncio.sleep(0)  # the emit task settles the entry; yield to it
    return console.form.result.text()


def rows(console: EmitConsole, direction: str) -> list[Any]:
    model = console.log_model
    return [
        model.entry(r) for r in range(model.rowCount()) if model.entry(r).direction == direction
    ]


def test_echo_with_every_kind_of_argument_comes_back_with_round_trip(
    app_loop: BatchedQEventLoop, tmp_path: Path
) -> None:
    args = (
        ArgSpec(JSON, '{"room": "lobby", "n": [1, 2]}'),
        ArgSpec(STRING, "plain <b>text</b>"),
        ArgSpec(NUMBER, "3.5"),
        ArgSpec(BOOLEAN, "true"),
        ArgSpec(NULL, ""),
        ArgSpec(HEX, "00 ff 10"),
    )

    async def body(console: EmitConsole, server: PythonProbeServer) -> None:
        result = await send_and_settle(console, EmitRequest("echo", "/", args, ack=True))
        assert result.startswith("Ack after ")
        assert "with 6 arguments" in result
        await until(lambda: bool(rows(console, ACK)), console.probe.events_arrived)
        ack = rows(console, ACK)[-1]
        assert ack.args == (
            {"room": "lobby", "n": [1, 2]},
            "plain <b>text</b>",
            3.5,
            True,
            None,
            b"\x00\xff\x10",
        )
        assert rows(console, SENT)[-1].event == "echo"
        assert console.history[0].ok is True
        assert console.history_panel.list.item(0).text().endswith(result)
        # zero arguments, and an ack reply of zero arguments
        result = await send_and_settle(console, EmitRequest("echo", "/", (), ack=True))
        assert "with 0 arguments" in result

    run_with_server(app_loop, tmp_path, body)


def test_no_ack_within_the_timeout_is_said(app_loop: BatchedQEventLoop, tmp_path: Path) -> None:
    async def body(console: EmitConsole, server: PythonProbeServer) -> None:
        request = EmitRequest("nobody-listens", "/", (), ack=True, ack_timeout=0.3)
        assert await send_and_settle(console, request) == "No ack within 0.3 s."
        await until(lambda: bool(rows(console, TIMEOUT)), console.probe.events_arrived)
        assert console.history[0].ok is False

    run_with_server(app_loop, tmp_path, body)


def test_invalid_json_blocks_sending_and_marks_the_position(
    app_loop: BatchedQEventLoop, tmp_path: Path
) -> None:
    async def body(console: EmitConsole, server: PythonProbeServer) -> None:
        console.form.set_request(EmitRequest("echo", "/", (ArgSpec(JSON, '{"a": 1,\n  "b": }'),)))
        row = console.form.arguments.rows[0]
        assert not row.error.isHidden()
        assert row.error.text().startswith("Line 2, column 8: ")
        marks: list[QTextEdit.ExtraSelection] = row.text.extraSelections()
        assert len(marks) == 1
        assert marks[0].cursor.selectionStart() == len('{"a": 1,\n  "b": ')
        sent_before = len(rows(console, SENT))
        assert not console.send()
        assert console.form.result.text().startswith("Argument 1: Line 2, column 8: ")
        assert len(console.history) == 0
        row.text.setPlainText('{"a": 1, "b": 2}')
        assert row.error.isHidden()
        assert row.text.extraSelections() == []
        console.form.ack.setChecked(True)
        assert "with 1 argument:" in await send_and_settle(console, console.form.request())
        await until(lambda: bool(rows(console, ACK)), console.probe.events_arrived)
        # only the corrected emit went out
        assert [e.args for e in rows(console, SENT)][sent_before:] == [({"a": 1, "b": 2},)]

    run_with_server(app_loop, tmp_path, body)


def test_catch_all_logs_unprompted_events_with_binary_and_listen_can_stop(
    app_loop: BatchedQEventLoop, tmp_path: Path
) -> None:
    async def body(console: EmitConsole, server: PythonProbeServer) -> None:
        await until(lambda: bool(rows(console, RECEIVED)), console.probe.events_arrived)
        welcome = rows(console, RECEIVED)[0]
        assert welcome.event == "welcome"
        assert welcome.args[2] == WELCOME_BLOB
        assert "<binary 256 B" in welcome.preview
        console.listen.table.selectRow(console.log_model.rowCount() - 1)
        console.listen.table.selectRow(
            next(
                r
                for r in range(console.log_model.rowCount())
                if console.log_model.entry(r) is welcome
            )
        )
        details = console.listen.details.toPlainText()
        assert "Argument 3: binary, 256 bytes" in details
        assert "00 01 02 03" in details
        assert console.listen.save_binary.isEnabled()
        assert "welcome" in console.probe.seen_events
        # pinned names filter what is shown, and say "n of m"
        console.listen.pins.setText("echo")
        assert console.log_model.rowCount() == 0
        assert console.listen.count.text() == f"0 of {console.log_model.total}"
        console.listen.pins.setText("")
        # listening off: the server's events are no longer logged
        console.listen.listen.setChecked(False)
        received = len(rows(console, RECEIVED))
        await send_and_settle(
            console, EmitRequest("ask", "/", (ArgSpec(STRING, "hello"),), ack=True)
        )
        assert len(rows(console, RECEIVED)) == received

    run_with_server(app_loop, tmp_path, body)


def test_a_server_initiated_ack_gets_the_configured_reply(
    app_loop: BatchedQEventLoop, tmp_path: Path
) -> None:
    async def body(console: EmitConsole, server: PythonProbeServer) -> str:
        console.ack_replies.add_row("question", '["yes", 2, {"ok": true}]')
        console.ack_replies.add_row("broken", "[1,")
        assert console.probe.ack_replies == {"question": ("yes", 2, {"ok": True})}
        assert console.ack_replies.error.text().startswith("Not used: broken")
        request = EmitRequest("ask", "/chat", (ArgSpec(STRING, "question"),), ack=True)
        result = await send_and_settle(console, request)
        await until(lambda: bool(rows(console, ACK)), console.probe.events_arrived)
        assert rows(console, ACK)[-1].args == (["yes", 2, {"ok": True}],)
        asked = next(e for e in rows(console, RECEIVED) if e.event == "question")
        assert "answered" in asked.result
        return result

    result = run_with_server(app_loop, tmp_path, body, namespaces="/ /chat")
    assert result.startswith("Ack after ")


def test_variables_fill_the_emit_and_an_undefined_one_is_named(
    app_loop: BatchedQEventLoop, tmp_path: Path
) -> None:
    async def body(console: EmitConsole, server: PythonProbeServer) -> None:
        console.form.set_request(EmitRequest("echo", "/", (ArgSpec(JSON, '{"room": "{{room}}"}'),)))
        assert not console.send()
        assert "{{room}}" in console.form.result.text()
        snippets = console.snippets
        snippets._add_variable_row()
        snippets.variables.item(0, 0).setText("room")
        snippets.variables.item(0, 1).setText("lobby")
        assert snippets.values() == {"room": "lobby"}
        request = EmitRequest("echo", "/", (ArgSpec(JSON, '{"room": "{{room}}"}'),), ack=True)
        assert "with 1 argument:" in await send_and_settle(console, request)
        await until(lambda: bool(rows(console, ACK)), console.probe.events_arrived)
        assert rows(console, ACK)[-1].args == ({"room": "lobby"},)
        # the history keeps what was typed, so a re-send fills the variables again
        assert console.history[0].request.args[0].text == '{"room": "{{room}}"}'

    run_with_server(app_loop, tmp_path, body)


def test_history_recalls_with_up_and_down_and_resends(
    app_loop: BatchedQEventLoop, tmp_path: Path, qtbot: Any
) -> None:
    async def body(console: EmitConsole, server: PythonProbeServer) -> None:
        await send_and_settle(
            console, EmitRequest("echo", "/", (ArgSpec(STRING, "first"),), ack=True)
        )
        await send_and_settle(console, EmitRequest("echo", "/", (ArgSpec(STRING, "second"),)))
        console.form.set_request(EmitRequest(""))
        field = console.form.event_name
        qtbot.keyClick(field, Qt.Key.Key_Up)
        assert console.form.request().args[0].text == "second"
        qtbot.keyClick(field, Qt.Key.Key_Up)
        assert console.form.request().args[0].text == "first"
        assert console.form.request().ack is True
        qtbot.keyClick(field, Qt.Key.Key_Down)
        qtbot.keyClick(field, Qt.Key.Key_Down)
        assert field.text() == ""
        console.history_panel.resend_requested.emit(console.history[0].request)
        assert len(console.history) == 3
        assert console.history[2].request == console.history[0].request

    run_with_server(app_loop, tmp_path, body)


def test_ctrl_enter_sends(app_loop: BatchedQEventLoop, tmp_path: Path, qtbot: Any) -> None:
    async def body(console: EmitConsole, server: PythonProbeServer) -> None:
        console.form.set_request(EmitRequest("echo", "/", ()))
        console.form.event_name.setFocus()
        qtbot.keyClick(
            console.form.event_name, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
        )
        assert len(console.history) == 1

    run_with_server(app_loop, tmp_path, body)


def test_snippets_are_saved_across_restarts(app_loop: BatchedQEventLoop, tmp_path: Path) -> None:
    request = EmitRequest("join", "/chat", (ArgSpec(STRING, "{{room}}"),), ack=True)
    first = make_console(tmp_path)
    first.snippets.save_as("join a room", request)
    first.close()
    second = make_console(tmp_path)
    assert second.snippets.book.names() == ["join a room"]
    second.snippets.list.itemClicked.emit(second.snippets.list.item(0))
    assert second.form.request() == request
    second.close()


def test_sending_without_a_connection_says_what_to_do(tmp_path: Path, qapp: Any) -> None:
    console = make_console(tmp_path)
    console.form.set_request(EmitRequest("echo"))
    assert not console.send()
    assert "press Connect" in console.form.result.text()
    console.form.set_request(EmitRequest("echo", "/", route=ROUTE_ROOM, target="lobby"))
    assert not console.send()
    assert "configuration" in console.form.result.text() or "connect" in console.form.result.text()
    assert len(console.history) == 0
    console.close()


def test_screenshot_of_the_console_mid_session(app_loop: BatchedQEventLoop, tmp_path: Path) -> None:
    async def body(console: EmitConsole, server: PythonProbeServer) -> None:
        await send_and_settle(
            console,
            EmitRequest("echo", "/", (ArgSpec(JSON, json.dumps({"hello": "world"})),), ack=True),
        )
        await send_and_settle(console, EmitRequest("nothing", "/", (), ack=True, ack_timeout=0.2))
        console.form.set_request(
            EmitRequest("echo", "/chat", (ArgSpec(HEX, "de ad be ef"),), ack=True)
        )
        console.probe.flush()
        QApplication.processEvents()  # show the argument rows the form just built
        console.listen.table.selectRow(5)
        save_screenshot(console, "emit_console")

    run_with_server(app_loop, tmp_path, body, namespaces="/ /chat")
