"""``sio-monitor URL --screenshot`` ends by itself when the connection fails."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.network

#: Only a failure timeout: the app without the fix waited a minute for live data.
GIVE_UP = 45


def test_a_screenshot_of_a_refused_connection_exits_non_zero_with_the_sentence(
    tmp_path: Path,
) -> None:
    with socket.socket() as reserved:  # bound, never listening: connections are refused
        reserved.bind(("127.0.0.1", 0))
        port = reserved.getsockname()[1]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "sio_monitor",
                f"http://127.0.0.1:{port}",
                "--screenshot",
                str(tmp_path / "shot.png"),
            ],
            env=dict(
                os.environ,
                QT_QPA_PLATFORM="offscreen",
                XDG_CONFIG_HOME=str(tmp_path / "config"),
                XDG_DATA_HOME=str(tmp_path / "data"),
            ),
            capture_output=True,
            text=True,
            timeout=GIVE_UP,
        )
    assert result.returncode == 1, result.stderr[-2000:]
    assert f"Could not connect to 127.0.0.1:{port}: the connection was refused." in result.stderr
    assert "Traceback" not in result.stderr
    assert "No live data" not in result.stderr
