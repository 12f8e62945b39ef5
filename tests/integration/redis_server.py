"""A real Redis for the cluster tests: Debian's redis-server on a free loopback port.

Nothing is persisted (no RDB snapshots, no append-only file) and the working
directory is a temporary one, removed when the server stops, so a test run
leaves no ``dump.rdb`` behind and never sees another run's keys. Start-up is
judged by Redis itself answering ``PING``, not by a port that merely accepts.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.skips import require

REDIS_SERVER = "/usr/bin/redis-server"
STARTUP_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0
PORT_ATTEMPTS = 3  # another process may take the probed port before Redis binds it


def redis_missing() -> str | None:
    """Say why Redis cannot run here, or None when it can."""
    binary = shutil.which("redis-server") or REDIS_SERVER
    if not os.access(binary, os.X_OK):
        return "redis-server is not installed: install Debian's redis-server package"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """One redis-server process, stopped by ``stop()`` or on leaving a ``with`` block."""

    def __init__(self) -> None:
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._dir: Path | None = None
        self._log: Path | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        reason = redis_missing()
        if reason is not None:
            raise RuntimeError(reason)
        self._dir = Path(tempfile.mkdtemp(prefix="sio-monitor-redis-"))
        self._log = self._dir / "redis.log"
        for _ in range(PORT_ATTEMPTS):
            self.port = _free_port()
            if self._launch():
                return self
        log = self._log.read_text(errors="replace") if self._log.exists() else ""
        self.stop()
        raise RuntimeError(f"redis-server did not answer PING on any free port; its log:\n{log}")

    def _launch(self) -> bool:
        assert self._dir is not None and self._log is not None
        binary = shutil.which("redis-server") or REDIS_SERVER
        args = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self._dir)]
        args += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        args += ["--logfile", str(self._log)]
        self.process = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False  # exited: most likely the port was taken meanwhile
            if _answers_ping(self.port):
                return True
            time.sleep(0.05)  # polling a child process for readiness, not synchronising a test
        self._terminate()
        return False

    def _terminate(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop(self) -> None:
        self._terminate()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A fresh Redis per test; skipped, with the reason, only where redis-server is missing.

    Under CI (``CI=true``) a missing Redis is a failure instead: CI installs it.
    """
    require(redis_missing())
    with RedisServer() as server:
        yield server
