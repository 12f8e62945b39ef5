"""Runs the embedded demo server as a child process for ``sio-monitor --demo``.

A child process rather than tasks on the GUI thread: the demo's server and its
forty simulated users would otherwise compete with the window for the one
thread that paints, and a benchmark of the window would measure the demo.
"""

from __future__ import annotations

import asyncio
import json
import sys

from PySide6.QtCore import QObject, QProcess

from sio_monitor.net import lifeline


def demo_server_command() -> tuple[str, list[str]]:
    """The program and leading arguments that run ``sio-monitor demo-server``.

    A frozen bundle's executable is the app itself and runs no ``-m``; an
    interpreter runs the package that is importable beside it.
    """
    if getattr(sys, "frozen", False):
        return sys.executable, []
    return sys.executable, ["-m", "sio_monitor"]


class DemoServerProcess(QObject):
    """Starts ``sio-monitor demo-server --json`` and reads where it listens."""

    START_TIMEOUT = 20.0

    def __init__(self, parent: QObject | None = None, clients: int = 40, rate: float = 20) -> None:
        super().__init__(parent)
        self.info: dict[str, str | None] = {}
        self._args = ["--clients", str(clients), "--rate", str(rate)]
        self._process = QProcess(self)
        self._process.setProcessChannelMode(QProcess.ProcessChannelMode.SeparateChannels)
        self._buffer = b""
        self._ready: asyncio.Future[dict[str, str | None]] | None = None
        self._process.readyReadStandardOutput.connect(self._read_output)
        self._process.finished.connect(self._finished)

    async def start(self) -> dict[str, str | None]:
        """Start the server; return its ``url``, ``admin_namespace``, ``username``, ``password``."""
        self._ready = asyncio.get_running_loop().create_future()
        program, leading = demo_server_command()
        # Tied to the app: the server ends with it even when the app is killed.
        tied = lifeline.command(
            [program, *leading, "demo-server", "--json", "--port", "0", *self._args]
        )
        self._process.start(tied[0], tied[1:])
        try:
            self.info = await asyncio.wait_for(self._ready, self.START_TIMEOUT)
        except TimeoutError:
            self.stop()
            raise RuntimeError(
                f"The demo server did not start within {self.START_TIMEOUT:g} s."
            ) from None
        return self.info

    def stop(self) -> None:
        """SIGTERM, a bounded wait, then SIGKILL: the demo never outlives the window."""
        if self._process.state() == QProcess.ProcessState.NotRunning:
            return
        self._process.terminate()
        if not self._process.waitForFinished(2500):
            self._process.kill()
            self._process.waitForFinished(500)

    def _read_output(self) -> None:
        self._buffer += bytes(self._process.readAllStandardOutput().data())
        if self._ready is None or self._ready.done() or b"\n" not in self._buffer:
            return
        line = self._buffer.split(b"\n", 1)[0]
        try:
            info = json.loads(line)
        except ValueError:
            self._ready.set_exception(RuntimeError(f"The demo server said: {line!r}"))
            return
        self._ready.set_result(info)

    def _finished(self) -> None:
        if self._ready is not None and not self._ready.done():
            error = bytes(self._process.readAllStandardError().data()).decode(errors="replace")
            self._ready.set_exception(
                RuntimeError(f"The demo server exited before it was ready: {error.strip()[-500:]}")
            )
