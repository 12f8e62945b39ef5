"""Runs the locustfile as a headless Locust child and streams its figures back.

Locust runs in a child process group of its own (``python -m locust
--headless --processes N``): gevent's monkey-patching stays out of the app,
the window stays responsive, and Stop can signal the whole group at once.
Figures come back as JSON lines on a pipe of their own rather than by
scraping Locust's console table or CSV files: a pipe is pushed once a second
without polling the disk, carries exactly the numbers the charts need
(cumulative counts, percentiles, errors by kind), and its end-of-file says
that every process of the run has gone, workers included, because each of
them holds the write end.

However the app ends, the run ends with it: a second pipe's write end stays
in the app only, and every Locust process exits when it reads end-of-file
there (``locustfile._watch_lifeline``), which the kernel delivers on ``kill
-9`` too; on Linux the master also starts under ``net/lifeline``, so the
kernel kills it the moment the app dies (``PR_SET_PDEATHSIG``). Start runs
from a thread that lives as long as the app (the GUI or main thread): the
parent-death signal follows the thread that started the child.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sio_monitor.domain.load.figures import Snapshot
from sio_monitor.domain.load.plan import PLAN_VARIABLE, LoadPlan
from sio_monitor.net import lifeline

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
STATS_FD_VARIABLE = "SIO_MONITOR_LOAD_STATS_FD"
LIFELINE_FD_VARIABLE = "SIO_MONITOR_LOAD_LIFELINE_FD"
#: Seconds the users get to disconnect after Stop before the group is killed.
STOP_GRACE = 5.0
#: Lines of the child's stderr kept to explain a failure.
STDERR_LINES = 40


def locust_command(plan: LoadPlan, csv_prefix: str | None = None) -> list[str]:
    """The command line of the child; the plan itself travels in the environment."""
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--processes",
        str(plan.processes),
        "--users",
        str(plan.users),
        "--spawn-rate",
        f"{plan.spawn_rate:g}",
        "--run-time",
        f"{max(1, math.ceil(plan.duration))}s",
        "--stop-timeout",
        f"{STOP_GRACE:g}",
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
    ]
    if csv_prefix:
        command += ["--csv", csv_prefix]
    return command


class LoadRun:
    """One run: ``start``, then figures through ``on_snapshot`` until ``on_exit``.

    Both callbacks are called on the run's reader thread; the window and the
    terminal hand them over to their own thread.
    """

    def __init__(
        self,
        plan: LoadPlan,
        on_snapshot: Callable[[Snapshot], None],
        on_exit: Callable[[int], None],
        csv_prefix: str | None = None,
    ) -> None:
        self.plan = plan
        self.csv_prefix = csv_prefix
        self._on_snapshot = on_snapshot
        self._on_exit = on_exit
        self.process: subprocess.Popen[bytes] | None = None
        self.exit_code: int | None = None
        self._lifeline: int | None = None
        self._stderr: deque[str] = deque(maxlen=STDERR_LINES)
        self._threads: list[threading.Thread] = []
        self._killer: threading.Timer | None = None
        self.finished = threading.Event()

    @property
    def running(self) -> bool:
        return self.process is not None and not self.finished.is_set()

    @property
    def stderr(self) -> str:
        return "".join(self._stderr)

    def start(self) -> None:
        stats_read, stats_write = os.pipe()
        lifeline_read, lifeline_write = os.pipe()
        env = {
            **os.environ,
            PLAN_VARIABLE: self.plan.to_json(),
            STATS_FD_VARIABLE: str(stats_write),
            LIFELINE_FD_VARIABLE: str(lifeline_read),
        }
        try:
            self.process = _spawn(
                locust_command(self.plan, self.csv_prefix),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=env,
                pass_fds=(stats_write, lifeline_read),
                start_new_session=True,
            )
        except BaseException:
            for fd in (stats_read, stats_write, lifeline_read, lifeline_write):
                os.close(fd)
            raise
        finally:
            if self.process is not None:
                os.close(stats_write)
                os.close(lifeline_read)
        self._lifeline = lifeline_write
        self._spawn(self._read_figures, os.fdopen(stats_read, "rb"))
        self._spawn(self._read_stderr)

    def stop(self, grace: float = STOP_GRACE) -> None:
        """Ask the run to end (users disconnect); the group is killed after ``grace`` seconds."""
        process = self.process
        if process is None or self.finished.is_set():
            return
        self._signal(signal.SIGTERM)
        if self._killer is None:
            self._killer = threading.Timer(grace, self.kill)
            self._killer.daemon = True
            self._killer.start()

    def kill(self) -> None:
        """End every process of the run now."""
        self._close_lifeline()
        self._signal(signal.SIGKILL)

    def wait(self, timeout: float | None = None) -> bool:
        """Whether every process of the run ended (within ``timeout``)."""
        return self.finished.wait(timeout)

    def pids(self) -> list[int]:
        """The master and its workers, while they run (Linux: read from /proc)."""
        if self.process is None:
            return []
        return process_group(self.process.pid)

    # --- internals -----------------------------------------------------------------

    def _signal(self, number: int) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, number)

    def _close_lifeline(self) -> None:
        fd, self._lifeline = self._lifeline, None
        if fd is not None:
            os.close(fd)

    def _spawn(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True, name="load-run")
        thread.start()
        self._threads.append(thread)

    def _read_figures(self, stream: object) -> None:
        assert self.process is not None
        with stream:  # type: ignore[attr-defined]
            for line in stream:  # type: ignore[attr-defined]
                try:
                    snapshot = Snapshot.from_json(json.loads(line))
                except (ValueError, KeyError, TypeError):
                    continue
                self._on_snapshot(snapshot)
        # End-of-file: every process holding the write end, workers included, has gone.
        code = self.process.wait()
        if self._killer is not None:
            self._killer.cancel()
        self._signal(signal.SIGKILL)  # anything left in the group that closed its end early
        self._close_lifeline()
        if self.process.stdin is not None:  # net/lifeline's watched pipe
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        self.exit_code = code
        self.finished.set()
        self._on_exit(code)

    def _read_stderr(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        with self.process.stderr as stream:
            for raw in stream:
                self._stderr.append(raw.decode(errors="replace"))


def _spawn(command: list[str], **options: Any) -> subprocess.Popen[bytes]:
    """Start the master; on Linux through ``net/lifeline`` (the kernel kills it with the app).

    Elsewhere its supervisor would not pass the pipes on, so the master starts
    directly and the lifeline pipe alone ends the run.
    """
    if sys.platform.startswith("linux"):
        return lifeline.popen(command, death_signal=signal.SIGKILL, **options)
    return subprocess.Popen(command, stdin=subprocess.DEVNULL, **options)


def process_group(pgid: int) -> list[int]:
    """Pids of the live processes in group ``pgid`` (Linux /proc; empty elsewhere)."""
    found = []
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command: state, ppid, pgrp. Zombies are gone in all but name.
        if fields[0] != "Z" and int(fields[2]) == pgid:
            found.append(int(entry.name))
    return found
