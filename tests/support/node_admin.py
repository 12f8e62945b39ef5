"""Node socket.io with @socket.io/admin-ui: 4.8 (``socket.io``) or 3.1 (the ``socket.io-v3`` alias).

Both run ``tests/peers/admin_server.js`` (namespaces ``/`` and ``/chat``,
``GET /truth`` with the server's own sockets and rooms), the 3.1 one with
``--package socket.io-v3``. :func:`node_admin` starts one; the fixtures
``node48_server`` and ``node31_server`` of ``tests/support/fixtures.py`` wrap it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from tests.peers.launch import NODE_MODULES, PEERS_DIR, NodePeer, node_available

PACKAGES = {"4.8": "socket.io", "3.1": "socket.io-v3"}


def node_admin_missing(version: str) -> str | None:
    """Say why this Node server cannot run here, or None when it can."""
    reason = node_available()
    if reason is None and not (NODE_MODULES / PACKAGES[version]).is_dir():
        reason = f"{PACKAGES[version]} is missing: run `npm ci` in {PEERS_DIR}"
    return reason


@contextlib.contextmanager
def node_admin(version: str, *flags: str) -> Iterator[NodePeer]:
    """A running admin_server.js on socket.io ``version`` ("4.8" or "3.1"), stopped after."""
    with NodePeer("admin_server.js", "--package", PACKAGES[version], *flags) as peer:
        yield peer
