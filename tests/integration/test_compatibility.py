"""The compatibility table of the README, row by row, each against that real server.

Node socket.io 4.8 and 3.1 with @socket.io/admin-ui (basic auth with a bcrypt
hash), either parser; python-socketio's AsyncServer under uvicorn, either
parser. For each: ``sio-monitor snapshot --json`` (the real command line)
equals the server's own truth while clients sit in rooms, and a wrong parser
choice is named with the parser to pick. Socket.IO 2.5 is in
test_socketio_2.py and below (the monitor names it); nginx in test_proxy.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.integration.probe_servers import node_probe_server
from tests.support.asgi_server import AsgiServer
from tests.support.compat_servers import (
    CLIENTS,
    crowd,
    document_view,
    node_compat_missing,
    node_compat_server,
    truth,
)
from tests.support.skips import require

pytestmark = pytest.mark.network

USER, PASSWORD = "admin", "s3cret-pw"
RUN_TIMEOUT = 90.0


@contextmanager
def node_server(line: str, parser: str, *, auth: bool) -> Iterator[str]:
    require(node_compat_missing("socket.io-v3", "socket.io-msgpack-parser", "bcryptjs"))
    flags = ["--socketio", line, "--parser", parser]
    if auth:
        flags += ["--auth", f"{USER}:{PASSWORD}"]
    with node_compat_server(*flags) as peer:
        yield peer.url


@contextmanager
def python_server(parser: str) -> Iterator[str]:
    server = AsgiServer(parser).start()
    try:
        yield server.url
    finally:
        server.stop()


async def snapshot_cli(url: str, *flags: str, password: str = "") -> tuple[int, str, str]:
    env = {**os.environ, "SIO_MONITOR_PASSWORD": password}
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sio_monitor",
        "snapshot",
        url,
        "--json",
        "--timeout",
        "8",
        *flags,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    out, err = await asyncio.wait_for(child.communicate(), RUN_TIMEOUT)
    assert child.returncode is not None
    return child.returncode, out.decode(), err.decode()


async def check_snapshot_equals_truth(url: str, parser: str, *, auth: bool) -> None:
    flags = ["--parser", parser] + (["--user", USER] if auth else [])
    async with crowd(url, parser):
        code, out, err = await snapshot_cli(url, *flags, password=PASSWORD if auth else "")
        assert (code, err) == (0, ""), err
        document = json.loads(out)
        view = document_view(document)
        assert view == await truth(url)
        assert len(view["/"]["sockets"]) == CLIENTS
        assert len(view["/"]["rooms"]["all"]) == CLIENTS


async def check_wrong_parser_is_named(url: str, parser: str, *, auth: bool) -> None:
    wrong = "default" if parser == "msgpack" else "msgpack"
    flags = ["--parser", wrong] + (["--user", USER] if auth else [])
    code, out, err = await snapshot_cli(url, *flags, password=PASSWORD if auth else "")
    assert (code, out) == (4, "")
    assert f"choose the {parser} parser (--parser {parser})" in err
    assert err.count("\n") == 1


NODE_ROWS = [
    pytest.param("4", "default", True, id="node-4.8-admin-ui-basic-auth"),
    pytest.param("3", "default", True, id="node-3.1-admin-ui-basic-auth"),
    pytest.param("4", "msgpack", False, id="node-4.8-msgpack"),
    pytest.param("3", "msgpack", True, id="node-3.1-msgpack-basic-auth"),
]


@pytest.mark.node
@pytest.mark.parametrize(("line", "parser", "auth"), NODE_ROWS)
def test_node_servers_snapshot_equals_their_truth(line: str, parser: str, auth: bool) -> None:
    with node_server(line, parser, auth=auth) as url:
        asyncio.run(check_snapshot_equals_truth(url, parser, auth=auth))


@pytest.mark.node
@pytest.mark.parametrize("parser", ["default", "msgpack"])
def test_a_wrong_parser_on_node_is_named_with_the_right_one(parser: str) -> None:
    with node_server("4", parser, auth=False) as url:
        asyncio.run(check_wrong_parser_is_named(url, parser, auth=False))


@pytest.mark.node
def test_wrong_admin_credentials_on_a_bcrypt_hash_exit_2() -> None:
    with node_server("4", "default", auth=True) as url:
        code, out, err = asyncio.run(snapshot_cli(url, "--user", USER, password="wrong"))
    assert (code, out) == (2, "")
    assert err.startswith("The server refused these admin credentials")


@pytest.mark.parametrize("parser", ["default", "msgpack"])
def test_python_asgi_servers_under_uvicorn(parser: str) -> None:
    with python_server(parser) as url:

        async def main() -> None:
            await check_snapshot_equals_truth(url, parser, auth=False)
            await check_wrong_parser_is_named(url, parser, auth=False)

        asyncio.run(main())


@pytest.mark.node
@pytest.mark.parametrize("command", ["snapshot", "watch", "record"])
def test_socket_io_2_is_named_by_the_terminal_commands(command: str, tmp_path: Any) -> None:
    require(node_compat_missing("socket.io-v2"))

    async def run(url: str, transport: str) -> tuple[int, str, str]:
        extra = ["--out", str(tmp_path / "r.siorec")] if command == "record" else []
        extra += ["--transport", transport]
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "sio_monitor", command, url, "--timeout", "8", *extra,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(child.communicate(), RUN_TIMEOUT)
        assert child.returncode is not None
        return child.returncode, out.decode(), err.decode()

    with node_probe_server("--v2") as peer:
        for transport in ("websocket", "polling"):
            code, _, err = asyncio.run(run(peer.url, transport))
            assert code == 4, err
            assert "speaks Socket.IO 2 (Engine.IO 3): monitoring needs Socket.IO 3 or newer" in err
            assert "Unexpected connection error" not in err


@pytest.mark.node
def test_a_server_closing_as_the_admin_namespace_is_joined_is_named() -> None:
    require(node_compat_missing())
    with node_compat_server("--close-on-admin") as peer:
        code, out, err = asyncio.run(snapshot_cli(peer.url))
    assert (code, out) == (4, "")
    assert "closed the connection as the admin namespace /admin was joined" in err
    assert "@socket.io/cluster-adapter with @socket.io/sticky" in err


@pytest.mark.node
@pytest.mark.parametrize("parser", ["default", "msgpack"])
def test_the_probe_names_a_wrong_parser(parser: str) -> None:
    from sio_monitor.domain.emit.probe_settings import ProbeSettings
    from sio_monitor.net.probe import ProbeClient

    wrong = "default" if parser == "msgpack" else "msgpack"

    async def main(url: str) -> None:
        settings = ProbeSettings(url, parser=wrong, connect_timeout=5, reconnection=False)
        probe = ProbeClient(settings.validated(), lambda _event: None)
        assert not await probe.connect()
        assert f"choose the {parser} parser" in (probe.failure_message or "")
        right = ProbeClient(ProbeSettings(url, parser=parser), lambda _event: None)
        try:
            assert await right.connect(), right.failure_message
            reply = await right.emit("/", "echo", (1, b"\x00", {"k": "v"}), ack_timeout=5)
            assert reply.reply == (1, b"\x00", {"k": "v"})
        finally:
            await right.close()

    with node_server("4", parser, auth=False) as url:
        asyncio.run(main(url))
