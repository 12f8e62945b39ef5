"""What the monitor says about servers it can reach only in part: Socket.IO 2.

Kept in the domain so that the admin connection (which says it) and the window
(which answers it by opening the emit console) agree on one sentence without
the window importing the network stack.
"""

from __future__ import annotations

#: The words that name a Socket.IO 2 server in the admin connection's failure.
SOCKETIO_2_NAMED = "speaks Socket.IO 2 (Engine.IO 3): monitoring needs Socket.IO 3 or newer"


def socketio_2_message(where: str) -> str:
    """A Socket.IO 2 server met by the admin connection: admin-ui needs 3+, the probe does not."""
    return (
        f"The server at {where} {SOCKETIO_2_NAMED}, as @socket.io/admin-ui does. "
        "The emit console (sio-monitor emit) works with it: use it to send and receive events."
    )


def names_socketio_2(message: str) -> bool:
    return SOCKETIO_2_NAMED in message
