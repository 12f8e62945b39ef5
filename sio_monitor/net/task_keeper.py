"""One keeper for fire-and-forget asyncio tasks, with one error policy.

Why a keeper at all: the event loop holds only a weak reference to a task, so
a task nobody else references can be garbage-collected mid-flight; and an
exception nobody retrieves is lost, or said only as "Task exception was never
retrieved" whenever the collector gets to it. The keeper holds every task it
is given until the task ends, and then says what went wrong.

The policy: a task that was cancelled ends quietly; any other exception is
logged (with its traceback) and handed to the optional ``on_error`` callback,
which is where a window puts it in the status bar or the error panel. An owner
whose callback writes the log itself (the app's error reporter, which hides
secrets and keeps repeats short) turns the keeper's own line off, so that each
failure is in the log once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class TaskKeeper:
    """Holds background tasks until they end; logs and reports their failures.

    ``name`` says whose tasks these are in the log; ``on_error`` receives every
    exception other than cancellation, after it was logged; ``logger`` is the
    owner's logger, so the log line carries the owner's module; ``log_failures``
    is False only when ``on_error`` logs the failure itself.
    """

    def __init__(
        self,
        name: str = "background",
        on_error: Callable[[BaseException], object] | None = None,
        logger: logging.Logger | None = None,
        log_failures: bool = True,
    ) -> None:
        if not log_failures and on_error is None:
            raise ValueError("a failure must be logged or handed on")
        self.name = name
        self.on_error = on_error
        self._log = logger or log
        self._log_failures = log_failures
        self._tasks: set[asyncio.Future[Any]] = set()

    def spawn(self, coroutine: Awaitable[T], name: str | None = None) -> asyncio.Future[T]:
        """Run ``coroutine`` as a task on the current loop and keep it until it ends."""
        task = asyncio.ensure_future(coroutine)
        if name is not None and isinstance(task, asyncio.Task):
            task.set_name(name)
        return self.track(task)

    def track(self, task: asyncio.Future[T]) -> asyncio.Future[T]:
        """Keep a task somebody else started (a library's background task, say)."""
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    @property
    def pending(self) -> list[asyncio.Future[Any]]:
        """The tasks that have not ended yet."""
        return [task for task in self._tasks if not task.done()]

    def __len__(self) -> int:
        return len(self._tasks)

    def cancel_all(self) -> list[asyncio.Future[Any]]:
        """Ask every task still running to stop; the ones asked, to wait for if wanted."""
        pending = self.pending
        for task in pending:
            task.cancel()
        return pending

    async def close(self, timeout: float | None = None) -> None:
        """Cancel every task and wait for them to end, at most ``timeout`` seconds."""
        pending = self.cancel_all()
        if pending:
            await asyncio.wait(pending, timeout=timeout)

    def _done(self, task: asyncio.Future[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is None:
            return
        if self._log_failures:
            label = task.get_name() if isinstance(task, asyncio.Task) else repr(task)
            self._log.error("%s task %s failed: %s", self.name, label, error, exc_info=error)
        if self.on_error is not None:
            self.on_error(error)
