"""Measuring GUI-thread freezes: a 10 ms timer whose ticks should never be far apart.

A Qt timer can only fire when the GUI thread returns to the event loop, so
the wall time between two consecutive ticks is the longest the thread was
busy (or blocked, on the GIL or a lock) in between, plus the interval. The
probe keeps the worst gaps, and for each what it takes to tell why: how long
the GUI thread was on a CPU, how long the whole process was (another thread
holding the GIL shows as process time the GUI thread did not get), how long
the GUI thread and the process's other threads were ready to run while the
machine ran something else (their run-queue delays, from
``/proc/self/task/*/schedstat``), and where the GUI thread was, sampled by a
watcher thread every 20 ms while a gap lasts.

``frozen`` is the part of a gap the app answers for: the gap less the time
the GUI thread, or a thread of ours holding the GIL it waited for, was kept
from a CPU by other processes, and never less than the GUI thread's own CPU
time. On a machine shared with other work the wall time of a gap includes
whatever else the scheduler chose to run; the app's share does not. A GUI
thread blocked in a call (a lock, the disk, the network) still counts whole.
"""

from __future__ import annotations

import heapq
import sys
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer

#: Milliseconds between ticks: well below the 100 ms a user starts to notice.
TICK_MS = 10
#: Gaps kept for the report.
KEPT = 5
#: A gap is sampled once it is this old, every this often (seconds).
SAMPLE_AFTER = 0.040
SAMPLE_EVERY = 0.020
#: Frames of the GUI thread's stack kept per sample, innermost last.
SAMPLE_DEPTH = 6
TASKS = Path("/proc/self/task")


def run_queue_delays() -> dict[int, float]:
    """Seconds each thread of the process has spent ready to run but not running, by its
    native id (empty where the system does not say)."""
    delays = {}
    try:
        for task in TASKS.iterdir():
            try:
                delays[int(task.name)] = int((task / "schedstat").read_text().split()[1]) / 1e9
            except (OSError, IndexError, ValueError):
                continue
    except OSError:
        pass
    return delays


@dataclass(frozen=True)
class Gap:
    seconds: float  # wall time between two consecutive ticks
    ended_at: float  # seconds since the probe started
    waiting: float  # the GUI thread ready to run while the machine ran something else
    others_waiting: float  # the same for the process's other threads, summed
    cpu: float  # GUI-thread CPU time spent during the gap
    process_cpu: float  # the whole process's CPU time during the gap, every thread
    stacks: tuple[str, ...] = field(default=())  # where the GUI thread was

    @property
    def frozen(self) -> float:
        """The gap less the time other processes kept us from a CPU; at least our own CPU."""
        kept_off = self.waiting + self.others_waiting
        return max(min(self.cpu, self.seconds), self.seconds - kept_off)

    def describe(self) -> str:
        text = (
            f"{self.frozen * 1000:.0f} ms ending at {self.ended_at:.2f} s: wall "
            f"{self.seconds * 1000:.0f} ms; waiting for a CPU: GUI thread "
            f"{self.waiting * 1000:.0f} ms, other threads {self.others_waiting * 1000:.0f} ms; "
            f"on a CPU: GUI thread {self.cpu * 1000:.0f} ms, "
            f"process {self.process_cpu * 1000:.0f} ms"
        )
        if self.stacks:
            common = Counter(self.stacks).most_common(2)
            text += "".join(f"\n    {n} samples at:\n{stack}" for stack, n in common)
        return text


class FreezeProbe(QObject):
    """Start it before the input flows, stop it after; ``worst`` is the longest freeze seen."""

    def __init__(self, parent: QObject | None = None, tick_ms: int = TICK_MS) -> None:
        super().__init__(parent)
        self.tick_ms = tick_ms
        self.ticks = 0
        self.worst_wall = 0.0  # the longest gap in wall time, waits for a CPU included
        self._gaps: list[tuple[float, int, Gap]] = []  # a min-heap of the KEPT worst freezes
        self._started = self._last = 0.0
        self._last_cpu = self._last_process = 0.0
        self._last_waits: dict[int, float] = {}
        self._gui_task = self._watcher_task = 0  # native thread ids
        self._samples: list[str] = []  # stacks sampled during the current gap
        self._gui = threading.get_ident()
        self._watching = threading.Event()
        self._watcher: threading.Thread | None = None
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(tick_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.ticks = 0
        self.worst_wall = 0.0
        self._gaps = []
        self._samples = []
        self._gui = threading.get_ident()
        self._gui_task = threading.get_native_id()
        self._started = self._last = time.perf_counter()
        self._last_cpu, self._last_process = time.thread_time(), time.process_time()
        self._last_waits = run_queue_delays()
        self._timer.start()
        self._watching.set()
        self._watcher = threading.Thread(target=self._watch, name="freeze-probe", daemon=True)
        self._watcher.start()

    def stop(self) -> None:
        """Stop ticking; the time since the last tick counts as a gap too."""
        if self._timer.isActive():
            self._tick()
            self._timer.stop()
        self._watching.clear()
        if self._watcher is not None:
            self._watcher.join(1.0)
            self._watcher = None

    @property
    def worst(self) -> float:
        """The longest freeze (a gap between ticks less its waits for a CPU), in seconds."""
        return max(self._gaps)[0] if self._gaps else 0.0

    def report(self) -> str:
        gaps = [gap for _, _, gap in sorted(self._gaps, key=lambda entry: -entry[0])]
        listed = "\n  ".join(gap.describe() for gap in gaps) or "none"
        return (
            f"{self.ticks} ticks of {self.tick_ms} ms; longest gap in wall time "
            f"{self.worst_wall * 1000:.0f} ms; longest freezes:\n  {listed}"
        )

    def _tick(self) -> None:
        now, cpu, process = time.perf_counter(), time.thread_time(), time.process_time()
        waits, last = run_queue_delays(), self._last_waits
        waited = {task: delay - last[task] for task, delay in waits.items() if task in last}
        gui = waited.pop(self._gui_task, 0.0)
        waited.pop(self._watcher_task, None)
        samples, self._samples = self._samples, []
        gap = Gap(
            now - self._last,
            now - self._started,
            gui,
            sum(waited.values()),
            cpu - self._last_cpu,
            process - self._last_process,
            tuple(samples),
        )
        self._last, self._last_cpu, self._last_process = now, cpu, process
        self._last_waits = waits
        self.ticks += 1
        self.worst_wall = max(self.worst_wall, gap.seconds)
        entry = (gap.frozen, self.ticks, gap)
        if len(self._gaps) < KEPT:
            heapq.heappush(self._gaps, entry)
        elif entry > self._gaps[0]:
            heapq.heapreplace(self._gaps, entry)

    def _watch(self) -> None:
        """Sample the GUI thread's stack while a gap lasts (needs the GIL, like any thread)."""
        self._watcher_task = threading.get_native_id()
        while self._watching.is_set():
            time.sleep(SAMPLE_EVERY)
            if time.perf_counter() - self._last < SAMPLE_AFTER:
                continue
            frames = sys._current_frames()
            names = {thread.ident: thread.name for thread in threading.enumerate()}
            mine = threading.get_ident()
            parts = []
            for ident, frame in frames.items():
                if ident == mine:
                    continue
                depth = SAMPLE_DEPTH if ident == self._gui else 2
                lines = "".join(traceback.format_stack(frame, limit=depth)).rstrip()
                if ident == self._gui:
                    parts.insert(0, lines)
                elif not _idle(frame):
                    parts.append(f"  [thread {names.get(ident, ident)}]\n{lines}")
            self._samples.append("\n".join(parts))


def _idle(frame: object) -> bool:
    """A thread parked in a wait (a queue, a lock, a select): not what froze anything."""
    code = getattr(frame, "f_code", None)
    return code is not None and code.co_name in {"wait", "get", "select", "_wait_for_tstate_lock"}
