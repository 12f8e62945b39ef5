"""A test server as a child process: started, awaited on its announcement line, killed.

Each launcher in ``tests/support`` runs its server in a process of its own
that prints one JSON line (``{"port", "url", "pid"}``) once it is ready, so a
test never guesses when to start. The child is in a process group of its own
and the whole group is killed at the end (Node cluster workers included).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 60.0


class ServerProcess:
    """A server launched as ``python -m MODULE ARGS`` (or any argv), ready when it announces."""

    def __init__(self, module: str, *args: str, argv: list[str] | None = None) -> None:
        self.argv = argv or [sys.executable, "-m", module, "--port", "0", *args]
        self.process: subprocess.Popen[str] | None = None
        self.port = 0
        self.url = ""
        self.announcement: dict[str, Any] = {}
        self._stderr: list[str] = []

    def start(self) -> ServerProcess:
        self.process = process = subprocess.Popen(
            self.argv,
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._drain, args=(process,), daemon=True).start()
        lines: list[str] = []
        reader = threading.Thread(
            target=lambda: lines.append(process.stdout.readline()),  # type: ignore[union-attr]
            daemon=True,
        )
        reader.start()
        reader.join(STARTUP_TIMEOUT)
        if not lines or not lines[0].strip():
            self.stop()
            raise RuntimeError(f"{self.argv[2:4]} did not start:\n{self.stderr}")
        self.announcement = json.loads(lines[0])
        self.port, self.url = self.announcement["port"], self.announcement["url"]
        return self

    def next_line(self, timeout: float = STARTUP_TIMEOUT) -> dict[str, Any]:
        """The next JSON line the server prints (an event a test waits for)."""
        assert self.process is not None and self.process.stdout is not None
        stdout = self.process.stdout
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        if not lines or not lines[0].strip():
            raise RuntimeError(f"{self.argv[:3]} printed nothing more:\n{self.stderr}")
        return json.loads(lines[0])

    def _drain(self, process: subprocess.Popen[str]) -> None:
        if process.stderr is not None:
            for line in process.stderr:
                self._stderr.append(line)

    @property
    def stderr(self) -> str:
        return "".join(self._stderr[-40:])

    def stop(self) -> None:
        """Kill the whole process group, then reap the child."""
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        if process.stdout is not None:
            process.stdout.close()

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
