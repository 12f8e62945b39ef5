"""The real app, connected to a server, with a load run started from its Load panel.

Run as a child process by ``test_load_panel.py``: it prints one line, the pids
of the run's Locust processes, once the users are running, then keeps the
window going until it is killed. The test SIGKILLs it and checks that no
Locust process outlives it.

    python -m tests.qt.load_app URL
"""

from __future__ import annotations

import asyncio
import sys

from sio_monitor.app import Application, GuiOptions
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.qt.loop import new_event_loop

#: A failure timeout, generous: Locust and its workers start slowly on a busy machine.
WAIT = 240.0


def main(url: str) -> None:
    from PySide6.QtWidgets import QApplication

    qt_app = QApplication(sys.argv[:1])
    loop = new_event_loop(qt_app)
    asyncio.set_event_loop(loop)
    application = Application(GuiOptions(settings=ConnectionSettings(url)))

    async def drive() -> None:
        running = asyncio.ensure_future(application.run())
        window = application.window
        connected = asyncio.Event()
        window.current.state_changed.connect(
            lambda ws: connected.set() if "Connected" in window.state_label.text() else None
        )
        await asyncio.wait_for(connected.wait(), WAIT)
        panel = window.current.load_panel
        panel.users.setValue(10)
        panel.duration.setValue(600)
        panel.processes.setValue(2)
        started = asyncio.Event()
        panel.session.figures_changed.connect(
            lambda point: started.set() if point is not None and point.users > 0 else None
        )
        panel.start_button.click()
        if panel.session.run is None:
            print(f"not started: {panel.error.text()}", flush=True)
            return
        try:
            await asyncio.wait_for(started.wait(), WAIT)
        except TimeoutError:
            print(f"no virtual user running within {WAIT:g} s", flush=True)
            return
        print(" ".join(str(pid) for pid in panel.session.pids()), flush=True)
        await running

    loop.run_until_complete(drive())


if __name__ == "__main__":
    main(sys.argv[1])
