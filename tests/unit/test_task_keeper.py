"""The background-task keeper: holds tasks until they end, says each failure once."""

from __future__ import annotations

import asyncio
import gc
import logging

import pytest

from sio_monitor.net.task_keeper import TaskKeeper


def test_a_spawned_task_is_kept_until_it_ends_even_with_no_other_reference() -> None:
    keeper = TaskKeeper()
    finished: list[str] = []

    async def job() -> None:
        await asyncio.sleep(0.01)
        finished.append("done")

    async def main() -> None:
        keeper.spawn(job(), name="job")
        gc.collect()  # nobody but the keeper holds the task
        assert len(keeper) == 1
        assert [t.get_name() for t in keeper.pending] == ["job"]  # type: ignore[attr-defined]
        while keeper.pending:
            await asyncio.sleep(0.005)
        await asyncio.sleep(0)  # the done callback runs one step later

    asyncio.run(main())
    assert finished == ["done"]
    assert len(keeper) == 0


def test_a_failure_is_logged_and_handed_to_the_callback(caplog: pytest.LogCaptureFixture) -> None:
    errors: list[BaseException] = []
    keeper = TaskKeeper("Recording", on_error=errors.append)

    async def fails() -> None:
        raise RuntimeError("no such file")

    async def main() -> None:
        task = keeper.spawn(fails(), name="open")
        await asyncio.wait([task])
        await asyncio.sleep(0)

    with caplog.at_level(logging.ERROR):
        asyncio.run(main())
    assert [str(e) for e in errors] == ["no such file"]
    [record] = [r for r in caplog.records if r.name == "sio_monitor.net.task_keeper"]
    assert record.getMessage() == "Recording task open failed: no such file"
    assert record.exc_info is not None and record.exc_info[1] is errors[0]
    assert len(keeper) == 0


def test_the_owner_logger_carries_the_line(caplog: pytest.LogCaptureFixture) -> None:
    owner = logging.getLogger("sio_monitor.some_owner")
    keeper = TaskKeeper("Owner", logger=owner)

    async def fails() -> None:
        raise ValueError("bad")

    async def main() -> None:
        await asyncio.wait([keeper.spawn(fails())])
        await asyncio.sleep(0)

    with caplog.at_level(logging.ERROR):
        asyncio.run(main())  # no callback: logged only
    assert [r.name for r in caplog.records] == ["sio_monitor.some_owner"]


def test_cancel_all_and_close_end_every_task_quietly(caplog: pytest.LogCaptureFixture) -> None:
    errors: list[BaseException] = []
    keeper = TaskKeeper(on_error=errors.append)

    async def forever() -> None:
        await asyncio.sleep(3600)

    async def main() -> None:
        first = keeper.spawn(forever())
        second = keeper.spawn(forever())
        await asyncio.sleep(0)
        assert set(keeper.cancel_all()) == {first, second}
        third = keeper.spawn(forever())
        await asyncio.sleep(0)
        await keeper.close(timeout=1.0)
        assert first.cancelled() and second.cancelled() and third.cancelled()
        await asyncio.sleep(0)

    with caplog.at_level(logging.DEBUG):
        asyncio.run(main())
    assert errors == []
    assert not [r for r in caplog.records if r.name == "sio_monitor.net.task_keeper"]
    assert len(keeper) == 0


def test_close_gives_up_after_the_timeout() -> None:
    keeper = TaskKeeper()

    async def stubborn() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            await asyncio.sleep(0.2)  # takes its time to stop

    async def main() -> bool:
        task = keeper.spawn(stubborn())
        await asyncio.sleep(0)
        await keeper.close(timeout=0.05)
        still_running = not task.done()
        await asyncio.wait([task])
        return still_running

    assert asyncio.run(main())


def test_a_task_started_elsewhere_is_tracked_with_the_same_policy() -> None:
    errors: list[BaseException] = []
    keeper = TaskKeeper(on_error=errors.append)

    async def fails() -> None:
        raise LookupError("gone")

    async def main() -> None:
        task = asyncio.create_task(fails())
        assert keeper.track(task) is task
        await asyncio.wait([task])
        await asyncio.sleep(0)

    asyncio.run(main())
    assert [type(e) for e in errors] == [LookupError]


def test_an_owner_that_logs_failures_itself_gets_them_unlogged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    errors: list[BaseException] = []
    keeper = TaskKeeper(on_error=errors.append, log_failures=False)

    async def fails() -> None:
        raise RuntimeError("said once")

    async def main() -> None:
        await asyncio.wait([keeper.spawn(fails())])
        await asyncio.sleep(0)

    with caplog.at_level(logging.WARNING):
        asyncio.run(main())
    assert [str(e) for e in errors] == ["said once"]
    assert caplog.records == []
    with pytest.raises(ValueError):
        TaskKeeper(log_failures=False)  # a failure nobody hears of is what the keeper prevents
