"""Awaiting a condition in Qt tests: re-checked whenever a signal says something changed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def until(condition: Callable[[], bool], signal_: object, timeout: float = 15.0) -> None:
    """Wait for ``condition``, re-checking each time ``signal_`` fires."""
    changed = asyncio.Event()
    slot = lambda *_: changed.set()  # noqa: E731
    signal_.connect(slot)  # type: ignore[attr-defined]
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                changed.clear()
                await changed.wait()
    finally:
        signal_.disconnect(slot)  # type: ignore[attr-defined]
