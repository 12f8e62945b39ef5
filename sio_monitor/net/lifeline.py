"""Child processes that end when the app ends, however the app ends.

A child started by the app (the demo server, load workers, an exporter) must
not outlive it: a window killed with SIGKILL or crashing runs no clean-up code,
so the child has to notice the death itself.

* On Linux the kernel does it: the child asks for a parent-death signal with
  ``prctl(PR_SET_PDEATHSIG)`` and is signalled the moment its parent dies. The
  request survives ``execve``, so a small bootstrap (this module run as a
  program) sets it, checks the parent is still there, then becomes the real
  command: no extra process remains.
* Elsewhere the bootstrap stays as a supervisor that watches its standard
  input, a pipe whose writing end only the parent holds: the operating system
  closes that end when the parent dies, the read returns end-of-file, and the
  supervisor ends the command.

Usage, with ``subprocess``::

    child = lifeline.popen([program, *arguments], stdout=subprocess.PIPE)

or with any other launcher (``QProcess``, asyncio), start ``lifeline.command(argv)``
and keep the child's standard input a pipe held by the app (QProcess's default).

Caveat on Linux: the parent-death signal follows the *thread* that started the
child; start children from a thread that lives as long as the app (the GUI or
main thread), not from a short-lived worker thread.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from typing import Any

#: The first argument that makes a frozen bundle's executable run the bootstrap
#: (an interpreter runs ``-m sio_monitor.net.lifeline`` instead).
BOOTSTRAP_ARGUMENT = "--lifeline-bootstrap"
_PR_SET_PDEATHSIG = 1
#: How long a supervisor gives its command to end after SIGTERM before SIGKILL.
_GRACE = 1.0


def command(
    argv: Sequence[str], *, death_signal: int = signal.SIGTERM, parent: int | None = None
) -> list[str]:
    """The command line that runs ``argv`` tied to this process (or ``parent``).

    ``death_signal`` is what the child receives when the parent dies (SIGTERM
    lets it clean up; SIGKILL for a child that might ignore SIGTERM).
    """
    if not argv:
        raise ValueError("The child process needs a command to run.")
    parent_pid = os.getpid() if parent is None else parent
    if getattr(sys, "frozen", False):
        leading = [sys.executable, BOOTSTRAP_ARGUMENT]
    else:
        leading = [sys.executable, "-m", "sio_monitor.net.lifeline"]
    return [*leading, str(parent_pid), str(int(death_signal)), *argv]


def popen(
    argv: Sequence[str], *, death_signal: int = signal.SIGTERM, **kwargs: Any
) -> subprocess.Popen[Any]:
    """``subprocess.Popen`` of ``argv`` whose process ends when this one does.

    Its standard input is the watched pipe: it cannot carry data to the child.
    """
    if kwargs.get("stdin", subprocess.PIPE) is not subprocess.PIPE:
        raise ValueError("A lifeline child's standard input is the pipe it watches.")
    kwargs["stdin"] = subprocess.PIPE
    return subprocess.Popen(command(argv, death_signal=death_signal), **kwargs)


def bootstrap(arguments: Sequence[str]) -> int:
    """Run ``<parent pid> <signal> <command...>`` as a child tied to that parent."""
    if len(arguments) < 3:
        sys.stderr.write("usage: lifeline <parent pid> <signal> <command> [argument ...]\n")
        return 2
    parent, death_signal, argv = int(arguments[0]), int(arguments[1]), list(arguments[2:])
    if sys.platform.startswith("linux"):
        _ask_for_death_signal(death_signal)
        if os.getppid() != parent:  # the parent died before the request was in place
            return 1
        try:
            os.execvp(argv[0], argv)
        except OSError as exc:
            sys.stderr.write(f"Could not start {argv[0]}: {exc.strerror}.\n")
            return 127
    return _supervise(argv, death_signal)


def _ask_for_death_signal(death_signal: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, death_signal, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")


def _supervise(argv: list[str], death_signal: int) -> int:
    """Run ``argv`` and end it when standard input reaches end-of-file (the parent died)."""
    try:
        child = subprocess.Popen(argv, stdin=subprocess.DEVNULL)
    except OSError as exc:
        sys.stderr.write(f"Could not start {argv[0]}: {exc.strerror}.\n")
        return 127

    def end_child(*_: object) -> None:
        if child.poll() is None:
            try:
                child.send_signal(death_signal)
                child.wait(_GRACE)
            except (OSError, subprocess.TimeoutExpired):
                child.kill()

    def watch_parent() -> None:
        try:
            while sys.stdin.buffer.read1(65536):
                pass
        except (OSError, ValueError):
            pass
        end_child()

    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, lambda *_: end_child())
    threading.Thread(target=watch_parent, name="lifeline", daemon=True).start()
    return child.wait()


if __name__ == "__main__":
    sys.exit(bootstrap(sys.argv[1:]))
