"""The app's asyncio loop: qasync with zero-delay callbacks batched into one Qt event.

Stock qasync turns every ``call_soon`` into a Qt timer of its own (start, one
timer event, kill). python-engineio schedules several callbacks and a task per
message, so that overhead costs about two thirds of the receive rate. Here every
ready callback goes into one queue, drained the way asyncio's own ``_run_once``
drains its ready list: everything that was ready when the drain began runs in a
single Qt timer event, and callbacks scheduled meanwhile wait for the next one,
so Qt's own events (paint, input, socket notifiers) get their turn in between.
Callbacks with a real delay keep qasync's per-callback timers.
"""

from __future__ import annotations

import asyncio
import collections
import threading
from collections.abc import Callable
from contextvars import Context
from typing import Any

import qasync
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimerEvent
from PySide6.QtWidgets import QApplication

_WAKE_EVENT = QEvent.Type(QEvent.registerEventType())


class _ReadyQueue(QObject):
    """Runs batches of ready handles from one zero-interval Qt timer."""

    def __init__(self) -> None:
        super().__init__()
        self._ready: collections.deque[asyncio.Handle] = collections.deque()
        self._timer_id = 0
        self._closed = False
        # Handles from other threads: deque.append/popleft are atomic, the lock
        # only keeps "is a wake event already posted" honest.
        self._foreign: collections.deque[asyncio.Handle] = collections.deque()
        self._foreign_lock = threading.Lock()
        self._wake_posted = False

    def push(self, handle: asyncio.Handle) -> None:
        self._ready.append(handle)
        if not self._timer_id and not self._closed:
            self._timer_id = self.startTimer(0)

    def push_threadsafe(self, handle: asyncio.Handle) -> None:
        self._foreign.append(handle)
        with self._foreign_lock:
            if self._wake_posted:
                return
            self._wake_posted = True
        QCoreApplication.postEvent(self, QEvent(_WAKE_EVENT))

    def customEvent(self, event: QEvent) -> None:
        if event.type() != _WAKE_EVENT:
            return
        with self._foreign_lock:
            self._wake_posted = False
        foreign = self._foreign
        while foreign:
            self.push(foreign.popleft())

    def timerEvent(self, event: QTimerEvent) -> None:
        ready = self._ready
        # Only what was ready when the batch began: callbacks scheduled by this
        # batch run in the next one, after Qt has processed its own events.
        for _ in range(len(ready)):
            handle = ready.popleft()
            if not handle._cancelled:
                handle._run()
        if not ready and self._timer_id:
            self.killTimer(self._timer_id)
            self._timer_id = 0

    def close(self) -> None:
        self._closed = True
        if self._timer_id:
            self.killTimer(self._timer_id)
            self._timer_id = 0
        self._ready.clear()
        self._foreign.clear()


class BatchedQEventLoop(qasync.QEventLoop):
    """qasync's loop with asyncio-style batching of ready callbacks."""

    def __init__(self, app: QApplication | None = None, **kwargs: Any) -> None:
        self._ready_queue = _ReadyQueue()
        super().__init__(app, **kwargs)

    def call_soon(
        self, callback: Callable[..., object], *args: Any, context: Context | None = None
    ) -> asyncio.Handle:
        # Straight to the queue: qasync's path through call_later inspects the
        # callback and formats a debug record each time, a fifth of the cost.
        self._check_closed()
        handle = asyncio.Handle(callback, args, self, context=context)
        self._ready_queue.push(handle)
        return handle

    def _add_callback(self, handle: asyncio.Handle, delay: float = 0) -> asyncio.Handle:
        if delay <= 0:
            self._ready_queue.push(handle)
            return handle
        return super()._add_callback(handle, delay)

    def call_soon_threadsafe(
        self, callback: Callable[..., object], *args: Any, context: Context | None = None
    ) -> asyncio.Handle:
        self._check_closed()
        handle = asyncio.Handle(callback, args, self, context=context)
        self._ready_queue.push_threadsafe(handle)
        return handle

    def close(self) -> None:
        if self.is_closed():
            return
        super().close()
        self._ready_queue.close()


def new_event_loop(app: QApplication) -> BatchedQEventLoop:
    """Create the app's loop on ``app``; the caller sets it as the current loop."""
    return BatchedQEventLoop(app)
