"""The one kind of timer the app arms by hand: a single shot that coalesces what comes before it.

Debounced filters, batched event delivery, the health clock and deferred
repaints all want the same thing: "run this once, a little later, however
often you are asked meanwhile". Building it in one place keeps every such
timer single-shot, parented (so it dies with its owner) and precise where
the caller needs a deadline rather than a delay.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer


def coalescing_timer(
    parent: QObject,
    interval_ms: int | None,
    slot: Callable[[], object],
    *,
    precise: bool = False,
) -> QTimer:
    """A stopped single-shot timer owned by ``parent`` that calls ``slot`` when it fires.

    ``interval_ms`` None leaves the interval to each ``start(ms)`` (deadlines).
    """
    timer = QTimer(parent)
    timer.setSingleShot(True)
    if interval_ms is not None:
        timer.setInterval(interval_ms)
    if precise:
        timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.timeout.connect(slot)
    return timer
