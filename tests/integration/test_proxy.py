"""A Socket.IO server behind a real nginx with TLS and a path prefix, and a proxy's answers named.

nginx (tests/support/nginx.py) serves https://127.0.0.1:PORT/rt/socket.io/ from
a Node socket.io 4.8 server with admin-ui, with a certificate from a test CA.
Through it, a snapshot equals the server's truth and the probe round-trips an
ack, on websocket and polling. Where nginx answers for a server it cannot
reach (502, 503, 504), asks for credentials (401) or serves a web page, the
monitor says so, over both transports.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from sio_monitor.domain.emit.probe_settings import ProbeSettings
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.net.probe import ProbeClient
from sio_monitor.terminal.snapshot import take_snapshot
from tests.support.compat_servers import (
    CLIENTS,
    crowd,
    document_view,
    node_compat_missing,
    node_compat_server,
    truth,
)
from tests.support.nginx import PREFIX, Nginx, nginx_missing
from tests.support.skips import require

pytestmark = [pytest.mark.network, pytest.mark.node]

TRANSPORTS = ["websocket", "polling"]


@pytest.fixture(scope="module")
def proxied() -> Iterator[tuple[Nginx, str]]:
    require(nginx_missing())
    require(node_compat_missing())
    with node_compat_server() as peer, Nginx(peer.port) as nginx:
        yield nginx, peer.url


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_snapshot_and_probe_through_nginx_with_tls_and_a_prefix(
    proxied: tuple[Nginx, str], transport: str
) -> None:
    nginx, direct = proxied

    async def main() -> None:
        settings = ConnectionSettings(
            nginx.url, path=PREFIX, transport=transport, ca_file=nginx.ca_file, connect_timeout=8
        )
        async with crowd(direct, "default"):
            result = await take_snapshot(settings)
            assert result.code == 0, result.message
            assert result.document is not None
            view = document_view(result.document)
            assert view == await truth(direct)
            assert len(view["/"]["sockets"]) == CLIENTS
        probe = ProbeClient(
            ProbeSettings(
                nginx.url, path=PREFIX, transport=transport, ca_file=nginx.ca_file
            ).validated(),
            lambda _event: None,
        )
        try:
            assert await probe.connect(), probe.failure_message
            reply = await probe.emit("/", "echo", ("через nginx", b"\x00\xff"), ack_timeout=8)
            assert reply.reply == ("через nginx", b"\x00\xff")
        finally:
            await probe.close()

    asyncio.run(main())


ANSWERS = [
    pytest.param(
        "/down/socket.io",
        "answered 502 Bad Gateway, so the Socket.IO server behind it is not answering",
        id="502",
    ),
    pytest.param(
        "/maintenance/socket.io",
        "answered 503 Service Temporarily Unavailable, so the Socket.IO server behind it is "
        "unavailable",
        id="503",
    ),
    pytest.param(
        "/slow/socket.io",
        "answered 504 Gateway Time-out, so the Socket.IO server behind it did not answer",
        id="504",
    ),
    pytest.param(
        "/locked/socket.io",
        "answered HTTP 401: a proxy (nginx/",
        id="401",
    ),
    pytest.param(
        "/page/socket.io",
        "with an HTML page where Socket.IO was expected: a web server or proxy answers at the "
        "path /page/socket.io",
        id="html",
    ),
]


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize(("path", "said"), ANSWERS)
def test_a_proxys_answer_is_named(
    proxied: tuple[Nginx, str], path: str, said: str, transport: str
) -> None:
    nginx, _ = proxied
    settings = ConnectionSettings(
        nginx.url, path=path, transport=transport, ca_file=nginx.ca_file, connect_timeout=8
    )
    result = asyncio.run(take_snapshot(settings))
    assert result.code in (3, 4)
    assert said in result.message, result.message
    assert "Connection error" not in result.message
    if path != "/page/socket.io":
        assert "no Socket.IO server answers at the path" not in result.message
    probe = ProbeClient(
        ProbeSettings(nginx.url, path=path, transport=transport, ca_file=nginx.ca_file),
        lambda _event: None,
    )
    assert not asyncio.run(probe.connect())
    assert said in (probe.failure_message or "")
