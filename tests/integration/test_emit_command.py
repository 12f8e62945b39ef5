"""``sio-monitor emit`` end to end: ``python -m sio_monitor emit ...`` as a child process.

The python-socketio server runs in the test's own loop while the command
runs, so every exit code is checked against a real server: 0 sent (and
acked), 2 refused or mistyped, 3 unreachable or silent, 4 Socket.IO 2, 5 no
ack in time.
"""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from sio_monitor.domain.emit.emit_args import from_jsonable
from sio_monitor.domain.settings import SettingsError
from sio_monitor.terminal.emit import build_parser, settings_from_arguments
from tests.integration.probe_servers import DENIED, python_probe_server
from tests.support.net import free_port
from tests.support.probe_checks import RUN_TIMEOUT, emit_command


def against_python_server(scenario: Callable[[str], Awaitable[None]]) -> None:
    async def main() -> None:
        async with python_probe_server() as server:
            await scenario(server.url)

    asyncio.run(main())


@pytest.mark.network
def test_acked_emit_prints_every_reply_argument_and_exits_0() -> None:
    async def scenario(url: str) -> None:
        code, out, err = await emit_command(
            url, "echo", "42", "hello", '{"a": [1, null]}', "--ack", "--json", "true", "-5"
        )
        assert (code, err) == (0, "")
        document = json.loads(out)
        assert document["acked"] is True and document["timedOut"] is False
        assert document["reply"] == [42, "hello", {"a": [1, None]}, True, -5]
        assert document["args"] == document["reply"]
        assert document["rttMs"] > 0 and document["transport"] == "websocket"

        code, out, err = await emit_command(
            url,
            "whoami",
            "--ack",
            "--namespace",
            "/chat",
            "--transport",
            "polling",
            "--header",
            "X-Probe-Token: from-cli",
            "--query",
            "room=a=b",
            "--auth",
            '{"token": "t"}',
            "--json",
        )
        assert code == 0, err
        (seen,) = json.loads(out)["reply"]
        assert seen["headers"]["x-probe-token"] == "from-cli"
        assert seen["query"]["room"] == "a=b"
        assert seen["auth"] == {"token": "t"} and seen["transport"] == "polling"

        code, out, err = await emit_command(url, "echo", "--ack", "x", "2")
        assert (code, err) == (0, "")
        lines = out.splitlines()
        assert lines[0] == f'Sent "echo" with 2 arguments to / on {url[len("http://") :]}.'
        assert lines[1].startswith("Ack in ") and lines[1].endswith(" ms with 2 arguments:")
        assert lines[2:] == ['  1  "x"', "  2  2"]

        code, out, err = await emit_command(url, "echo", "no ack asked")
        assert (code, err) == (0, "")
        assert out.startswith('Sent "echo" with 1 argument to /')

    against_python_server(scenario)


@pytest.mark.network
def test_refused_unreachable_silent_and_unacked_exit_2_3_3_5() -> None:
    async def scenario(url: str) -> None:
        code, out, err = await emit_command(url, "echo", "--auth", '{"token": "deny"}')
        assert code == 2 and out == ""
        assert err.strip() == f"Connection refused by the server: {DENIED}"

        code, _, err = await emit_command(f"http://127.0.0.1:{free_port()}", "echo")
        assert code == 3 and "the connection was refused" in err

        held: list[asyncio.StreamWriter] = []

        async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            held.append(writer)

        silent = await asyncio.start_server(hold, "127.0.0.1", 0)
        port = silent.sockets[0].getsockname()[1]
        try:
            code, _, err = await emit_command(f"http://127.0.0.1:{port}", "echo", "--timeout", "1")
        finally:
            silent.close()
            for writer in held:
                writer.close()
        assert code == 3 and f"No answer from 127.0.0.1:{port} within 1 s" in err

        code, out, err = await emit_command(url, "ignored", "--ack", "--timeout", "0.5", "--json")
        assert code == 5
        assert err.strip() == 'No ack for "ignored" on / within 0.5 s.'
        document = json.loads(out)
        assert (document["acked"], document["timedOut"], document["reply"]) == (False, True, None)

    against_python_server(scenario)


def test_mistyped_command_lines_exit_2_with_the_position() -> None:
    for argv, said in [
        (["http://x", "echo", "--auth", '{"token": deny}'], "line 1, column 11"),
        (["http://x", "echo", "--auth", '{\n "a": 1,\n}'], "line 3, column 1"),
        (["http://x", "echo", "--auth", "[1]"], "must be a JSON object"),
        (["http://x", "connect"], "reserved"),
        (["http://x", "echo", "--query", "novalue"], "--query 'novalue' must look like"),
        (["http://x", "echo", "--header", "nocolon"], "--header 'nocolon' must look like"),
        (["ftp://x", "echo"], "must start with http://"),
    ]:
        result = subprocess.run(
            [sys.executable, "-m", "sio_monitor", "emit", *argv],
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
        )
        assert result.returncode == 2, (argv, result.stderr)
        assert said in result.stderr, (argv, result.stderr)
        assert result.stdout == ""


def test_flags_become_probe_settings() -> None:
    parser = build_parser()
    args = parser.parse_intermixed_args(
        ["https://h:8443", "ev", "1", "--header", "A: b", "--query", "q=", "--timeout", "2", "x"]
    )
    settings = settings_from_arguments(args)
    assert args.args == ["1", "x"]
    assert (settings.headers, settings.query) == ({"A": "b"}, {"q": ""})
    assert settings.connect_timeout == 2.0 and settings.reconnection is False
    assert settings.handshake_url() == "wss://h:8443/socket.io/?q=&transport=websocket&EIO=4"
    with pytest.raises(SettingsError, match="--timeout"):
        settings_from_arguments(parser.parse_args(["http://h", "e", "--timeout", "0"]))


def test_emit_runs_without_qt() -> None:
    code = (
        "import sys, sio_monitor.cli, sio_monitor.terminal.emit; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'shiboken6', 'qasync', 'pyqtgraph')); print(bad)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=RUN_TIMEOUT
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.network
def test_binary_arguments_arrive_as_bytes_and_a_printed_reply_goes_back_in(tmp_path: Path) -> None:
    picture = tmp_path / "photo.bin"
    picture.write_bytes(bytes(range(256)) * 3)
    packed = base64.b64encode(b"\x00\x01\xfe\xffbinary").decode()

    async def scenario(url: str) -> None:
        code, out, err = await emit_command(
            url,
            "echo",
            f"@{picture}",
            "hex:00ff10",
            json.dumps({"$binary": packed}),
            json.dumps({"photo": {"$binary": packed}, "n": 1}),
            "@@handle",
            "--ack",
            "--json",
        )
        assert (code, err) == (0, "")
        reply = json.loads(out)["reply"]  # what the server got, acked back as it got it
        assert [from_jsonable(value) for value in reply] == [
            bytes(range(256)) * 3,
            b"\x00\xff\x10",
            b"\x00\x01\xfe\xffbinary",
            {"photo": b"\x00\x01\xfe\xffbinary", "n": 1},
            "@handle",
        ]
        # What --json printed is sent again as it stands: the same bytes arrive.
        code, out, err = await emit_command(
            url, "echo", *(json.dumps(value) for value in reply), "--ack", "--json"
        )
        assert (code, err) == (0, "")
        assert json.loads(out)["reply"] == reply

    against_python_server(scenario)


def test_a_mistyped_command_line_is_one_sentence_without_the_usage_block(
    tmp_path: Path,
) -> None:
    for argv, said in [
        (["http://x", "echo", "--auth", '{"token": deny}'], "--auth: Invalid JSON at line 1"),
        (["http://x", "disconnect"], '"disconnect" is reserved by Socket.IO'),
        (["http://x", "echo", f"@{tmp_path / 'missing.bin'}"], "argument 1: The file"),
        (["http://x", "echo", "1", "hex:0g"], "argument 2: 'g' at line 1, column 2"),
        (["http://x", "echo", '{"$binary": "@@@"}'], 'argument 1: A "$binary" value'),
    ]:
        result = subprocess.run(
            [sys.executable, "-m", "sio_monitor", "emit", *argv],
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
        )
        assert result.returncode == 2, (argv, result.stderr)
        assert result.stderr.startswith(f"sio-monitor emit: {said}"), (argv, result.stderr)
        assert result.stderr.count("\n") == 1 and "usage:" not in result.stderr
        assert result.stdout == ""
