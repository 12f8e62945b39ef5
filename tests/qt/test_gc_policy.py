"""Collections stay on the GUI thread: a Qt object in a reference cycle dies there.

A child process builds QObjects with running timers inside reference cycles,
drops them, and lets a worker thread allocate (as the recording writer does).
Without the policy the worker's allocations start a collection that destroys
the objects on the worker thread, and Qt says so ("Timers cannot be stopped
from another thread"; the process then usually dies of SIGSEGV when a dangling
timer fires). With it, nothing is collected until the GUI thread does it.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SCRIPT = """
import gc, sys, threading
from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QTimer

app = QCoreApplication([])
if sys.argv[1] == "policy":
    from sio_monitor.gc_policy import collect_on_gui_thread_only
    collect_on_gui_thread_only()
else:
    gc.enable()


class Cyclic(QObject):
    def __init__(self):
        super().__init__()
        self.timer = QTimer(self, interval=5)
        self.timer.timeout.connect(self.tick)
        self.me = self
        self.timer.start()

    def tick(self):
        pass


def allocate():
    junk = []
    for i in range(200_000):
        junk.append([i])
        if len(junk) > 1000:
            junk = []


worker = threading.Thread(target=allocate)
gc.collect()  # counts start at zero: the 50 objects alone stay below the threshold
for _ in range(50):
    Cyclic()
worker.start()
worker.join()  # the GUI thread allocates nothing meanwhile: any collection is the worker's
loop = QEventLoop()
gc.collect()  # on the GUI thread: the objects go, their timers with them
for _ in range(100):
    loop.processEvents()
print("collected", gc.collect(), "more")
"""

FOREIGN_KILL = "Timers cannot be stopped from another thread"


def run(mode: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, env=env, check=False
    )


def test_without_the_policy_a_worker_thread_destroys_qt_objects() -> None:
    result = run("default")  # the scenario really reaches the trap the policy avoids
    assert FOREIGN_KILL in result.stderr


@pytest.mark.parametrize("attempt", range(3))
def test_with_the_policy_qt_objects_die_on_the_gui_thread(attempt: int) -> None:
    result = run("policy")
    assert result.returncode == 0, result.stderr[-2000:]
    assert FOREIGN_KILL not in result.stderr
    assert result.stdout.startswith("collected")
