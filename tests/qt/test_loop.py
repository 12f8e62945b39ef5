"""The app's loop: asyncio semantics hold, and the pinned Qt survives long runs."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import threading
import time

from PySide6.QtCore import QTimer

from sio_monitor.qt.loop import BatchedQEventLoop


def test_call_soon_runs_300000_callbacks_in_fifo_order(app_loop: BatchedQEventLoop) -> None:
    seen: list[int] = []
    total = 300_000

    async def main() -> None:
        done = asyncio.get_running_loop().create_future()
        for i in range(total):
            app_loop.call_soon(seen.append, i)
        app_loop.call_soon(done.set_result, None)
        await done

    app_loop.run_until_complete(main())
    assert len(seen) == total
    assert seen == list(range(total))


def test_qt_timer_callbacks_survive_under_the_app_loop() -> None:
    """PITFALLS #1: a Qt that leaks a reference per singleShot dies here, so run it apart."""
    script = textwrap.dedent(
        """
        import asyncio, os, sys
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        from sio_monitor.qt.loop import new_event_loop

        app = QApplication([])
        loop = new_event_loop(app)
        asyncio.set_event_loop(loop)
        total = 100_000
        count = 0

        async def main():
            done = loop.create_future()
            def tick():
                global count
                count += 1
                if count == total:
                    done.set_result(None)
            for _ in range(total):
                QTimer.singleShot(0, tick)
                if _ % 1000 == 0:
                    await asyncio.sleep(0)
            await done

        loop.run_until_complete(main())
        loop.close()
        print("fired", count, "refcount-of-None", sys.getrefcount(None))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "fired 100000" in proc.stdout


def test_call_later_runs_in_deadline_order(app_loop: BatchedQEventLoop) -> None:
    order: list[str] = []

    async def main() -> None:
        done = asyncio.get_running_loop().create_future()
        app_loop.call_later(0.06, order.append, "c")
        app_loop.call_later(0.02, order.append, "a")
        app_loop.call_later(0.04, order.append, "b")
        app_loop.call_soon(order.append, "soon")
        app_loop.call_later(0.08, done.set_result, None)
        await done

    app_loop.run_until_complete(main())
    assert order == ["soon", "a", "b", "c"]


def test_cancelled_handles_do_not_run(app_loop: BatchedQEventLoop) -> None:
    ran: list[str] = []

    async def main() -> None:
        soon = app_loop.call_soon(ran.append, "soon")
        later = app_loop.call_later(0.01, ran.append, "later")
        app_loop.call_soon(ran.append, "kept")
        soon.cancel()
        later.cancel()
        await asyncio.sleep(0.05)

    app_loop.run_until_complete(main())
    assert ran == ["kept"]


def test_exception_in_callback_goes_to_the_exception_handler(
    app_loop: BatchedQEventLoop,
) -> None:
    reported: list[dict] = []
    app_loop.set_exception_handler(lambda _loop, context: reported.append(context))
    after: list[int] = []

    def boom() -> None:
        raise RuntimeError("boom")

    async def main() -> None:
        app_loop.call_soon(boom)
        app_loop.call_soon(after.append, 1)
        await asyncio.sleep(0)
        await asyncio.sleep(0)

    app_loop.run_until_complete(main())
    assert after == [1], "the batch went on after the failing callback"
    assert len(reported) == 1
    assert isinstance(reported[0]["exception"], RuntimeError)


def test_run_in_executor_returns_the_result(app_loop: BatchedQEventLoop) -> None:
    async def main() -> tuple[int, int]:
        value = await app_loop.run_in_executor(None, sum, [1, 2, 3])
        return value, threading.get_ident()

    value, ident = app_loop.run_until_complete(main())
    assert value == 6
    assert ident == threading.get_ident()


def test_call_soon_threadsafe_from_another_thread(app_loop: BatchedQEventLoop) -> None:
    received: list[tuple[int, int]] = []

    async def main() -> None:
        done = asyncio.get_running_loop().create_future()

        def record(i: int) -> None:
            received.append((i, threading.get_ident()))

        def worker() -> None:
            for i in range(1000):
                app_loop.call_soon_threadsafe(record, i)
            app_loop.call_soon_threadsafe(done.set_result, None)

        thread = threading.Thread(target=worker)
        thread.start()
        await done
        thread.join()

    app_loop.run_until_complete(main())
    assert [i for i, _ in received] == list(range(1000))
    assert {ident for _, ident in received} == {threading.get_ident()}


def test_qt_events_get_their_turn_between_batches(app_loop: BatchedQEventLoop) -> None:
    """A callback that always reschedules itself must not starve Qt's own timers."""
    qt_fired = asyncio.Event()
    spins = 0

    def spin() -> None:
        nonlocal spins
        spins += 1
        if not qt_fired.is_set():
            app_loop.call_soon(spin)

    async def main() -> None:
        app_loop.call_soon(spin)
        QTimer.singleShot(0, qt_fired.set)
        await asyncio.wait_for(qt_fired.wait(), timeout=5)

    app_loop.run_until_complete(main())
    assert qt_fired.is_set()
    assert spins >= 1


def test_a_closed_loop_refuses_threadsafe_calls(app_loop: BatchedQEventLoop) -> None:
    app_loop.close()
    try:
        app_loop.call_soon_threadsafe(time.time)
    except RuntimeError:
        return
    raise AssertionError("call_soon_threadsafe on a closed loop did not raise")
