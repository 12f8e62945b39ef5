"""What a server holds, in one comparable shape: namespace to sockets and rooms.

``View`` is ``{namespace: {"sockets": [...], "rooms": {room: [...]}}}``; the
tests compare the monitor's picture with the server's own in this form.
"""

from __future__ import annotations

from typing import Any

from sio_monitor.net.demo import DemoServer

View = dict[str, dict[str, Any]]


def python_view(server: DemoServer) -> View:
    """The in-process python-socketio demo server's own rooms, its admin namespace left out."""
    view: View = {}
    for nsp, rooms in server.sio.manager.rooms.items():
        if nsp == server.admin_namespace or not rooms.get(None):
            continue
        view[nsp] = {
            "sockets": sorted(rooms[None]),
            "rooms": {room: sorted(ids) for room, ids in rooms.items() if room is not None},
        }
    return view
