"""The terminal commands' shared core: one admin connection folded into the domain, and exit codes.

``snapshot``, ``watch``, ``record`` and the other headless commands run on
plain asyncio, without Qt, so they work over SSH and in scripts. They read the
same ordered event stream as the window: the admin client hands every event to
a ``Feed``, which applies them in batches to the same ``MonitorState`` the
window's bridge wraps, whenever the command wakes up. The feed keeps the
state's health clock as the window's session does (it wakes for the next
verdict, and asks for a fresh socket list when a server fell silent), so a
dead cluster node leaves the totals here exactly as it does there. It also
remembers the first failure, so that the exit code follows from its kind.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections.abc import Awaitable, Callable

from sio_monitor.domain.events import (
    ConnectionChanged,
    ConnectionState,
    DomainEvent,
    FailureKind,
)
from sio_monitor.domain.monitor_state import MonitorState
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.domain.throughput.rates import Rates
from sio_monitor.domain.topology.topology import Topology
from sio_monitor.net.admin import INSTRUMENTED_TIMEOUT, AdminClient
from sio_monitor.net.signals import install_stop_signals

EXIT_OK = 0
EXIT_CREDENTIALS = 2
EXIT_UNREACHABLE = 3
EXIT_NOT_INSTRUMENTED = 4
EXIT_NO_ACK = 5  # emit: no ack arrived within --timeout

_EXIT_CODES = {
    FailureKind.CREDENTIALS: EXIT_CREDENTIALS,
    FailureKind.UNREACHABLE: EXIT_UNREACHABLE,
    FailureKind.TIMEOUT: EXIT_UNREACHABLE,
    FailureKind.NOT_INSTRUMENTED: EXIT_NOT_INSTRUMENTED,
    FailureKind.PROTOCOL: EXIT_NOT_INSTRUMENTED,
}


def exit_code_for(failure: FailureKind | None) -> int:
    """The documented exit code of a failure; an unnamed one counts as a protocol error."""
    if failure is None:
        return EXIT_NOT_INSTRUMENTED
    return _EXIT_CODES[failure]


def silence_stdout() -> None:
    """The reader of our output went away (``| head``): keep Python quiet on its way out.

    Without this, the interpreter's final flush of stdout fails again and
    prints a traceback after the command already ended cleanly.
    """
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


class Feed:
    """An admin connection whose events pile up until the command takes them as one batch.

    Taking in batches, as the window does, keeps the cost per event to an
    append however fast the server talks; the command decides when to look.
    """

    def __init__(
        self,
        settings: ConnectionSettings,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.state = MonitorState(settings.admin_namespace)
        self.resyncs = 0  # fresh socket lists asked for because a server fell silent
        self._resync: asyncio.Task[bool] | None = None
        self.failure: ConnectionChanged | None = None
        self.interrupted = False
        self._queue: list[DomainEvent] = []
        self._wake = asyncio.Event()
        self._relay: asyncio.Task[None] | None = None
        # A terminal user waits for nothing but this answer: say "not instrumented"
        # within the timeout they chose when it is shorter than the usual wait.
        instrumented = min(INSTRUMENTED_TIMEOUT, settings.connect_timeout)
        self.client = AdminClient(
            settings, self._receive, instrumented_timeout=instrumented, clock=clock
        )

    @property
    def topology(self) -> Topology:
        return self.state.topology

    @property
    def rates(self) -> Rates:
        return self.state.rates

    def _receive(self, event: DomainEvent) -> None:
        self._queue.append(event)
        if (
            self.failure is None
            and isinstance(event, ConnectionChanged)
            and event.state is ConnectionState.FAILED
        ):
            self.failure = event
        self._wake.set()

    @property
    def exit_code(self) -> int:
        """The exit code of the failure; for failure paths only."""
        return exit_code_for(self.failure.failure if self.failure is not None else None)

    @property
    def failure_message(self) -> str:
        if self.failure is None:
            return f"The connection to {self.where()} failed."
        return self.failure.message

    async def connect(self) -> bool:
        return await self.client.connect()

    def take(self) -> list[DomainEvent]:
        """Apply everything received since the last call, and a verdict now due; return it."""
        batch, self._queue = self._queue, []
        self._wake.clear()
        if batch:
            self._apply(batch)
        tick = self.state.tick_due(self.clock()) if self._listening() else None
        if tick is not None:
            self._apply([tick])
            batch.append(tick)  # recorded too, so that a replay reaches the same verdict
        return batch

    def _apply(self, batch: list[DomainEvent]) -> None:
        if self.state.apply(batch).changes.snapshot_stale:
            self._refresh_snapshot()

    def _listening(self) -> bool:
        """Silence while the monitor is away is its own, not the servers'."""
        return self.state.topology.connection is ConnectionState.CONNECTED

    def _refresh_snapshot(self) -> None:
        """No socket names its server: only a fresh list says what a silent one took along."""
        if self._resync is not None and not self._resync.done():
            return
        self.resyncs += 1
        self._resync = asyncio.ensure_future(self.client.resync())

    async def wait(self, timeout: float) -> None:
        """Return when something arrives, a health verdict falls due, ``interrupt`` is
        called or ``timeout`` passes."""
        due = self.state.health_due() if self._listening() else None
        if due is not None:
            timeout = min(timeout, due - self.clock())
        if self._queue or self.interrupted or timeout <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)

    def interrupt(self) -> None:
        """Stop waiting (Ctrl+C, SIGTERM, ``--count`` reached elsewhere)."""
        self.interrupted = True
        self._wake.set()

    def interrupt_on(self, stop: asyncio.Event | None) -> None:
        """Interrupt once ``stop`` is set (by Ctrl+C or SIGTERM); ``close`` ends the watch."""
        if stop is not None:
            self._relay = asyncio.ensure_future(self._interrupt_when(stop))

    async def _interrupt_when(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self.interrupt()

    async def close(self) -> None:
        for task in (self._relay, self._resync):
            if task is not None:
                task.cancel()
        await self.client.close()

    def where(self) -> str:
        host, port = self.settings.host_port
        return f"{host}:{port}"


def run_until_stopped(main: Callable[[asyncio.Event], Awaitable[int]]) -> int:
    """Run a command's coroutine on plain asyncio; Ctrl+C and SIGTERM set its stop event.

    A stop is a clean end (exit code 0), and so is a reader that went away
    (``| head``): both are how a user ends a command that would run on.
    """

    async def guarded() -> int:
        stop = asyncio.Event()
        restore = install_stop_signals(stop.set)
        try:
            return await main(stop)
        finally:
            restore()

    try:
        return asyncio.run(guarded())
    except KeyboardInterrupt:
        return EXIT_OK
    except BrokenPipeError:
        silence_stdout()
        return EXIT_OK
