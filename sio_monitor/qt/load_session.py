"""A connection's load run as Qt signals: the Locust child's figures on the GUI thread.

The run itself (``load/runner.py``) is Qt-free and reports on a reader
thread; this object hands each line over to the GUI thread through a queued
signal and keeps the figures. Its run ends with it: Stop ends the users
gracefully, and the object's destruction (its connection tab closed) or the
application quitting kills the run's process group at once.
"""

from __future__ import annotations

import contextlib

from PySide6.QtCore import QCoreApplication, QObject, Signal

from sio_monitor.domain.load.figures import LoadFigures, LoadPoint, Snapshot
from sio_monitor.domain.load.plan import LoadPlan
from sio_monitor.load.runner import LoadRun


class LoadSession(QObject):
    """``start`` a plan; ``figures_changed`` once a second; ``finished`` with a sentence."""

    figures_changed = Signal(object)  # LoadPoint | None
    started = Signal()
    finished = Signal(str)  # what happened, one sentence
    _line = Signal(object)  # from the reader thread
    _exited = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.figures = LoadFigures()
        self.run: LoadRun | None = None
        self.plan: LoadPlan | None = None
        self.stopping = False
        self._line.connect(self._take)
        self._exited.connect(self._ended)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.kill)

    @property
    def running(self) -> bool:
        return self.run is not None and self.run.running

    def start(self, plan: LoadPlan) -> None:
        """Start ``plan`` (already validated and confirmed); one run at a time."""
        if self.running:
            raise RuntimeError("A load run is already going: stop it first.")
        self.figures = LoadFigures()
        self.plan = plan
        self.stopping = False
        run = LoadRun(plan, self._from_thread, self._exit_from_thread)
        run.start()
        self.run = run
        # The tab's widgets go before Python collects this object: kill the run then,
        # through a callable that does not need this (dying) object.
        self.destroyed.connect(run.kill)
        self.started.emit()
        self.figures_changed.emit(None)

    def stop(self) -> None:
        """End the run early: the users disconnect, then the group is killed if it lingers."""
        if self.run is not None and self.running:
            self.stopping = True
            self.run.stop()

    def kill(self) -> None:
        if self.run is not None:
            self.run.kill()

    def pids(self) -> list[int]:
        return self.run.pids() if self.run is not None else []

    # --- from the reader thread ----------------------------------------------------

    def _from_thread(self, snapshot: Snapshot) -> None:
        with contextlib.suppress(RuntimeError):  # the tab, and this object, already gone
            self._line.emit(snapshot)

    def _exit_from_thread(self, code: int) -> None:
        with contextlib.suppress(RuntimeError):
            self._exited.emit(code)

    # --- on the GUI thread ---------------------------------------------------------

    def _take(self, snapshot: Snapshot) -> None:
        point: LoadPoint | None = self.figures.add(snapshot)
        self.figures_changed.emit(point)

    def _ended(self, code: int) -> None:
        run = self.run
        if run is None:
            return
        if self.figures.last is None:
            tail = run.stderr.strip().splitlines()[-1:] if run.stderr.strip() else []
            said = f": {tail[0]}" if tail else ""
            message = f"The load run ended before reporting (exit code {code}){said}."
        elif self.stopping:
            message = f"Stopped; {self.figures.peak_users:,} users were reached."
        else:
            message = f"Done: {self.figures.peak_users:,} users reached."
        self.finished.emit(message)
