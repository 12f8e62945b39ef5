"""``sio-monitor --open FILE``: the recording replays in the only tab, not beside an empty one."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sio_monitor.app import Application, GuiOptions
from sio_monitor.qt.loop import BatchedQEventLoop
from tests.qt.replay_session import session_events, write_recording
from tests.qt.waiting import until


def test_a_recording_opened_at_start_replays_in_the_only_tab(
    app_loop: BatchedQEventLoop,
    tmp_path: Path,
) -> None:
    path = write_recording(tmp_path / "start.sio-recording", session_events())
    application = Application(GuiOptions(open_recording=str(path)))
    window = application.window
    tabs = window.connections

    async def main() -> list[str]:
        running = asyncio.ensure_future(application.run())
        try:
            await until(
                lambda: window.current in application.recordings.replays, tabs.currentChanged
            )
            await until(lambda: tabs.count() == 1, tabs.currentChanged, timeout=5)
            return [tabs.tabText(i) for i in range(tabs.count())]
        finally:
            window.close()
            await asyncio.wait_for(running, 10.0)

    assert app_loop.run_until_complete(main()) == ["start.sio-recording (recording)"]
