"""The Socket.IO parser a server uses: the default (JSON) one or msgpack.

A server picks its parser when it starts (Node: ``parser:
require("socket.io-msgpack-parser")``; python-socketio: ``serializer="msgpack"``)
and a client must use the same one: neither side can read the other's packets,
and neither says so. The monitor connects with the parser chosen, and when a
connection that reached the server dies at the namespace it finds out whether
the other parser works, so that the sentence names the one to pick.
"""

from __future__ import annotations

import asyncio
from typing import Any

import socketio

from sio_monitor.domain.settings import PARSER_CHOICES
from sio_monitor.net.teardown import abandon
from sio_monitor.net.wire_codec import WirePacket

__all__ = [
    "PARSER_CHOICES",
    "answers_at_all",
    "other_parser",
    "parser_mismatch_message",
    "serializer_for",
]

#: The longest one attempt with the other parser may take, whatever the connect timeout.
PARSER_CHECK_TIMEOUT = 5.0

#: How each parser is named to a user, with the server-side setting that selects it.
PARSER_NAMES = {
    "default": "the default (JSON) parser",
    "msgpack": "the msgpack parser (socket.io-msgpack-parser, or serializer='msgpack')",
}


def serializer_for(parser: str) -> Any:
    """python-socketio's ``serializer`` for a parser choice."""
    return "msgpack" if parser == "msgpack" else WirePacket


def other_parser(parser: str) -> str:
    return "default" if parser == "msgpack" else "msgpack"


def parser_mismatch_message(where: str, chosen: str) -> str:
    """The sentence for a server that answers in the other parser."""
    right = other_parser(chosen)
    wrong = PARSER_NAMES[chosen].split(" (")[0]
    return (
        f"The server at {where} uses {PARSER_NAMES[right]}, not {wrong}: "
        f"choose the {right} parser (--parser {right}) and connect again."
    )


async def answers_at_all(
    client: socketio.AsyncClient, url: str, connect_timeout: float, **connect: Any
) -> bool:
    """Whether one short connection attempt by ``client`` (made with the other parser) succeeds.

    The admin connection and the probe ask this the same way when a server
    they reached went silent at the namespace; ``client`` is abandoned after.
    """
    budget = max(1.0, min(connect_timeout, PARSER_CHECK_TIMEOUT))
    try:
        await asyncio.wait_for(client.connect(url, wait_timeout=budget, **connect), budget)
    except (socketio.exceptions.ConnectionError, ValueError, OSError, TimeoutError):
        return False
    finally:
        await abandon(client)
    return True
