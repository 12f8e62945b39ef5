"""A Flask-SocketIO server in threading mode with python-socketio's sync ``instrument()``.

The sync instrumentation starts one stats task per connection that races at
start-up, so the server sends several ``server_stats`` per interval, each
task counting its uptime from its own start: the case that once taught the
monitor a 0.2 s interval. The race happens in most runs only, so
``--racing-tasks`` (default 3) starts that many more stats tasks, as it does.

Run as ``python -m tests.support.sync_server --port 0 [--clients N]
[--stats-interval S] [--racing-tasks N] [--mode production]``: it serves on 127.0.0.1, lets
``--clients`` users of its own connect at once, and prints one JSON line
``{"port", "url", "pid"}`` once they are in. ``GET /truth`` answers
``{"clients": [...engine ids...], "sockets": [...]}`` of the namespace ``/``.

:class:`SyncServer` starts one from a test; the ``sync_server`` fixture of
``tests/support/fixtures.py`` wraps it.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import threading
from typing import Any

from tests.support.process import ServerProcess


def serve(args: argparse.Namespace) -> None:
    import socketio
    from flask import Flask, jsonify
    from flask_socketio import SocketIO
    from werkzeug.serving import make_server

    app = Flask(__name__)
    io = SocketIO(app, async_mode="threading", logger=False, engineio_logger=False)
    server = io.server
    admin = server.instrument(auth=False, server_id=args.server_id, mode=args.mode,
                              server_stats_interval=args.stats_interval)  # fmt: skip
    # The start-up race (one stats task per connection accepted before the first
    # task was stored) happens in most runs, not all: start the raced tasks here
    # so that every run has them, each counting uptime from its own start.
    if args.racing_tasks and admin.stop_stats_event is None:  # made at the first connection
        admin.stop_stats_event = server.eio.create_event()
    for _ in range(args.racing_tasks):
        server.start_background_task(admin._emit_server_stats)

    @io.on("connect")
    def connect(auth: Any = None) -> None:
        pass

    @app.get("/truth")
    def truth() -> Any:
        # The application's clients: engine connections with a socket in "/" (an admin
        # connection that closed lingers in eio.sockets until reaped, in no namespace).
        participants = list(server.manager.get_participants("/", None))
        clients = sorted({eio for _, eio in participants})
        return jsonify({"clients": clients, "sockets": sorted(sid for sid, _ in participants)})

    http = make_server("127.0.0.1", args.port, app, threaded=True)
    port = http.server_port
    url = f"http://127.0.0.1:{port}"
    threading.Thread(target=http.serve_forever, daemon=True).start()

    users: list[socketio.Client] = []
    threads = []

    def join() -> None:
        client = socketio.Client(reconnection=False)
        client.connect(url, transports=["websocket"])
        users.append(client)

    for _ in range(args.clients):  # all at once: the start-up burst
        thread = threading.Thread(target=join, daemon=True)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    print(json.dumps({"port": port, "url": url, "pid": os.getpid()}), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    for client in users:
        client.disconnect()
    http.shutdown()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--server-id", default="flask-threading")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--stats-interval", type=float, default=2.0)
    parser.add_argument("--racing-tasks", type=int, default=3, help="extra stats tasks")
    parser.add_argument("--mode", choices=("development", "production"), default="development")
    serve(parser.parse_args(argv))


class SyncServer(ServerProcess):
    """One ``sync_server`` process with ``clients`` users of its own."""

    def __init__(
        self, clients: int = 50, stats_interval: float = 2.0, mode: str = "development"
    ) -> None:
        super().__init__(
            "tests.support.sync_server",
            "--clients", str(clients), "--stats-interval", str(stats_interval), "--mode", mode,
        )  # fmt: skip
        self.clients = clients
        self.mode = mode


if __name__ == "__main__":
    main()
