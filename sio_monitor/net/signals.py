"""Ctrl+C and SIGTERM for the terminal commands: one orderly stop, no traceback."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def install_stop_signals(on_signal: Callable[[], None]) -> Callable[[], None]:
    """Route SIGINT and SIGTERM to ``on_signal``; return a function that undoes it."""
    loop = asyncio.get_running_loop()
    try:
        for sig in STOP_SIGNALS:
            loop.add_signal_handler(sig, on_signal)
    except (NotImplementedError, RuntimeError):
        # No loop signal support (Windows): fall back to plain handlers that hop
        # onto the loop thread.
        previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
        for sig in STOP_SIGNALS:
            signal.signal(sig, lambda *_: loop.call_soon_threadsafe(on_signal))

        def restore_plain() -> None:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

        return restore_plain

    def restore_loop() -> None:
        for sig in STOP_SIGNALS:
            with contextlib.suppress(Exception):
                loop.remove_signal_handler(sig)

    return restore_loop
