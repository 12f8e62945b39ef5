"""Recording in the window and replaying it: same topology, same counts, speeds, seeks, the bar."""

from __future__ import annotations

import asyncio
import collections
import socket
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent
from PySide6.QtWidgets import QApplication

from sio_monitor.domain import events as ev
from sio_monitor.domain.emit import probe_events as pe
from sio_monitor.domain.emit.probe_settings import ProbeSettings
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.domain.topology.topology import Topology
from sio_monitor.net.demo import DemoServer
from sio_monitor.qt.bridge import EventBridge
from sio_monitor.qt.loop import BatchedQEventLoop
from sio_monitor.qt.probe_session import ProbeSession
from sio_monitor.qt.recorder import NOT_RECORDING, RECORDING_OFF, Recorder
from sio_monitor.qt.replay import FASTEST, FINISHED, PAUSED, PLAYING, SEEKING, ReplayController
from sio_monitor.qt.session import MonitorSession
from sio_monitor.store import recording as recording_module
from sio_monitor.store.recording_reader import open_recording
from sio_monitor.terminal.render import snapshot_document
from sio_monitor.ui.recording.recording_menu import install_recording, recent_recordings
from sio_monitor.ui.recording.replay_bar import SLIDER_STEPS, ReplayBar
from sio_monitor.ui.shell.main_window import MainWindow
from sio_monitor.ui.shell.workspace import Workspace
from tests.qt.replay_session import session_events, write_recording
from tests.qt.screens import save_screenshot
from tests.qt.waiting import until
from tests.support.events import T0


def view(topology: Topology) -> dict[str, object]:
    return {
        nsp: (
            sorted(s.id for s in topology.sockets(nsp)),
            {r.name: sorted(r.members) for r in topology.rooms(nsp) if r.members},
        )
        for nsp in topology.namespaces()
    }


def reference(events: list[object], until: float) -> dict[str, object]:
    topology = Topology()
    topology.apply(
        [e for e in events if not isinstance(e, pe.ProbeEventReceived) and e.at <= until]
    )  # type: ignore[attr-defined]
    return view(topology)


@pytest.fixture
def recorded(tmp_path: Path) -> tuple[Path, list[object]]:
    events = session_events()
    return write_recording(tmp_path / "minute.sio-recording", events), events


# --- the controller --------------------------------------------------------------------


def test_speeds_seeks_and_the_end(qapp: QApplication, recorded: tuple[Path, list[object]]) -> None:
    path, events = recorded
    clock = [500.0]
    bridge = EventBridge()
    replay = ReplayController(bridge, clock=lambda: clock[0])
    probes: list[object] = []
    replay.probe_events_replayed.connect(probes.extend)
    states: list[str] = []
    replay.state_changed.connect(states.append)

    replay.open(path)
    assert (replay.start, replay.end) == (T0, events[-1].at)  # type: ignore[attr-defined]
    assert replay.state == PAUSED and replay.position == T0
    assert view(bridge.topology) == reference(events, T0)

    replay.play()
    clock[0] += 5  # five seconds of wall time at 1x
    replay.tick()
    assert replay.position == T0 + 5
    assert view(bridge.topology) == reference(events, T0 + 5)
    replay.set_speed(10)
    clock[0] += 2  # two seconds at 10x
    replay.tick()
    assert replay.position == T0 + 25
    assert view(bridge.topology) == reference(events, T0 + 25)
    assert probes == [e for e in events if isinstance(e, pe.ProbeEventReceived) and e.at <= T0 + 25]

    replay.pause()
    clock[0] += 100
    replay.tick()
    assert replay.position == T0 + 25 and replay.state == PAUSED

    replay.seek(T0 + 10.4)  # backwards: a fresh topology, rebuilt from the start
    assert replay.state == SEEKING
    replay.tick()
    assert replay.state == PAUSED and replay.position == T0 + 10.4
    assert view(bridge.topology) == reference(events, T0 + 10.4)
    assert replay.events_fed == sum(e.at <= T0 + 10.4 for e in events)  # type: ignore[attr-defined]
    replay.seek(T0 + 40)  # forwards: runs on from here
    replay.tick()
    assert view(bridge.topology) == reference(events, T0 + 40)

    replay.set_speed(FASTEST)
    replay.play()
    for _ in range(100):
        replay.tick()
        if replay.state == FINISHED:
            break
    assert replay.state == FINISHED and replay.position == replay.end
    assert view(bridge.topology) == reference(events, replay.end)
    assert bridge.topology.servers()[0].server_id == "web-1"
    assert states[:3] == [PAUSED, PLAYING, PAUSED]
    replay.play()  # from the end, play starts over
    assert replay.state == SEEKING and replay.playing
    replay.close()
    assert not replay.is_open


# --- the recorder ----------------------------------------------------------------------


def test_the_recorder_writes_one_file_per_connection(qapp: QApplication, tmp_path: Path) -> None:
    bridge, probe = EventBridge(), ProbeSession()
    recorder = Recorder(bridge, probe, directory=tmp_path)
    statuses: list[str] = []
    recorder.status_changed.connect(statuses.append)
    settings = ConnectionSettings(
        "http://web-1:3000", username="ops", password="s3cret-pass", headers={"X-Key": "k3y-value"}
    )
    assert recorder.start(settings) is not None
    first = recorder.path
    assert first is not None and first.parent == tmp_path and "web-1-3000" in first.name
    events = session_events()
    for event in events:
        if isinstance(event, pe.ProbeEventReceived):
            bridge.flush()  # what came before it goes first
            probe.sink(event)
            probe.flush()
        else:
            bridge.sink(event)  # type: ignore[arg-type]
    bridge.flush()
    assert recorder.flush()
    recorder.refresh()
    assert recorder.status.startswith(f"Recording to {first.name} · {len(events):,} events · ")
    assert statuses[-1] == recorder.status

    recorder.set_enabled(False)
    assert recorder.status == RECORDING_OFF and recorder.path is None
    bridge.sink(events[0])  # type: ignore[arg-type]
    bridge.flush()  # not recorded anywhere
    recorder.set_enabled(True)
    second = recorder.path
    assert second is not None and second != first
    recorder.start(None)
    assert recorder.status == NOT_RECORDING
    recorder.close()

    with open_recording(first) as one:
        assert list(one.events()) == events
        assert one.info.ended_at is not None
    assert b"s3cret-pass" not in first.read_bytes()
    assert b"k3y-value" not in first.read_bytes()
    assert not second.exists(), "a file that recorded no connection is removed"


@pytest.mark.network
def test_a_connection_that_never_connected_leaves_no_recording(
    app_loop: BatchedQEventLoop, tmp_path: Path
) -> None:
    async def main() -> tuple[bool, Path | None]:
        session = MonitorSession()
        recorder = Recorder(session.bridge, directory=tmp_path)
        session.settings_changed.connect(recorder.start)
        with socket.socket() as reserved:  # bound, never listening: connections are refused
            reserved.bind(("127.0.0.1", 0))
            settings = ConnectionSettings(f"http://127.0.0.1:{reserved.getsockname()[1]}")
            connected = await session.connect_to(settings)
        opened = recorder.path
        await session.disconnect()
        recorder.close()
        return connected, opened

    connected, opened = app_loop.run_until_complete(main())
    assert not connected
    assert opened is not None  # a file was open while it tried
    assert list(tmp_path.iterdir()) == []


def test_the_probes_secrets_are_redacted_too(qapp: QApplication, tmp_path: Path) -> None:
    """The probe's own socket shows in the admin stream, its query token with it."""
    bridge, probe = EventBridge(), ProbeSession()
    probe.settings = ProbeSettings("http://web-1:3000", query={"token": "t0ken-from-query"})
    recorder = Recorder(bridge, probe, directory=tmp_path)
    path = recorder.start(ConnectionSettings("http://web-1:3000", password="admin-pass-1"))
    assert path is not None
    probe.settings = ProbeSettings("http://web-1:3000", auth={"key": "auth-s3cret-later"})
    probe.sink(pe.ProbeStateChanged(pe.ProbeState.CONNECTED, "Connected.", T0))
    probe.flush()  # a probe connected after the recording began: its secrets join
    handshake = ev.Handshake(
        query={"token": "t0ken-from-query"}, headers={"x": "auth-s3cret-later"}
    )
    socket = ev.SocketInfo("p1", "c1", "/", handshake=handshake)
    bridge.sink(ev.SocketConnected(socket, T0 + 1))
    bridge.sink(ev.EventReceived("/", "p1", "login", ("admin-pass-1",), T0 + 2))
    bridge.flush()
    recorder.close()
    on_disk = path.read_bytes()
    for secret in (b"t0ken-from-query", b"auth-s3cret-later", b"admin-pass-1"):
        assert secret not in on_disk
    with open_recording(path) as done:
        assert done.count() == 3


def test_a_failed_recording_is_said_and_stops(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(_event: object) -> str:
        raise OSError(28, "No space left on device")

    bridge = EventBridge()
    recorder = Recorder(bridge, directory=tmp_path)
    failures: list[str] = []
    recorder.failed.connect(failures.append)
    recorder.start(ConnectionSettings("http://web-1:3000"))
    writer = recorder.writer
    assert writer is not None
    monkeypatch.setattr(recording_module, "encode", full)
    bridge.sink(session_events()[0])  # type: ignore[arg-type]
    bridge.flush()
    assert writer.close(10)
    recorder.refresh()
    assert recorder.path is None
    assert failures == [recorder.status]
    assert recorder.status.startswith("Recording stopped: ") and "No space left" in recorder.status


# --- a real server, recorded live and replayed ------------------------------------------


@pytest.mark.network
def test_a_recorded_demo_session_replays_to_the_same_topology_and_counts(
    app_loop: BatchedQEventLoop, tmp_path: Path
) -> None:
    async def record() -> tuple[Path, dict[str, object], collections.Counter[str], str]:
        demo = DemoServer(clients=12, rate=40, stats_interval=0.5, seed=7)
        await demo.start()
        session = MonitorSession()
        recorder = Recorder(session.bridge, directory=tmp_path)
        session.settings_changed.connect(recorder.start)
        counts: collections.Counter[str] = collections.Counter()
        session.bridge.events_applied.connect(
            lambda batch: counts.update(type(e).__name__ for e in batch)
        )
        settings = ConnectionSettings(
            demo.url, username=demo.username or "", password=demo.password or ""
        )
        try:
            assert await session.connect_to(settings)
            bridge = session.bridge
            await until(
                lambda: (
                    len(bridge.topology.sockets("/chat")) >= 12
                    and counts["EventReceived"] + counts["EventSent"] >= 150
                    and counts["ServerStatsReceived"] >= 3
                ),
                bridge.batch_applied,
                timeout=60,
            )
            live = snapshot_document(bridge.topology, demo.url, "/admin", T0)
            counted = collections.Counter(counts)
            path = recorder.path
            assert path is not None
            recorder.close()  # in the same tick as the figures: not one event in between
        finally:
            await session.disconnect()
            await demo.stop()
        return path, live, counted, demo.url

    path, live, live_counts, url = app_loop.run_until_complete(record())
    assert live["namespaces"]

    async def replay_it() -> tuple[dict[str, object], collections.Counter[str], int]:
        bridge = EventBridge()
        counts: collections.Counter[str] = collections.Counter()
        bridge.events_applied.connect(lambda batch: counts.update(type(e).__name__ for e in batch))
        replay = ReplayController(bridge)
        replay.open(path)
        replay.set_speed(FASTEST)
        replay.play()
        await until(lambda: replay.state == FINISHED, replay.state_changed, timeout=60)
        replay.close()
        return snapshot_document(bridge.topology, url, "/admin", T0), counts, bridge.applied_events

    replayed, replayed_counts, applied = app_loop.run_until_complete(replay_it())
    assert replayed == live
    assert replayed_counts == live_counts
    assert applied == sum(live_counts.values())


# --- the window --------------------------------------------------------------------------


def test_the_window_records_each_tab_and_replays_in_a_tab_of_its_own(
    app_loop: BatchedQEventLoop, recorded: tuple[Path, list[object]], tmp_path: Path
) -> None:
    path, events = recorded
    window = MainWindow()
    # What the application does with a closed tab (its connections end, the tab goes).
    window.close_requested.connect(window.remove_workspace)
    ui = install_recording(window, directory=tmp_path / "recordings")
    live = window.current
    assert live in ui.recorders
    assert ui.indicator.text() == NOT_RECORDING
    assert window.menuBar().actions()[0].text() == "&File"
    live.session.settings_changed.emit(ConnectionSettings("http://web-2:3000"))  # a connect
    assert ui.indicator.text().startswith("Recording to ")
    assert ui.indicator.textFormat() == Qt.TextFormat.PlainText
    window.resize(1200, 760)
    window.show()

    async def main() -> Workspace:
        workspace = await ui.open_recording(path)
        assert workspace is not None and window.current is workspace
        assert window.connections.count() == 2
        assert workspace not in ui.recorders  # a replay is never recorded again
        assert ui.indicator.text() == "Replaying a recording of http://web-1:3000"
        assert workspace.charts.clock() == ui.replays[workspace].position
        bar = workspace.findChild(ReplayBar)
        assert bar is not None and ui.replays[workspace].state == PLAYING
        bar.speed_box.setCurrentIndex(2)  # as fast as possible
        replay = ui.replays[workspace]
        await until(lambda: replay.state == FINISHED, replay.state_changed)
        await asyncio.sleep(0.1)  # one paint of the views with the last batch
        assert view(workspace.session.bridge.topology) == reference(events, replay.end)
        assert live.session.bridge.topology.socket_count() == 0  # the live tab is untouched
        tab = window.connections.tabText(window.connections.indexOf(workspace))
        assert tab == "minute.sio-recording (recording)"
        assert window.state_label.text() == "Connected. (recorded)"
        rows = workspace.event_log.model.log
        assert len(rows) >= sum(isinstance(e, ev.EventReceived) for e in events)
        save_screenshot(window, "replay_window")

        text = tmp_path / "notes.sio-recording"
        text.write_text("not a recording\n" * 100)
        assert await ui.open_recording(text) is None
        assert "notes.sio-recording is not a SIO Monitor recording" in (
            window.statusBar().currentMessage()
        )
        assert window.connections.count() == 2  # a bad file changes nothing
        return workspace

    workspace = app_loop.run_until_complete(main())
    assert recent_recordings()[0] == str(path.resolve())
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(
        QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()

    replay = ui.replays[workspace]
    workspace.session.settings_changed.emit(ConnectionSettings("http://web-3:3000"))
    assert not replay.is_open and workspace not in ui.replays  # connecting ended the replay
    assert workspace in ui.recorders and ui.indicator.text().startswith("Recording to ")

    second = app_loop.run_until_complete(ui.open_recording(path))
    assert second is not None and window.connections.count() == 3
    second_replay = ui.replays[second]
    second.findChild(ReplayBar).close_button.click()  # type: ignore[union-attr]
    assert window.connections.count() == 2
    assert not second_replay.is_open
    ui.close()
    window.close()


def test_the_replay_bar_follows_and_drives_the_replay(
    qapp: QApplication, recorded: tuple[Path, list[object]]
) -> None:
    path, _events = recorded
    replay = ReplayController(EventBridge())
    bar = ReplayBar(replay)
    assert bar.objectName() == "replayBar"
    assert not bar.isEnabled()  # nothing open yet
    replay.open(path)
    assert bar.isEnabled()
    assert bar.file_label.text() == "Replaying minute.sio-recording"
    assert bar.file_label.textFormat() == Qt.TextFormat.PlainText
    assert bar.slider.value() == 0
    assert bar.time_label.text().endswith("0s of 1m 00s")

    bar.play_button.click()
    assert replay.state == PLAYING and bar.play_button.text() == "Pause"
    bar.play_button.click()
    assert replay.state == PAUSED and bar.play_button.text() == "Play"
    bar.speed_box.setCurrentIndex(1)
    assert replay.speed == 10.0
    replay.set_speed(FASTEST)  # set elsewhere: the bar follows
    assert bar.speed_box.currentText() == "As fast as possible"
    bar.speed_box.setCurrentIndex(1)

    bar.slider.setSliderDown(True)
    bar.slider.setValue(SLIDER_STEPS // 2)  # dragging: the replay waits for the release
    assert replay.state == PAUSED
    bar.slider.setSliderDown(False)
    assert replay.state == SEEKING
    replay.tick()
    middle = replay.start + (replay.end - replay.start) / 2
    assert replay.position == pytest.approx(middle)
    assert bar.slider.value() == SLIDER_STEPS // 2
    bar.resize(900, 40)
    image = bar.grab().toImage()
    assert not image.isNull() and image.width() == 900
