"""A hostile server of big and deep input, and the app's own window connected to it.

The server (``serve``) runs as a child process, so that its own work of
encoding ten megabytes is not measured as the window's. A client of its own
emits a 10 MB string argument, a 10,000-level nested argument and an event
named by a megabyte, the server puts that client in 100,000 rooms, and it
sends the 10 MB and 10,000-deep events to the emit console's probe.
``run_monitor`` opens the app's window (``Application``) on it, recorder on.
Used by tests/integration/test_big_payloads.py, tests/qt/test_big_payloads.py
(the payload builders) and tests/benchmarks/bench_big_payload.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import hashlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import socketio
from aiohttp import web
from PySide6.QtCore import Qt

from sio_monitor.app import Application, GuiOptions
from sio_monitor.domain.eventlog.rows import LogRow
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.gc_policy import settle_after_start_up
from sio_monitor.qt.loop import BatchedQEventLoop
from sio_monitor.qt.models.eventlog_model import COLUMNS, SIZE, EventLogModel
from sio_monitor.qt.recorder import Recorder
from sio_monitor.store.recording_reader import Recording
from sio_monitor.ui.shell.workspace import Workspace
from tests.qt.waiting import until

BIG_CHARS = 10_000_000
DEEP_LEVELS = 10_000
NAME_CHARS = 1_048_576
ROOMS = 100_000
LISTENERS = "listeners"


def big_text(chars: int = BIG_CHARS) -> str:
    """A string argument of ``chars`` characters that JSON must escape in places, never periodic."""
    head = 'héllo "wörld"\n\\ \u2028 '
    blocks = (hashlib.sha256(str(i).encode()).hexdigest() for i in range(chars // 64 + 1))
    return (head + "".join(blocks))[:chars]


def deep_value(levels: int = DEEP_LEVELS) -> Any:
    """Lists and objects alternately, ``levels`` deep, with a string at the bottom."""
    value: Any = "bottom"
    for level in range(levels):
        value = [value] if level % 2 else {"k": value}
    return value


def long_name(chars: int = NAME_CHARS) -> str:
    return ("huge-name-" + "n" * chars)[:chars]


def room_name(number: int) -> str:
    return f"room-{number:06d}"


# --- the hostile server (child process) ---------------------------------------------------------


def serve() -> None:
    """Run the hostile server until stdin closes; print its port as one JSON line."""
    sys.setrecursionlimit(100_000)  # python-socketio's JSON must carry 10,000 levels here
    asyncio.run(_serve())


async def _serve() -> None:
    sio = socketio.AsyncServer(async_mode="aiohttp", max_http_buffer_size=64_000_000)
    sio.instrument(auth=False, mode="development", server_stats_interval=0.5)
    app = web.Application()
    sio.attach(app)
    hostile: dict[str, str] = {}

    @sio.on("connect")
    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        if isinstance(auth, dict) and auth.get("role") == "hostile":
            hostile["sid"] = sid
        else:
            await sio.enter_room(sid, LISTENERS)

    client = socketio.AsyncClient(websocket_extra_options={"max_msg_size": 0})

    async def act(request: web.Request) -> web.Response:
        what = request.match_info["what"]
        if what == "big":
            await client.emit("big", big_text())
        elif what == "deep":
            await client.emit("deep", deep_value())
        elif what == "name":
            for _ in range(3):
                await client.emit(long_name(), "x")
        elif what == "rooms":
            for number in range(ROOMS):
                await sio.enter_room(hostile["sid"], room_name(number))
        elif what == "probe-big":
            await sio.emit("big", big_text(), room=LISTENERS)
        elif what == "probe-deep":
            await sio.emit("deep", deep_value(), room=LISTENERS)
        else:
            raise web.HTTPNotFound()
        return web.json_response({"sid": hostile.get("sid")})

    app.router.add_post("/hostile/{what}", act)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.3)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = int(runner.addresses[0][1])
    url = f"http://127.0.0.1:{port}"
    await client.connect(url, auth={"role": "hostile"}, transports=["websocket"])
    print(json.dumps({"port": port, "url": url}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until closed
    await client.disconnect()
    await runner.cleanup()


# --- the test side ------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0
#: The child's program.
SERVE = "from tests.support.big_payloads import serve; serve()"


class HostileServer:
    """The child process, and the requests that make it act."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self.url = ""
        self._process: subprocess.Popen[str] | None = None

    def start(self) -> HostileServer:
        with self.log.open("w") as errors:
            self._process = subprocess.Popen(
                [sys.executable, "-c", SERVE],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
        lines: list[str] = []
        assert self._process.stdout is not None
        stdout = self._process.stdout
        reader = threading.Thread(target=lambda: lines.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(START_TIMEOUT)
        if not lines or not lines[0]:
            self.stop()
            pytest.fail(f"the hostile server did not start: {self.log.read_text()[-2000:]}")
        self.url = json.loads(lines[0])["url"]
        return self

    def stop(self) -> None:
        process = self._process
        if process is None:
            return
        with contextlib.suppress(OSError):
            assert process.stdin is not None
            process.stdin.close()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)

    async def act(self, what: str) -> dict[str, Any]:
        """Make the server (or its hostile client) do ``what``; returns when it is done."""
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{self.url}/hostile/{what}") as response,
        ):
            assert response.status == 200, await response.text()
            return dict(await response.json())


class Handed:
    """How many events the bridge and the probe handed to their listeners (the recorder too)."""

    def __init__(self, workspace: Workspace) -> None:
        self.count = 0
        workspace.session.bridge.events_applied.connect(self._add)
        workspace.probe.events_arrived.connect(self._add)

    def _add(self, batch: list[object]) -> None:
        self.count += len(batch)


@dataclass
class Monitor:
    """The app's window connected to the hostile server, recording."""

    application: Application
    server: HostileServer
    handed: Handed

    @property
    def workspace(self) -> Workspace:
        return self.application.window.current

    @property
    def recorder(self) -> Recorder:
        return self.application.recordings.recorders[self.workspace]

    async def recorded(self) -> None:
        """Wait until the recorder's thread has committed everything handed over so far."""
        recorder = self.recorder
        writer = recorder.writer
        assert writer is not None, recorder.status

        def caught_up() -> bool:
            stats = writer.stats
            return stats.events + stats.skipped + stats.lost >= self.handed.count

        await until(caught_up, recorder.status_changed, timeout=60)
        assert writer.stats.skipped == writer.stats.lost == 0, recorder.status


def run_monitor(
    loop: BatchedQEventLoop,
    tmp_path: Path,
    body: Callable[[Monitor], Awaitable[None]],
) -> Path:
    """Run ``body`` against a fresh server and window; return the closed recording's path."""
    return _run_monitor_once(loop, tmp_path / "run", body)


def _run_monitor_once(
    loop: BatchedQEventLoop,
    tmp_path: Path,
    body: Callable[[Monitor], Awaitable[None]],
) -> Path:
    tmp_path.mkdir()

    async def main() -> Path:
        server = HostileServer(tmp_path / "hostile-server.log").start()
        try:
            application = Application(GuiOptions(settings=ConnectionSettings(server.url)))
            window = application.window
            window.resize(1200, 760)
            monitor = Monitor(application, server, Handed(window.current))
            settle_after_start_up()  # as run_gui does: what earlier tests left is frozen too
            running = asyncio.ensure_future(application.run())
            try:
                bridge = window.current.session.bridge
                await until(lambda: bridge.topology.snapshot_received, bridge.batch_applied)
                path = monitor.recorder.path
                assert path is not None, monitor.recorder.status
                await body(monitor)
            finally:
                window.close()
                await asyncio.wait_for(running, 10.0)
            return path
        finally:
            server.stop()

    try:
        return loop.run_until_complete(main())
    finally:
        gc.unfreeze()  # the rest of the suite collects all it leaves (tests/conftest.py)


@contextlib.asynccontextmanager
async def recording(monitor: Monitor) -> AsyncIterator[None]:
    """Run the block, then wait until the recorder has committed all it was handed."""
    yield
    await monitor.recorded()
    assert monitor.application.window.isVisible()  # the window is alive after it all


def log_rows(model: EventLogModel, predicate: Callable[[LogRow], bool]) -> list[int]:
    return [row for row in range(model.rowCount()) if predicate(model.log_row(row))]


async def arrived(
    monitor: Monitor, condition: Callable[[], bool], signal: object, what: str, timeout: float = 30
) -> None:
    """Wait for ``condition``; past ``timeout``, fail saying what the connections said."""
    try:
        await until(condition, signal, timeout=timeout)
    except TimeoutError:
        workspace = monitor.workspace
        bridge = workspace.session.bridge
        last, probe = bridge.last_connection, workspace.probe.last_state
        rejected = workspace.last_rejection
        pytest.fail(
            f"{what} never showed within {timeout:g} s. The admin connection: "
            f"{last.message if last else '-'}; the probe: {probe.message if probe else '-'}; "
            f"{bridge.rejected_payloads} payloads dropped"
            + (f", the last one {rejected.event_name}: {rejected.reason}" if rejected else "")
        )


async def log_row(monitor: Monitor, predicate: Callable[[LogRow], bool]) -> int:
    """The newest row of the log that ``predicate`` picks, once there is one."""
    model = monitor.workspace.event_log.model
    await arrived(
        monitor, lambda: bool(log_rows(model, predicate)), model.counts_changed, "Its log row"
    )
    return log_rows(model, predicate)[-1]


async def selected_log_row(monitor: Monitor, event: str) -> tuple[list[Any], Any, str]:
    """The cells, the size tooltip and the details of ``event``'s log row, once selected."""
    panel = monitor.workspace.event_log
    row = await log_row(monitor, lambda r: r.event == event)
    model = panel.model
    panel.table.selectRow(row)
    cells = [model.data(model.index(row, column)) for column in range(len(COLUMNS))]
    size_tip = model.data(model.index(row, SIZE), Qt.ItemDataRole.ToolTipRole)
    return cells, size_tip, panel.details.toPlainText()


def recorded_events(path: Path, kind: type, predicate: Callable[[Any], bool]) -> list[Any]:
    with Recording(path) as recording:
        found = [e for e in recording.events() if type(e) is kind and predicate(e)]
        assert recording.skipped == 0
    return found


def same(left: Any, right: Any) -> bool:
    """``left == right`` at any depth (``==`` itself recurses, and stops at the recursion limit)."""
    pairs = [(left, right)]
    while pairs:
        a, b = pairs.pop()
        if type(a) is not type(b):
            return False
        if dataclasses.is_dataclass(a):
            pairs.extend((getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
        elif isinstance(a, dict):
            if a.keys() != b.keys():
                return False
            pairs.extend((a[key], b[key]) for key in a)
        elif isinstance(a, list | tuple):
            if len(a) != len(b):
                return False
            pairs.extend(zip(a, b, strict=True))
        elif a != b:
            return False
    return True


def deep_json_size(levels: int = DEEP_LEVELS) -> int:
    """Bytes of ``[deep_value()]`` as the log writes it: ``{"k": x}`` adds 7, ``[x]`` 2."""
    objects = (levels + 1) // 2
    return 2 + 7 * objects + 2 * (levels - objects) + len('"bottom"')
