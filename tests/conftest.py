"""Test-wide settings, garbage collection as the app does it, and the one asyncio loop fixture.

Qt renders offscreen, and remembered settings go to a scratch folder: the
scratch configuration, data and state folders keep the suite from reading or
overwriting the window layout, recordings and logs of a developer's own copy
of the app.
"""

from __future__ import annotations

import gc
import os
import tempfile
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from sio_monitor.qt.loop import BatchedQEventLoop

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="sio-monitor-tests-")
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="sio-monitor-tests-data-")  # recordings
os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="sio-monitor-tests-state-")  # logs

#: Tests between two full collections; the young generations are collected after each test.
FULL_COLLECTION_EVERY = 50
_tests_run = 0


def pytest_configure(config: pytest.Config) -> None:
    # As the app does (sio_monitor/gc_policy.py): a collection triggered by a worker
    # thread's allocations can destroy a Qt object on that thread and crash Qt later.
    gc.disable()


@pytest.fixture(autouse=True)
def _collect_on_the_main_thread() -> Iterator[None]:
    """Collect what a test left behind, on the main thread, as the app's timer does."""
    global _tests_run
    yield
    _tests_run += 1
    gc.collect(2 if _tests_run % FULL_COLLECTION_EVERY == 0 else 1)


@pytest.fixture
def app_loop(qapp: QApplication) -> Iterator[BatchedQEventLoop]:
    """A fresh instance of the app's own asyncio loop inside Qt, closed afterwards.

    pytest-qt provides the QApplication but does not drive asyncio. Qt is
    imported here, not above, so tests that never ask for the loop never load it.
    """
    import asyncio

    from sio_monitor.qt.loop import new_event_loop

    loop = new_event_loop(qapp)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        if not loop.is_closed():
            loop.close()
        asyncio.set_event_loop(None)
