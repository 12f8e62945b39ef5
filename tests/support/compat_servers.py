"""Launchers for the compatibility table's servers (see README, "Servers it works with").

- :func:`node_compat_server`: tests/support/compat_server.js, Node socket.io 4.8
  or 3.1 with admin-ui, either parser, any path, basic auth with a bcrypt hash.
- :class:`tests.support.asgi_server.AsgiServer`: python-socketio under uvicorn.
- :class:`tests.support.nginx.Nginx`: nginx in front of either, TLS and a path prefix.

Each is a real server on a free loopback port, stopped when the test ends.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from tests.peers.launch import NODE_MODULES, PEERS_DIR, NodePeer, node_available

SCRIPT = "../support/compat_server.js"


def node_compat_missing(*packages: str) -> str | None:
    """Why the Node compatibility server cannot run here, or None."""
    reason = node_available()
    for package in packages:
        if reason is None and not (NODE_MODULES / package).is_dir():
            reason = f"the npm package {package} is missing: run `npm ci` in {PEERS_DIR}"
    return reason


@contextmanager
def node_compat_server(*flags: str) -> Iterator[NodePeer]:
    """compat_server.js with ``flags`` (--socketio 3|4, --parser, --auth, --path), started."""
    env = {
        "NODE_PATH": os.pathsep.join(filter(None, [str(NODE_MODULES), os.environ.get("NODE_PATH")]))
    }
    with NodePeer(SCRIPT, *flags, env=env) as peer:
        yield peer
