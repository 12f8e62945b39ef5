"""Launchers for the compatibility table's servers (see README, "Servers it works with").

- :func:`node_compat_server`: tests/support/compat_server.js, Node socket.io 4.8
  or 3.1 with admin-ui, either parser, any path, basic auth with a bcrypt hash.
- :class:`tests.support.asgi_server.AsgiServer`: python-socketio under uvicorn.
- :class:`tests.support.nginx.Nginx`: nginx in front of either, TLS and a path prefix.

Each is a real server on a free loopback port, stopped when the test ends.

:func:`crowd` connects ordinary clients in rooms; :func:`truth` (what the server
says it holds) and :func:`document_view` (what ``snapshot --json`` says) give
the same :data:`tests.support.views.View` shape, a socket's own room left out.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import aiohttp
import socketio

from tests.peers.launch import NODE_MODULES, PEERS_DIR, NodePeer, node_available
from tests.support.views import View

SCRIPT = "../support/compat_server.js"
#: The ordinary clients :func:`crowd` connects.
CLIENTS = 12


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


@asynccontextmanager
async def crowd(url: str, parser: str, count: int = CLIENTS) -> AsyncIterator[None]:
    """``count`` ordinary clients of "/", in rooms a/b by turns, connected with ``parser``."""
    clients = [socketio.AsyncClient(reconnection=False, serializer=parser) for _ in range(count)]
    try:
        await asyncio.gather(
            *(
                client.connect(
                    f"{url}?rooms={'a' if i % 2 else 'b'},all",
                    transports=["websocket"],
                    wait_timeout=10,
                )
                for i, client in enumerate(clients)
            )
        )
        yield
    finally:
        await asyncio.gather(*(client.disconnect() for client in clients))


async def truth(url: str) -> View:
    async with aiohttp.ClientSession() as http, http.get(f"{url}/truth") as reply:
        document = await reply.json()
    return {
        name: {
            "sockets": sorted(state["sockets"]),
            "rooms": {
                room: sorted(ids)
                for room, ids in state["rooms"].items()
                if room not in state["sockets"]  # a socket's own room is not listed
            },
        }
        for name, state in document["namespaces"].items()
        if state["sockets"]
    }


def document_view(document: dict[str, Any]) -> View:
    return {
        nsp["name"]: {
            "sockets": sorted(s["id"] for s in nsp["sockets"]),
            "rooms": {
                room["name"]: sorted(room["sockets"])
                for room in nsp["rooms"]
                if room["name"] not in {s["id"] for s in nsp["sockets"]}
            },
        }
        for nsp in document["namespaces"]
        if nsp["sockets"]
    }
