"""Records the window's session: applied batches of the bridge and the probe, one file per server.

The recorder listens where the views listen (``EventBridge.events_applied``
and ``ProbeSession.events_arrived``), so what is recorded is exactly what was
shown, batch by batch, and costs the GUI thread one queue append per tick;
encoding and writing run on the writer's thread. Each ``start`` (a new
connection) opens a new file named by time and server. The indicator text is
refreshed once a second from the writer's figures, only when it changed. A file
whose connection never connected holds only failed attempts: it is removed when
it is closed, so a mistyped address leaves no empty recording behind.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from sio_monitor.domain.emit.probe_events import ProbeState, ProbeStateChanged
from sio_monitor.domain.events import (
    ClockTicked,
    ConnectionChanged,
    ConnectionState,
    ReconnectScheduled,
)
from sio_monitor.domain.secrets import settings_secrets
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.qt.bridge import EventBridge
from sio_monitor.qt.probe_session import ProbeSession
from sio_monitor.store.recording import (
    DEFAULT_CAP_BYTES,
    RecordingError,
    RecordingWriter,
    describe,
    recording_path,
    recordings_dir,
)

log = logging.getLogger(__name__)

#: Milliseconds between refreshes of the indicator text.
STATUS_INTERVAL_MS = 1000
#: Seconds the app's exit waits for the last commit.
CLOSE_TIMEOUT = 2.0
RECORDING_OFF = "Recording off"
NOT_RECORDING = "Not recording"


def _attempt_only(event: object) -> bool:
    """Whether ``event`` only tells of trying to connect (nothing a replay would show)."""
    if isinstance(event, ConnectionChanged):
        return event.state is not ConnectionState.CONNECTED
    if isinstance(event, ProbeStateChanged):
        return event.state is not ProbeState.CONNECTED
    return isinstance(event, ReconnectScheduled | ClockTicked)


class Recorder(QObject):
    """Owns at most one RecordingWriter: the file of the current connection."""

    status_changed = Signal(str)  # the indicator's sentence
    recording_changed = Signal(object)  # Path of the file being written, or None
    failed = Signal(str)  # recording stopped on an error; the sentence says which

    def __init__(
        self,
        bridge: EventBridge,
        probe: ProbeSession | None = None,
        *,
        directory: Path | None = None,
        cap_bytes: int = DEFAULT_CAP_BYTES,
        enabled: bool = True,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.directory = directory
        self.cap_bytes = cap_bytes
        self.writer: RecordingWriter | None = None
        self._enabled = enabled
        self._settings: ConnectionSettings | None = None
        self._status = RECORDING_OFF if not enabled else NOT_RECORDING
        self._closing: list[RecordingWriter] = []
        self._live = False  # the current file got more than connection attempts
        self._probe = probe
        bridge.events_applied.connect(self._record)
        if probe is not None:
            probe.events_arrived.connect(self._record)
            probe.state_changed.connect(self._probe_changed)
        self._timer = QTimer(self)
        self._timer.setInterval(STATUS_INTERVAL_MS)
        self._timer.timeout.connect(self.refresh)

    @property
    def enabled(self) -> bool:
        return self._enabled

    @property
    def path(self) -> Path | None:
        return self.writer.path if self.writer is not None else None

    @property
    def status(self) -> str:
        return self._status

    @property
    def folder(self) -> Path:
        return recordings_dir() if self.directory is None else self.directory

    def set_enabled(self, enabled: bool) -> None:
        """Turn recording on or off; on again starts a new file for the current connection."""
        if enabled == self._enabled:
            return
        self._enabled = enabled
        if not enabled:
            self.stop()
        elif self._settings is not None:
            self.start(self._settings)
        else:
            self._set_status(NOT_RECORDING)

    def start(self, settings: ConnectionSettings | None) -> Path | None:
        """Close the current file and open one for ``settings``; None stops recording.

        Connect ``MonitorSession.settings_changed`` here: it fires after the
        bridge is reset and before the new connection says anything.
        """
        self.stop()
        self._settings = settings
        if settings is None or not self._enabled:
            return None
        try:
            writer = RecordingWriter(
                recording_path(settings.url, time.time(), self.directory),
                server_url=settings.url,
                admin_namespace=settings.admin_namespace,
                cap_bytes=self.cap_bytes,
                secrets=self._secrets(settings),
            )
        except RecordingError as exc:
            log.error("%s", exc)
            self._set_status(f"Not recording: {exc}")
            self.failed.emit(str(exc))
            return None
        self.writer, self._live = writer, False
        self.recording_changed.emit(writer.path)
        self._timer.start()
        self.refresh()
        return writer.path

    def stop(self) -> None:
        """Close the current file without waiting: its thread commits the rest and ends."""
        writer, self.writer = self.writer, None
        self._timer.stop()
        if writer is None:
            return
        if not self._live:
            _discard(writer)
        else:
            writer.close(timeout=0)
        self._closing = [w for w in self._closing if not w.stats.closed] + [writer]
        self._set_status(RECORDING_OFF if not self._enabled else NOT_RECORDING)
        self.recording_changed.emit(None)

    def close(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """At exit: stop, and give every file being closed a bounded time to finish."""
        self.stop()
        closing, self._closing = self._closing, []
        for writer in closing:
            if not writer.close(timeout):
                log.warning("The recording %s was still being written at exit", writer.path)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything handed over so far is in the file (tests, before opening it)."""
        return self.writer is not None and self.writer.flush(timeout)

    def refresh(self) -> None:
        writer = self.writer
        if writer is None:
            return
        stats = writer.stats
        self._set_status(describe(stats, self.cap_bytes))
        if stats.error is not None:
            self.writer = None
            self._timer.stop()
            self.recording_changed.emit(None)
            self.failed.emit(self._status)

    def _secrets(self, settings: ConnectionSettings) -> list[str]:
        """The admin connection's and the probe's secrets: its own socket shows in the stream."""
        probe = self._probe.settings if self._probe is not None else None
        return [*settings_secrets(settings), *settings_secrets(probe)]

    def _probe_changed(self, _state: object) -> None:
        if self.writer is not None and self._probe is not None:
            self.writer.add_secrets(settings_secrets(self._probe.settings))

    def _record(self, batch: list[object]) -> None:
        if self.writer is not None:
            self.writer.add(batch)
            if not self._live:
                self._live = not all(_attempt_only(event) for event in batch)

    def _set_status(self, text: str) -> None:
        if text != self._status:
            self._status = text
            self.status_changed.emit(text)


def _discard(writer: RecordingWriter) -> None:
    """Close a file that recorded no connection and remove it with its journal files."""
    if not writer.close(CLOSE_TIMEOUT):
        log.warning("The empty recording %s was still being written: it is kept", writer.path)
        return
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{writer.path}{suffix}").unlink(missing_ok=True)
