"""python-socketio's ``AsyncServer`` under uvicorn (ASGI), instrumented, either parser.

Run as ``python -m tests.support.asgi_server --port 0 [--parser msgpack]``: it
serves on 127.0.0.1 with ``instrument(auth=False)`` and prints one JSON line
``{"port", "url", "pid"}`` once uvicorn is listening. ``GET /truth`` answers
``{"namespaces": {"/": {"sockets": [...], "rooms": {room: [...]}}}}``: the
server's own view of its application namespace. Clients join the rooms listed
in their ``?rooms=a,b`` query.

:class:`AsgiServer` starts one from a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
from typing import Any
from urllib.parse import parse_qs

from tests.support.process import ServerProcess


def build_app(parser: str) -> Any:
    import socketio

    sio = socketio.AsyncServer(
        async_mode="asgi", serializer="msgpack" if parser == "msgpack" else "default"
    )
    sio.instrument(auth=False, server_id=f"asgi-{parser}")

    @sio.on("connect")
    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        query = parse_qs(environ.get("QUERY_STRING", ""))
        for room in ",".join(query.get("rooms", [])).split(","):
            if room:
                await sio.enter_room(sid, room)

    @sio.on("echo")
    async def echo(sid: str, *args: Any) -> Any:
        return args

    def truth() -> dict[str, Any]:
        rooms: dict[str, list[str]] = {}
        sockets: list[str] = []
        for room, members in sio.manager.rooms.get("/", {}).items():
            if room is None:
                sockets = sorted(members)
            else:
                rooms[room] = sorted(members)
        return {"namespaces": {"/": {"sockets": sockets, "rooms": rooms}}}

    async def app_truth(scope: Any, receive: Any, send: Any) -> None:
        body = json.dumps(truth()).encode()
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    asgi = socketio.ASGIApp(sio)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/truth":
            await app_truth(scope, receive, send)
        else:
            await asgi(scope, receive, send)

    return app


async def serve(args: argparse.Namespace) -> None:
    import uvicorn

    listener = socket.socket()
    listener.bind(("127.0.0.1", args.port))
    port = listener.getsockname()[1]
    config = uvicorn.Config(build_app(args.parser), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.ensure_future(server.serve(sockets=[listener]))
    while not server.started:
        await asyncio.sleep(0.01)  # uvicorn offers no event for "listening"
    url = f"http://127.0.0.1:{port}"
    print(json.dumps({"port": port, "url": url, "pid": os.getpid()}), flush=True)
    await task


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--parser", choices=("default", "msgpack"), default="default")
    asyncio.run(serve(parser.parse_args(argv)))


class AsgiServer(ServerProcess):
    """One ``asgi_server`` process."""

    def __init__(self, parser: str = "default") -> None:
        super().__init__("tests.support.asgi_server", "--parser", parser)


if __name__ == "__main__":
    main()
