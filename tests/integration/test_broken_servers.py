"""Servers that break while the monitor watches: killed, frozen, restarted, on a clock hours off.

Each server is a real python-socketio process (``tests/integration/broken_server.py``)
whose own users keep ticking, so the admin stream is busy when it breaks. The
monitor is the app's own session with its overview and reconnect banner; every
wait re-checks a condition each time the bridge applies a batch, within a
bound: nothing sleeps to synchronise, and nothing asserts how long anything took.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import pytest

from sio_monitor.domain.events import (
    ConnectionState,
    ReconnectScheduled,
    ServerStalled,
)
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.domain.topology.topology import Topology
from sio_monitor.net.backoff import Backoff
from sio_monitor.qt.loop import BatchedQEventLoop
from sio_monitor.qt.session import MonitorSession
from sio_monitor.ui.connection.reconnect_banner import ReconnectBanner, with_banner
from sio_monitor.ui.overview.overview import CLOCK_COLUMN, OverviewPanel
from tests.integration.broken_server import BrokenServer
from tests.peers.launch import fetch_truth
from tests.qt.screens import save_screenshot
from tests.qt.waiting import until

pytestmark = pytest.mark.network

USERS = 3
SERVER_ID = "broken-1"
AHEAD = 3 * 3600 + 2 * 60 + 7  # the skewed server's clock: 3 h 02 min 07 s ahead


@contextlib.contextmanager
def broken_server(*options: str, port: int = 0) -> Iterator[BrokenServer]:
    server = BrokenServer("--clients", str(USERS), "--server-id", SERVER_ID, *options)
    server.start(port)
    try:
        yield server
    finally:
        server.kill()


class Watch:
    """A monitoring session with the views that show a break: overview and banner."""

    def __init__(self, backoff: Backoff | None = None) -> None:
        self.session = MonitorSession(backoff=backoff or Backoff(first=0.05, cap=0.3))
        self.bridge = self.session.bridge
        self.overview = OverviewPanel(self.bridge)
        self.banner = ReconnectBanner(self.session)
        self.window = with_banner(self.banner, self.overview)  # as a workspace stacks them
        self.window.resize(1000, 340)
        self.events: list[object] = []
        self.notices: list[str] = []
        self.bridge.events_applied.connect(self.events.extend)
        self.bridge.notice.connect(self.notices.append)

    @property
    def topology(self) -> Topology:
        return self.bridge.topology

    def shown(self) -> set[str]:
        return {socket.id for socket in self.topology.sockets("/")}

    async def until(self, condition: object, timeout: float = 20.0) -> None:
        await until(condition, self.bridge.batch_applied, timeout)  # type: ignore[arg-type]

    async def streaming(self, server: BrokenServer) -> None:
        """Connected, the server's users all shown, and their events flowing."""
        settings = ConnectionSettings(server.url, connect_timeout=3.0)
        assert await self.session.connect_to(settings)
        await self.until(lambda: len(self.shown()) == USERS and self.topology.servers())
        flowing = self.bridge.rates.total("eventsReceived")
        await self.until(lambda: self.bridge.rates.total("eventsReceived") > flowing)
        truth = await fetch_truth(server.url)
        assert self.shown() == set(truth["sockets"])

    def state(self) -> ConnectionState:
        return self.topology.connection

    def sentence(self) -> str:
        last = self.bridge.last_connection
        return "" if last is None else last.message


def server_row(overview: OverviewPanel) -> list[str]:
    table = overview.servers
    return [table.item(0, column).text() for column in range(table.columnCount())]


def test_a_server_killed_mid_stream_keeps_its_last_figures_greyed_and_is_retried(
    app_loop: BatchedQEventLoop,
) -> None:
    async def main() -> None:
        watch = Watch()
        with broken_server() as server:
            try:
                await watch.streaming(server)
                await watch.until(lambda: watch.overview.servers.rowCount() == 1)
                figures = server_row(watch.overview)
                namespaces = watch.overview.namespaces.rowCount()
                shown = watch.shown()
                assert watch.overview.servers.isEnabled()

                server.kill()
                await watch.until(lambda: watch.state() is ConnectionState.RECONNECTING)
                sentence = watch.sentence()
                assert sentence.startswith(f"Lost the connection to 127.0.0.1:{server.port}")
                assert "reconnecting" in sentence and "last ones received" in sentence
                assert "stopped answering" not in sentence
                assert watch.topology.stalled is None
                # The last figures stay, greyed: nothing emptied, nothing made up.
                assert not watch.overview.servers.isEnabled()
                assert watch.overview.servers.rowCount() == 1
                assert server_row(watch.overview)[:3] == figures[:3]  # id, hostname, pid
                assert server_row(watch.overview)[4] == figures[4]  # clients
                assert watch.overview.namespaces.rowCount() == namespaces
                assert watch.shown() == shown
                assert not watch.banner.isHidden()
                assert watch.banner.message.text().startswith("Lost the connection to")
                # It keeps retrying, each wait announced.
                await watch.until(
                    lambda: any(
                        isinstance(e, ReconnectScheduled) and e.attempt >= 2 for e in watch.events
                    )
                )
                assert watch.state() is ConnectionState.RECONNECTING
            finally:
                await watch.session.disconnect()

    app_loop.run_until_complete(main())


def test_a_frozen_server_is_found_out_by_its_missing_pings_and_said_to_have_stopped_answering(
    app_loop: BatchedQEventLoop,
) -> None:
    async def main() -> None:
        watch = Watch()
        with broken_server("--ping-interval", "1", "--ping-timeout", "1") as server:
            try:
                await watch.streaming(server)
                server.freeze()  # SIGSTOP: its sockets stay open, nothing is answered
                await watch.until(lambda: watch.state() is ConnectionState.RECONNECTING)
                stalled = watch.topology.stalled
                assert isinstance(stalled, ServerStalled)
                assert (stalled.ping_interval, stalled.ping_timeout) == (1.0, 1.0)
                assert stalled.silence >= 0.9 * (stalled.ping_interval + stalled.ping_timeout)
                sentence = watch.sentence()
                assert sentence.startswith(f"127.0.0.1:{server.port} stopped answering (")
                assert "pings are due every 1 s" in sentence and "reconnecting" in sentence
                assert "refused" not in sentence and "Lost the connection" not in sentence
                assert "stopped answering" in watch.banner.message.text()
                assert not watch.overview.servers.isEnabled()
                save_screenshot(watch.window, "overview_server_stopped_answering")

                server.thaw()
                await watch.until(lambda: watch.state() is ConnectionState.CONNECTED, 30.0)
                assert watch.topology.stalled is None and watch.banner.isHidden()
                await watch.until(lambda: len(watch.shown()) == USERS)
            finally:
                await watch.session.disconnect()

    app_loop.run_until_complete(main())


def test_a_restarted_server_shows_its_new_sockets_and_no_ghost_of_the_old_ones(
    app_loop: BatchedQEventLoop,
) -> None:
    async def main() -> None:
        watch = Watch()
        with broken_server() as first:
            try:
                await watch.streaming(first)
                before = watch.shown()
                first.kill()
                await watch.until(lambda: watch.state() is ConnectionState.RECONNECTING)
                with broken_server(port=first.port) as second:
                    await watch.until(lambda: watch.state() is ConnectionState.CONNECTED, 30.0)
                    await watch.until(
                        lambda: len(watch.shown()) == USERS and not watch.shown() & before
                    )
                    truth = await fetch_truth(second.url)
                    assert watch.shown() == set(truth["sockets"])
                    assert not before & set(truth["sockets"]), "new processes, new socket ids"
                    assert watch.topology.socket_count("/") == USERS  # nothing twice
                    assert [s.server_id for s in watch.topology.servers()] == [SERVER_ID]
                    assert watch.overview.servers.isEnabled()
            finally:
                await watch.session.disconnect()

    app_loop.run_until_complete(main())


def test_a_server_clock_hours_ahead_is_said_and_every_time_shown_is_this_computers(
    app_loop: BatchedQEventLoop,
) -> None:
    async def main() -> None:
        watch = Watch()
        with broken_server("--clock-offset", str(AHEAD)) as server:
            try:
                await watch.streaming(server)
                await watch.until(lambda: watch.notices and watch.overview.clock_note.text())
                assert watch.notices[0] == (
                    f"{SERVER_ID}'s clock is 3 h 02 min ahead of this computer; "
                    "times shown are this computer's."
                )
                (server_state,) = watch.topology.servers()
                offset = watch.topology.clock_of(server_state)
                assert offset is not None and abs(offset - AHEAD) < 5
                # The events, the charts and the sockets are on this computer's clock.
                now = time.time()
                rates = watch.bridge.rates
                assert rates.newest is not None and abs(rates.newest - now) < 60
                assert rates.total("packetsOut") > 0 and rates.dropped == 0
                ages = [now - s.connected_at for s in watch.topology.sockets("/")]
                assert ages and all(-5 < age < 120 for age in ages), ages
                stamped = [e for e in watch.events if type(e).__name__ == "EventReceived"]
                assert stamped and all(abs(e.at - now) < 120 for e in stamped)  # type: ignore[attr-defined]
                # The overview says so too, and keeps saying it.
                watch.overview.refresh()
                cell = watch.overview.servers.item(0, CLOCK_COLUMN)
                assert cell.text() == "3 h 02 min ahead"
                assert "ahead of this computer's" in cell.toolTip()
                assert watch.overview.clock_note.text() == watch.notices[0]
                assert len(watch.notices) == 1, "said once"
                save_screenshot(watch.window, "overview_clock_ahead")
            finally:
                await watch.session.disconnect()

    app_loop.run_until_complete(main())
