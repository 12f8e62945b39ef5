"""Unexpected errors: logged with their traceback, shown once in the panel, and the app goes on."""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer, QUrl
from pytestqt.qtbot import QtBot

from sio_monitor.app import Application, GuiOptions
from sio_monitor.domain.emit.probe_settings import ProbeSettings
from sio_monitor.domain.events import ConnectionChanged, ConnectionState
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.qt.error_reporting import LOG_FILE_NAME, redact
from sio_monitor.qt.loop import BatchedQEventLoop
from sio_monitor.ui.shell.error_panel import ErrorPanel
from tests.qt.screens import save_screenshot
from tests.qt.waiting import until

# pytest-qt would fail a test on any exception that reaches sys.excepthook: here they are
# the subject, and the reporter takes the hook over for the length of each test.
pytestmark = pytest.mark.qt_no_exception_capture

TRACEBACK_HEADER = "Traceback (most recent call last)"


@pytest.fixture
def log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    return tmp_path / "sio-monitor" / "log"


@pytest.fixture
def application(app_loop: BatchedQEventLoop, qtbot: QtBot, log_dir: Path) -> Iterator[Application]:
    application = Application(GuiOptions())
    qtbot.addWidget(application.window)
    application.window.resize(1000, 600)
    application.window.show()
    application.errors.install(app_loop)
    try:
        yield application
    finally:
        application.errors.uninstall()


def panel_of(application: Application) -> ErrorPanel:
    panel = application.window.findChild(ErrorPanel, "errorPanel")
    assert panel is not None
    return panel


def connected(message: str) -> ConnectionChanged:
    return ConnectionChanged(ConnectionState.CONNECTED, message, time.time())


def test_a_slot_that_raises_is_logged_shown_once_and_counted(
    application: Application, app_loop: BatchedQEventLoop, log_dir: Path
) -> None:
    window = application.window
    bridge = window.session.bridge
    panel = panel_of(application)
    reported: list[tuple[str, str]] = []
    application.errors.error_reported.connect(lambda t, d: reported.append((t, d)))

    def broken_view(_changes: object) -> None:
        raise ValueError("the view cannot draw <b>this</b>")

    bridge.batch_applied.connect(broken_view)
    assert not panel.isVisible()

    async def main() -> None:
        bridge.sink(connected("Connected to first."))  # the bridge's own timer flushes
        await until(lambda: len(reported) == 1, application.errors.error_reported)
        assert panel.isVisible()
        assert panel.title.text() == "ValueError: the view cannot draw <b>this</b>"
        # The app goes on: the state label follows the next batch, the error repeats.
        bridge.sink(connected("Connected to second."))
        await until(lambda: panel.errors[0].count == 2, application.errors.error_repeated)
        assert "second" in window.state_label.text()
        panel.dismiss()
        bridge.sink(connected("Connected to third."))
        await until(
            lambda: (
                application.errors.kinds
                and max(k.count for k in application.errors.kinds.values()) == 3
            ),
            application.errors.error_repeated,
        )
        assert "third" in window.state_label.text()
        ticked = asyncio.Event()
        QTimer.singleShot(0, ticked.set)  # Qt's own timers still fire
        await asyncio.wait_for(ticked.wait(), 5)

    app_loop.run_until_complete(main())
    assert len(reported) == 1, "a repeat is counted, not reported again"
    assert not panel.isVisible(), "a repeat never brings a dismissed panel back"
    text = (log_dir / LOG_FILE_NAME).read_text(encoding="utf-8")
    assert text.count(TRACEBACK_HEADER) == 1
    assert "in broken_view" in text and "ValueError: the view cannot draw" in text
    assert "The same error again (2 times so far)" in text


def test_the_panel_counts_repeats_and_offers_details_and_the_log_folder(
    application: Application, app_loop: BatchedQEventLoop, log_dir: Path
) -> None:
    panel = panel_of(application)
    opened: list[QUrl] = []
    panel.open_url = lambda url: opened.append(url) or True  # type: ignore[method-assign]
    for _ in range(3):
        try:
            raise KeyError("missing-room")
        except KeyError as error:
            application.errors.report(error, "In a test:")
    assert panel.isVisible()
    assert "It happened 3 times." in panel.summary.text()
    save_screenshot(application.window, "error_panel")
    panel.details_button.click()
    details = panel.findChild(type(panel._details), "errorDetails")
    assert details is not None and details.isVisible() and not details.isModal()
    assert TRACEBACK_HEADER in details.text.toPlainText()
    assert "KeyError: 'missing-room'" in details.text.toPlainText()
    panel.folder_button.click()
    assert [url.toLocalFile() for url in opened] == [str(log_dir)]
    assert log_dir.is_dir()


def test_a_failing_task_and_a_failing_callback_are_reported_and_the_loop_goes_on(
    application: Application, app_loop: BatchedQEventLoop, log_dir: Path
) -> None:
    panel = panel_of(application)
    errors = application.errors

    async def failing_connect() -> None:
        await asyncio.sleep(0)
        raise RuntimeError("the task failed")

    async def forgotten() -> None:
        raise LookupError("nobody awaited this task")

    def failing_callback() -> None:
        raise ZeroDivisionError("the callback failed")

    async def main() -> int:
        application.spawn(failing_connect())  # through Application._task_failed
        await until(lambda: len(errors.kinds) == 1, errors.error_reported)
        assert panel.title.text() == "RuntimeError: the task failed"
        app_loop.call_soon(failing_callback)  # through the loop's exception handler
        await until(lambda: len(errors.kinds) == 2, errors.error_reported)
        task = asyncio.ensure_future(forgotten())
        await asyncio.sleep(0.01)
        del task
        gc.collect()  # an unretrieved failure is reported when the task is collected
        await until(lambda: len(errors.kinds) == 3, errors.error_reported)
        await asyncio.sleep(0)
        return 42

    assert app_loop.run_until_complete(main()) == 42
    titles = [kind.title for kind in errors.kinds.values()]
    assert titles == [
        "RuntimeError: the task failed",
        "ZeroDivisionError: the callback failed",
        "LookupError: nobody awaited this task",
    ]
    assert "2 other errors too" in panel.summary.text()
    text = (log_dir / LOG_FILE_NAME).read_text(encoding="utf-8")
    assert text.count(TRACEBACK_HEADER) == 3
    assert "In a background task:" in text and "in failing_connect" in text
    assert "Task exception was never retrieved" in text


def test_an_exception_in_another_thread_is_logged_and_shown_once_on_the_gui_thread(
    application: Application, app_loop: BatchedQEventLoop, log_dir: Path
) -> None:
    panel = panel_of(application)
    errors = application.errors
    shown_on: list[threading.Thread] = []
    errors.error_reported.connect(lambda *_: shown_on.append(threading.current_thread()))
    errors.error_repeated.connect(lambda *_: shown_on.append(threading.current_thread()))

    def export_rows() -> None:
        raise OSError("the export could not write: token=thread-tok-5150")

    def run_worker() -> None:
        worker = threading.Thread(target=export_rows, name="export-worker")
        worker.start()
        worker.join(10)  # it raises at once; its hook only queues the report
        assert not worker.is_alive()

    async def main() -> None:
        run_worker()
        await until(lambda: len(shown_on) == 1, errors.error_reported)
        assert panel.isVisible()
        assert panel.title.text() == "OSError: the export could not write: token=***"
        run_worker()  # the same error again, from a new thread: counted, not shown twice
        await until(lambda: len(shown_on) == 2, errors.error_repeated)

    app_loop.run_until_complete(main())
    assert shown_on == [threading.main_thread()] * 2, "the panel is only touched on its thread"
    assert len(panel.errors) == 1 and panel.errors[0].count == 2
    assert "It happened 2 times." in panel.summary.text()
    assert "In the thread export-worker:" in panel.errors[0].details
    text = (log_dir / LOG_FILE_NAME).read_text(encoding="utf-8")
    assert text.count(TRACEBACK_HEADER) == 1
    assert "In the thread export-worker:" in text and "in export_rows" in text
    assert "thread-tok-5150" not in text
    hook = threading.excepthook
    errors.uninstall()
    assert threading.excepthook is not hook, "uninstall gives the thread hook back"


def test_secrets_never_reach_the_log_file_or_the_panel(
    application: Application, app_loop: BatchedQEventLoop, log_dir: Path
) -> None:
    window = application.window
    settings = ConnectionSettings(
        "https://monitor.example:8443",
        username="admin",
        password="hunter2-pass",
        headers={"X-Api-Key": "k-55aa66bb"},
    )
    window.remember(settings)
    window.current.probe.settings = ProbeSettings(
        "https://app.example", auth={"token": "probe-tok-777"}, query={"session": "sess-4242"}
    )
    leaked = (
        f"cannot reach {settings.url} as {settings.username}:{settings.password}, "
        f"headers {settings.headers}, auth {{'token': 'probe-tok-777'}} "
        "via https://admin:url-pass-31@proxy.example/?access_token=qs-9090&page=2 "
        "with Authorization: Bearer bearer-abc.def"
    )
    try:
        raise ConnectionError(leaked)
    except ConnectionError as error:
        application.errors.report(error, "In a test:")
    panel = panel_of(application)
    shown = panel.title.text() + panel.details_text()
    text = (log_dir / LOG_FILE_NAME).read_text(encoding="utf-8")
    for secret in (
        "hunter2-pass",
        "k-55aa66bb",
        "probe-tok-777",
        "url-pass-31",
        "qs-9090",
        "bearer-abc.def",
    ):
        assert secret not in text, f"{secret} reached the log file"
        assert secret not in shown, f"{secret} reached the panel"
    assert "monitor.example:8443" in text and "page=2" in text  # the rest stays readable


def test_redaction_keeps_what_is_not_a_credential() -> None:
    text = "KeyError: 'token'\nmonkey=banana key_id=abc password='pw' https://u:p@h/x"
    assert redact(text) == (
        "KeyError: 'token'\nmonkey=*** key_id=*** password='***' https://u:***@h/x"
    )
    assert redact("could not write: token=abc-123") == "could not write: token=***"
    assert redact("short secret ab stays", ["ab"]) == "short secret ab stays"
    assert redact("the long-secret is gone", ["long-secret"]) == "the *** is gone"
