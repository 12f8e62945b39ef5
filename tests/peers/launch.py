"""Start the Node test servers of tests/peers as subprocesses for tests and benchmarks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

PEERS_DIR = Path(__file__).resolve().parent
NODE_MODULES = PEERS_DIR / "node_modules"

# Node starts in well under a second; the margin covers a loaded 2-core CI runner.
STARTUP_TIMEOUT = 15.0
STOP_TIMEOUT = 5.0


def node_available() -> str | None:
    """Say why the Node peers cannot run, or None when they can.

    Returns a reason rather than a bool so that a skipped test tells the reader
    exactly what to install.
    """
    if shutil.which("node") is None:
        return "Node.js is not installed: install nodejs and run `npm ci` in tests/peers"
    if (
        not (NODE_MODULES / "socket.io").is_dir()
        or not (NODE_MODULES / "@socket.io" / "admin-ui").is_dir()
        or not (NODE_MODULES / "socket.io-v2").is_dir()
    ):
        return f"the npm packages of the test peers are missing: run `npm ci` in {PEERS_DIR}"
    return None


class PeerStartError(RuntimeError):
    """The Node peer exited or stayed silent instead of announcing its port."""


class NodePeer:
    """One running `node tests/peers/<script>`, stopped on exit.

    The script announces its port with one JSON line on stdout; waiting for that
    line (instead of polling the port) is what makes start-up race free with
    `--port 0`.
    """

    def __init__(self, script: str, *args: str, env: dict[str, str] | None = None) -> None:
        self.script = script
        self.args = args
        self.env = env
        self.process: subprocess.Popen[str] | None = None
        self.port: int = 0
        self.url: str = ""
        self._stderr: list[str] = []
        self._readers: list[threading.Thread] = []

    def start(self) -> NodePeer:
        reason = node_available()
        if reason is not None:
            raise PeerStartError(reason)
        node = shutil.which("node")
        assert node is not None
        self.process = subprocess.Popen(
            [node, str(PEERS_DIR / self.script), *self.args],
            cwd=PEERS_DIR,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **(self.env or {})},
        )
        # Drained continuously so a chatty peer can never block on a full pipe,
        # and kept so a failure can show what Node said.
        self._spawn_reader(self._collect, self.process.stderr, self._stderr)
        try:
            announcement = self._read_announcement()
        except BaseException:
            self.stop()
            raise
        self.port = int(announcement["port"])
        self.url = str(announcement["url"])
        return self

    def _read_announcement(self) -> dict[str, Any]:
        assert self.process is not None and self.process.stdout is not None
        lines: list[str] = []
        # readline() has no timeout of its own: read in a thread, wait on the thread.
        reader = self._spawn_reader(self._first_line, self.process.stdout, lines)
        reader.join(STARTUP_TIMEOUT)
        line = lines[0] if lines else ""
        if not line:
            # Judged before stop(), which would give a silent peer an exit code too.
            code = self.process.poll()
            state = (
                f"exited with code {code}"
                if code is not None
                else f"printed nothing within {STARTUP_TIMEOUT:.0f} s"
            )
            self.stop()
            raise PeerStartError(f"{self.script} {state}; stderr:\n{self.stderr}")
        try:
            return dict(json.loads(line))
        except ValueError as error:
            raise PeerStartError(
                f"{self.script} printed {line!r} instead of its port; stderr:\n{self.stderr}"
            ) from error

    def _spawn_reader(self, target: Any, stream: Any, sink: list[str]) -> threading.Thread:
        reader = threading.Thread(target=target, args=(stream, sink), daemon=True)
        reader.start()
        self._readers.append(reader)
        return reader

    @staticmethod
    def _first_line(stream: Any, sink: list[str]) -> None:
        sink.append(stream.readline())

    @staticmethod
    def _collect(stream: Any, sink: list[str]) -> None:
        for line in stream:
            sink.append(line)

    @property
    def stderr(self) -> str:
        """What the peer wrote to stderr so far (complete once it has stopped)."""
        return "".join(self._stderr)

    def stop(self) -> None:
        """Terminate politely, then kill: a hung peer must not hang the test run."""
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        # The readers see end-of-file once the process is gone; closing the pipes
        # only after they finish avoids closing a file under a thread's read.
        for reader in self._readers:
            reader.join(1.0)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()

    def __enter__(self) -> NodePeer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


async def fetch_truth(url: str) -> dict[str, Any]:
    """Return admin_server.js's own view of namespaces, sockets and rooms.

    Tests compare the monitor against this rather than against the admin
    events, which are the very thing under test.
    """
    import aiohttp

    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{url.rstrip('/')}/truth", timeout=aiohttp.ClientTimeout(total=10)) as reply,
    ):
        reply.raise_for_status()
        return dict(await reply.json())
