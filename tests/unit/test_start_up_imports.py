"""What the window needs before its first paint, and nothing more.

The network stack (aiohttp, python-socketio, engineio, cryptography) and the
keyring take about half a second to import; the window loads them when it
first connects, so that it paints sooner (tests/benchmarks/bench_startup.py).
"""

from __future__ import annotations

import json
import subprocess
import sys

from sio_monitor.net.demo_traffic import HOME_ROOM
from sio_monitor.ui.emit.emit_console import DEMO_MESSAGE

DEFERRED = ("aiohttp", "socketio", "engineio", "cryptography", "keyring", "redis")


def test_the_app_module_loads_without_the_network_stack_or_the_keyring() -> None:
    script = (
        "import json, sys; import sio_monitor.app, sio_monitor.cli;"
        f" print(json.dumps([m for m in {DEFERRED!r} if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == []


def test_the_demo_message_goes_to_the_room_the_demo_server_puts_every_socket_in() -> None:
    assert DEMO_MESSAGE["room"] == HOME_ROOM
