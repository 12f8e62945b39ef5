"""A child the app starts ends when the app dies, even by SIGKILL.

Each test kills a real parent process and waits for the child's exit on a
pidfd (readable once the process has ended), with a generous bound that only
turns a hang into a failure.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    not hasattr(os, "pidfd_open"), reason="waiting on a process needs Linux's pidfd_open"
)

#: Only a failure timeout: a child that outlives its parent by this much never ends.
GIVE_UP = 30.0
SLEEPER = [sys.executable, "-c", "import time; time.sleep(600)"]


@contextmanager
def _pidfd(pid: int) -> Iterator[int]:
    descriptor = os.pidfd_open(pid)
    try:
        yield descriptor
    finally:
        os.close(descriptor)


def _wait_until(found: Callable[[], int | None], what: str) -> int:
    """Poll ``found`` (a /proc scan: there is no event for a process appearing)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        value = found()
        if value is not None:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what} never appeared")


def _kill_and_reap(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(GIVE_UP)


def test_a_popen_child_ends_when_its_parent_is_killed() -> None:
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from sio_monitor.net import lifeline\n"
            f"child = lifeline.popen({SLEEPER!r})\n"
            "print(child.pid, flush=True)\n"
            "time.sleep(600)\n",
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        with _pidfd(child) as descriptor:
            assert not select.select([descriptor], [], [], 0)[0], "the child ended on its own"
            parent.send_signal(signal.SIGKILL)
            assert select.select([descriptor], [], [], GIVE_UP)[0], "the child outlived its parent"
    finally:
        _kill_and_reap(parent)


def test_the_supervisor_ends_its_command_when_the_pipe_closes() -> None:
    """The path taken where there is no parent-death signal: a pipe the child watches."""
    supervisor = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys\n"
            "from sio_monitor.net import lifeline\n"
            f"sys.exit(lifeline._supervise({SLEEPER!r}, 15))\n",
        ],
        stdin=subprocess.PIPE,
    )
    try:
        command = _wait_until(lambda: _child_of(supervisor.pid), "the supervised command")
        with _pidfd(command) as descriptor:
            assert supervisor.stdin is not None
            supervisor.stdin.close()  # what the system does when the parent dies
            assert select.select([descriptor], [], [], GIVE_UP)[0], "the command kept running"
        assert supervisor.wait(GIVE_UP) != 0  # it reports the command's death by signal
    finally:
        _kill_and_reap(supervisor)


def test_a_child_of_a_parent_dead_before_it_started_does_not_run() -> None:
    """The bootstrap refuses to run when its parent is already gone."""
    dead_parent = subprocess.Popen([sys.executable, "-c", "pass"])
    dead_parent.wait()
    from sio_monitor.net import lifeline

    result = subprocess.run(
        lifeline.command([sys.executable, "-c", "print('ran')"], parent=dead_parent.pid),
        stdin=subprocess.PIPE,
        capture_output=True,
        text=True,
        timeout=GIVE_UP,
    )
    assert result.returncode == 1
    assert "ran" not in result.stdout


def test_the_demo_server_ends_when_sio_monitor_demo_is_killed() -> None:
    tag = f"lifeline-test-{uuid.uuid4()}"  # inherited by the demo child: tells ours from others'
    app = subprocess.Popen(
        [sys.executable, "-m", "sio_monitor", "--demo"],
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen", SIO_MONITOR_TEST_TAG=tag),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        demo = _wait_until(lambda: _running_demo_server(tag), "the demo server")
        # Killed only once the app is connected to it: a demo server killed earlier
        # would also end by writing its address to the closed pipe.
        _wait_until(lambda: 1 if _connected(app.pid, demo) else None, "the app's connection")
        with _pidfd(demo) as descriptor:
            assert app.poll() is None, "the app ended by itself"
            app.send_signal(signal.SIGKILL)
            app.wait(GIVE_UP)
            ended = select.select([descriptor], [], [], GIVE_UP)[0]
            assert ended, "the demo server outlived the app"
    finally:
        _kill_and_reap(app)


def _child_of(parent: int) -> int | None:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _parent_of(entry) == parent:
            return int(entry.name)
    return None


def _parent_of(entry: Path) -> int | None:
    try:
        stat = (entry / "stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def _running_demo_server(tag: str) -> int | None:
    """The demo server started under ``tag`` once it runs (past its bootstrap)."""
    marker = f"SIO_MONITOR_TEST_TAG={tag}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            environment = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if (
            b"demo-server" in argv
            and b"sio_monitor.net.lifeline" not in argv
            and marker in environment
        ):
            return int(entry.name)
    return None


def _connected(client: int, server: int) -> bool:
    """Whether ``client`` holds an established TCP connection to a port ``server`` listens on."""
    rows = _tcp_rows()
    server_sockets, client_sockets = _socket_inodes(server), _socket_inodes(client)
    listening = {
        local for local, _, state, inode in rows if state == "0A" and inode in server_sockets
    }
    return any(
        state == "01" and remote in listening and inode in client_sockets
        for _, remote, state, inode in rows
    )


def _tcp_rows() -> list[tuple[int, int, str, str]]:
    """(local port, remote port, state, inode) of every TCP socket, from /proc/net."""
    rows = []
    for table in ("tcp", "tcp6"):
        try:
            lines = Path(f"/proc/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, remote = fields[1].rsplit(":", 1)[1], fields[2].rsplit(":", 1)[1]
            rows.append((int(local, 16), int(remote, 16), fields[3], fields[9]))
    return rows


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    try:
        entries = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return inodes
    for entry in entries:
        try:
            target = os.readlink(entry)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    return inodes


def test_a_frozen_bundle_runs_the_bootstrap_through_its_own_command_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sio_monitor.net import lifeline

    monkeypatch.setattr(sys, "frozen", True, raising=False)
    argv = lifeline.command(["demo"], parent=4242)
    assert argv == [sys.executable, lifeline.BOOTSTRAP_ARGUMENT, "4242", "15", "demo"]
    # The app's command line takes that argument (here as `python -m sio_monitor`),
    # tied to this test process, its parent.
    tied = [lifeline.BOOTSTRAP_ARGUMENT, str(os.getpid()), "15"]
    result = subprocess.run(
        [sys.executable, "-m", "sio_monitor", *tied, sys.executable, "-c", "print('ran')"],
        stdin=subprocess.PIPE,
        capture_output=True,
        text=True,
        timeout=GIVE_UP,
    )
    assert (result.returncode, result.stdout) == (0, "ran\n"), result.stderr
