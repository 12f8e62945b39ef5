"""Replays a recording into a bridge: play, pause, 1x / 10x / as fast as possible, seek.

A replay feeds the recorded domain events to ``bridge.sink`` and applies them
with ``bridge.flush`` once per tick, exactly as a live connection does, so the
explorer, the charts and the log show a recording with no code of their own.
Probe events, which no bridge takes, go out through ``probe_events_replayed``
for the log. The topology is built from the stream, so a seek backwards
resets the bridge and runs forward from the start as fast as possible; a seek
forwards just runs ahead. Each tick works for a bounded time, so a long
fast-forward keeps the window responsive and shows its progress.
"""

from __future__ import annotations

import math
import os
import time
import typing
from collections.abc import Callable, Iterator

from PySide6.QtCore import QObject, QTimer, Signal

from sio_monitor.domain.emit.probe_events import ProbeEvent
from sio_monitor.qt.bridge import EventBridge
from sio_monitor.store.recording_reader import (
    RecordedEvent,
    Recording,
    RecordingInfo,
    open_recording,
)

#: Milliseconds between replay ticks (the bridge's own coalescing interval).
TICK_MS = 30
#: Seconds of work one tick may do before it lets the window paint.
TICK_BUDGET = 0.05
FASTEST = math.inf
SPEEDS = (1.0, 10.0, FASTEST)

PAUSED, PLAYING, SEEKING, FINISHED, CLOSED = "paused", "playing", "seeking", "finished", "closed"
_PROBE_TYPES = frozenset(typing.get_args(ProbeEvent))


class ReplayController(QObject):
    """Owns the open recording and the replay clock; the only writer of the bridge while open."""

    position_changed = Signal(float)  # the replay clock: recorded epoch seconds
    state_changed = Signal(str)  # paused, playing, seeking, finished or closed
    opened = Signal(object)  # RecordingInfo
    closed = Signal()
    probe_events_replayed = Signal(object)  # list of probe events, as ProbeSession.events_arrived
    speed_changed = Signal(float)
    rewound = Signal()  # the bridge was reset to replay from the start: views of history clear

    def __init__(
        self,
        bridge: EventBridge,
        parent: QObject | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.recording: Recording | None = None
        self.start = self.end = self.position = 0.0
        self.speed = 1.0
        self.state = CLOSED
        #: Events fed to the bridge (and probe events emitted) since the last reset.
        self.events_fed = 0
        self._clock = clock
        self._rows: Iterator[RecordedEvent] = iter(())
        self._next: RecordedEvent | None = None
        self._exhausted = False
        self._target: float | None = None
        self._resume = False
        self._anchor = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.tick)

    @property
    def info(self) -> RecordingInfo | None:
        return self.recording.info if self.recording is not None else None

    @property
    def playing(self) -> bool:
        """Playing, or seeking and going to play on from where the seek lands."""
        return self.state == PLAYING or (self.state == SEEKING and self._resume)

    @property
    def is_open(self) -> bool:
        return self.recording is not None

    def clock(self) -> float:
        """The replay's "now", for views that place data against the clock (charts)."""
        return self.position

    # --- opening and closing -----------------------------------------------------------

    def open(self, path: str | os.PathLike[str]) -> RecordingInfo:
        """Open ``path`` and show its first moment, paused; RecordingError when it cannot be."""
        recording = open_recording(path)
        span = recording.time_range()
        self.close()
        self.recording = recording
        self.start, self.end = span if span is not None else (recording.info.started_at,) * 2
        self._rewind()
        self._feed(self.start, math.inf)
        self._set_state(PAUSED if span is not None else FINISHED)
        self.opened.emit(recording.info)
        self.position_changed.emit(self.position)
        return recording.info

    def close(self) -> None:
        """Stop and let go of the file; the bridge keeps what it shows until someone resets it."""
        self._timer.stop()
        recording, self.recording = self.recording, None
        if recording is None:
            return
        self._rows, self._next = iter(()), None
        recording.close()
        self._set_state(CLOSED)
        self.closed.emit()

    # --- controls ----------------------------------------------------------------------

    def play(self) -> None:
        if self.recording is None:
            return
        if self.state == FINISHED:
            self.seek(self.start)
        if self.state == SEEKING:
            self._resume = True
            return
        self._anchor = self._clock()
        self._set_state(PLAYING)
        self._timer.start()

    def pause(self) -> None:
        if self.state == SEEKING:
            self._resume = False
        elif self.state == PLAYING:
            self._timer.stop()
            self._set_state(PAUSED)

    def toggle(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def set_speed(self, speed: float) -> None:
        """1.0, 10.0, FASTEST, or any positive factor."""
        if not speed > 0:
            raise ValueError("the replay speed must be more than 0")
        self._anchor = self._clock()
        if speed != self.speed:
            self.speed = speed
            self.speed_changed.emit(speed)

    def seek(self, at: float) -> None:
        """Show the topology as it was at ``at``: back means from the start again, fast."""
        if self.recording is None:
            return
        at = min(max(at, self.start), self.end)
        if self.state != SEEKING:
            self._resume = self.state == PLAYING
        if at < self.position:
            self._rewind()
        self._target = at
        self._set_state(SEEKING)
        self._timer.start()

    # --- the work ------------------------------------------------------------------------

    def tick(self) -> None:
        """One step: feed what is due, bounded in time; the timer calls it, tests may too."""
        if self.recording is None:
            return
        now = self._clock()
        if self.state == SEEKING and self._target is not None:
            if self._feed(self._target, TICK_BUDGET):
                self.position, self._target = self._target, None
                self._anchor = now
                if self._exhausted:
                    self._timer.stop()
                    self._set_state(FINISHED)
                elif self._resume:
                    self._set_state(PLAYING)
                else:
                    self._timer.stop()
                    self._set_state(PAUSED)
        elif self.state == PLAYING:
            if self.speed == FASTEST:
                self._feed(math.inf, TICK_BUDGET)
            else:
                due = self.position + (now - self._anchor) * self.speed
                self._anchor = now
                if self._feed(due, TICK_BUDGET):
                    self.position = max(self.position, min(due, self.end))
            if self._exhausted:
                self.position = self.end
                self._timer.stop()
                self._set_state(FINISHED)
        self.position_changed.emit(self.position)

    def _rewind(self) -> None:
        """Back to before the first event: a fresh bridge, the rows from the top."""
        assert self.recording is not None
        self.bridge.reset(self.recording.info.admin_namespace)
        self._rows = self.recording.rows()
        self._next = None
        self._exhausted = False
        self.position = self.start
        self.events_fed = 0
        self.rewound.emit()

    def _feed(self, until: float, budget: float) -> bool:
        """Feed events up to ``until``; False when the budget ran out first."""
        deadline = time.perf_counter() + budget
        probe: list[object] = []
        sink = self.bridge.sink
        fed = 0
        complete = True
        while True:
            row = self._next if self._next is not None else next(self._rows, None)
            if row is None:
                self._exhausted = True
                break
            if row.at > until:
                self._next = row
                break
            self._next = None
            if type(row.event) in _PROBE_TYPES:
                probe.append(row.event)
            else:
                sink(row.event)  # type: ignore[arg-type]
            self.position = max(self.position, row.at)
            fed += 1
            if fed % 256 == 0 and time.perf_counter() > deadline:
                complete = False
                break
        self.events_fed += fed
        self.bridge.flush()
        if probe:
            self.probe_events_replayed.emit(probe)
        return complete

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)
