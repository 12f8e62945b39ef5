"""Fixtures for tests that need the app's asyncio loop inside Qt.

pytest-qt provides the QApplication but does not drive asyncio, so each test
gets a fresh instance of the app's own loop, closed afterwards.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication

from sio_monitor.qt.loop import BatchedQEventLoop, new_event_loop


@pytest.fixture
def app_loop(qapp: QApplication) -> Iterator[BatchedQEventLoop]:
    loop = new_event_loop(qapp)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        if not loop.is_closed():
            loop.close()
        asyncio.set_event_loop(None)
