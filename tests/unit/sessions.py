"""Loading the recorded admin sessions of tests/fixtures for replay in unit tests."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from sio_monitor.domain.events import ProtocolEvent
from sio_monitor.net.codec import decode

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FLAVOURS = ("node", "python")


@cache
def load(flavour: str) -> dict[str, Any]:
    """The raw recording: flavour, server, admin_sid, truth, events."""
    return json.loads((FIXTURES / f"{flavour}_admin_session.json").read_text())


def raw_events(flavour: str) -> list[tuple[str, tuple[Any, ...], float]]:
    return [(name, tuple(args), at) for name, args, at in load(flavour)["events"]]


def decoded(flavour: str) -> list[ProtocolEvent]:
    return [decode(name, args, at) for name, args, at in raw_events(flavour)]


def expected_rooms(flavour: str) -> dict[str, dict[str, list[str]]]:
    """Per application namespace, socket id -> sorted rooms, from the server's own view."""
    result: dict[str, dict[str, list[str]]] = {}
    for nsp, truth in load(flavour)["truth"]["namespaces"].items():
        result[nsp] = {
            sid: sorted(room for room, members in truth["rooms"].items() if sid in members)
            for sid in truth["sockets"]
        }
    return result
