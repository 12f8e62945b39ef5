"""The Scenarios view of a connection: open, edit, run and stop a scenario, and see each step.

The editor checks the text as you type (a moment after you stop) with the
same loader as ``sio-monitor run``, and says the line, column and what was
expected. Run uses the same runner too: the probe clients are its own, the
admin steps read this tab's monitor state, so the verdicts are the ones the
terminal reaches against the same server. The probe's events of the run go
to the tab's log as they come.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFontDatabase,
    QShowEvent,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from sio_monitor.domain.emit.emit_requests import HistoryEntry
from sio_monitor.domain.events import ConnectionState
from sio_monitor.domain.scenario.results import ScenarioResult, StepResult, Verdict
from sio_monitor.qt.scenario_admin import BridgeAdminView
from sio_monitor.qt.session import MonitorSession
from sio_monitor.ui.emit.emit_console import EmitConsole
from sio_monitor.ui.emit.emit_library import ENTRY_ROLE
from sio_monitor.ui.scenarios.timeline import StepTimeline
from sio_monitor.ui.widgets.inline_error import inline_error

if TYPE_CHECKING:  # the loader (YAML, schema) loads when the view first checks a text
    from sio_monitor.domain.scenario import Scenario
    from sio_monitor.domain.scenario.from_emits import SavedEmit

log = logging.getLogger(__name__)

#: How long the editor waits after the last keystroke before checking the text.
CHECK_DELAY_MS = 300
FILE_FILTER = "Scenarios (*.sio.yaml *.yaml *.yml);;All files (*)"
STARTER = """\
name: my scenario
clients:
  alice: {namespace: /}
steps:
  - connect: alice
  - emit: {client: alice, event: ping, ack: {within: 2}}
  - disconnect: alice
"""
_ERROR_LINE = QColor("#ffebee")

ProbeEvents = Callable[[list[object]], None]


class ScenariosPanel(QWidget):
    """One connection's scenario editor, runner and step timeline."""

    status_message = Signal(str)
    run_finished = Signal(object)  # ScenarioResult
    step_started = Signal(int)  # the number of the step now running
    checked = Signal()  # the text was checked (valid or not)

    def __init__(
        self,
        session: MonitorSession,
        *,
        emits: Callable[[], list[SavedEmit]] = list,
        probe_settings: Callable[[], object] = lambda: None,
        default_target: Callable[[], str | None] = lambda: None,
        log_probe: ProbeEvents | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("scenariosPanel")
        self.session = session
        self.path: Path | None = None
        self.scenario: Scenario | None = None
        self.result: ScenarioResult | None = None
        self._emits = emits
        self._probe_settings = probe_settings
        self._default_target = default_target
        self._log_probe = log_probe
        self._runner: object | None = None
        self._task: asyncio.Task[ScenarioResult] | None = None
        self._pending: list[object] = []

        self.open_button = QPushButton("Open…", objectName="scenarioOpen")
        self.save_button = QPushButton("Save…", objectName="scenarioSave")
        self.from_history = QPushButton(
            "Save emit history as scenario", objectName="scenarioFromHistory"
        )
        self.from_history.setToolTip(
            "A scenario replaying the emit console's history (its selected entries, else all)"
        )
        self.target = QLineEdit(objectName="scenarioTarget")
        self.target.setClearButtonEnabled(True)
        self.target.setPlaceholderText("the file's target, else this connection's server")
        self.target.setToolTip("The server to run against, instead of the file's target")
        self.run_button = QPushButton("Run", objectName="scenarioRun")
        self.run_button.setShortcut("Ctrl+R")
        self.stop_button = QPushButton("Stop", objectName="scenarioStop", enabled=False)
        bar = QHBoxLayout()
        for button in (self.open_button, self.save_button, self.from_history):
            bar.addWidget(button)
        bar.addWidget(QLabel("Target:"))
        bar.addWidget(self.target, 1)
        bar.addWidget(self.run_button)
        bar.addWidget(self.stop_button)

        self.editor = QPlainTextEdit(objectName="scenarioEditor")
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.editor.setTabChangesFocus(False)
        self.problem = inline_error("scenarioProblem")
        self.file_label = QLabel("Untitled", objectName="scenarioFile")
        self.file_label.setTextFormat(Qt.TextFormat.PlainText)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.file_label)
        left_layout.addWidget(self.editor, 1)
        left_layout.addWidget(self.problem)

        self.verdict = QLabel("Not run yet.", objectName="scenarioVerdict")
        self.verdict.setTextFormat(Qt.TextFormat.PlainText)
        self.verdict.setWordWrap(True)
        self.timeline = StepTimeline(self)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.verdict)
        right_layout.addWidget(self.timeline, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal, self, objectName="scenarioSplit")
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)

        self._check_timer = QTimer(self, singleShot=True, interval=CHECK_DELAY_MS)
        self._check_timer.timeout.connect(self.check)
        self._log_timer = QTimer(self, singleShot=True, interval=50)
        self._log_timer.timeout.connect(self._flush_log)
        self.editor.textChanged.connect(self._check_timer.start)
        self.open_button.clicked.connect(self._open)
        self.save_button.clicked.connect(self._save)
        self.from_history.clicked.connect(self.load_emit_history)
        self.run_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        self.editor.setPlainText(STARTER)  # checked when first shown: start-up stays lean
        self._shown = False

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown:
            self._shown = True
            self.check()

    # --- the text ----------------------------------------------------------------------

    def set_text(self, text: str, path: Path | None = None) -> None:
        self.path = path
        self.file_label.setText(str(path) if path is not None else "Untitled")
        self.editor.setPlainText(text)
        self.check()

    def open_file(self, path: Path) -> bool:
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.status_message.emit(f"Could not open {path}: {exc}. Choose another file.")
            return False
        self.set_text(text, path)
        return True

    def check(self) -> Scenario | None:
        """Load the editor's text; show the first problem with its line and column, or none."""
        from sio_monitor.domain.scenario import ScenarioError, parse_scenario

        self._check_timer.stop()
        source = self.path.name if self.path is not None else "scenario"
        try:
            self.scenario = parse_scenario(self.editor.toPlainText(), source=source)
        except ScenarioError as exc:
            self.scenario = None
            self.problem.setText(f"Line {exc.line}, column {exc.column}: {exc.message}")
            self.problem.show()
            self._mark_line(exc.line)
        else:
            self.problem.hide()
            self._mark_line(None)
        self._update_buttons()
        self.checked.emit()
        return self.scenario

    def _mark_line(self, line: int | None) -> None:
        if line is None:
            self.editor.setExtraSelections([])
            return
        block = self.editor.document().findBlockByLineNumber(line - 1)
        selection = QTextEdit.ExtraSelection()
        selection.cursor = QTextCursor(block)
        selection.format = QTextCharFormat()
        selection.format.setBackground(_ERROR_LINE)
        selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
        self.editor.setExtraSelections([selection])

    def load_emit_history(self) -> None:
        emits = self._emits()
        if not emits:
            self.status_message.emit("The emit history is empty: send something from Emit first.")
            return
        from sio_monitor.domain.scenario.from_emits import scenario_from_emits

        text = scenario_from_emits(emits, self._probe_settings())  # type: ignore[arg-type]
        self.set_text(text)
        self.status_message.emit(f"A scenario of {len(emits)} emits: save it to keep it.")

    def _open(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Open scenario", "", FILE_FILTER)
        if name:
            self.open_file(Path(name))

    def _save(self) -> None:
        start = str(self.path) if self.path is not None else "scenario.sio.yaml"
        name, _ = QFileDialog.getSaveFileName(self, "Save scenario", start, FILE_FILTER)
        if name:
            self.save_to(Path(name))

    def save_to(self, path: Path) -> bool:
        try:
            path.write_text(self.editor.toPlainText(), "utf-8")
        except OSError as exc:
            self.status_message.emit(f"Could not save {path}: {exc}. Choose another folder.")
            return False
        self.path = path
        self.file_label.setText(str(path))
        self.status_message.emit(f"Saved {path}.")
        return True

    # --- running -----------------------------------------------------------------------

    def target_url(self) -> str | None:
        typed = self.target.text().strip()
        if typed:
            return typed
        if self.scenario is not None and self.scenario.target:
            return self.scenario.target
        return self._default_target()

    def start(self) -> asyncio.Task[ScenarioResult] | None:
        """Run the editor's scenario; None (after saying why) when it cannot run."""
        if self._task is not None and not self._task.done():
            return None
        scenario = self.check()
        if scenario is None:
            self.status_message.emit("The scenario has a problem: fix it, then run it.")
            return None
        target = self.target_url()
        if not target:
            self.status_message.emit("No target: type the server's URL beside Target.")
            return None
        self._task = asyncio.ensure_future(self._run(scenario, target))
        return self._task

    async def _run(self, scenario: Scenario, target: str) -> ScenarioResult:
        from sio_monitor.net.scenario_runner import ScenarioRunner

        self.timeline.clear()
        self.verdict.setText(f"Running {scenario.name} against {target}…")
        admin = None
        watched = self._default_target()
        admin_missing = (
            "This tab is not connected to the server's admin namespace: "
            "connect it (Ctrl+K), then run again."
        )
        if watched and _server_of(watched) != _server_of(target):
            admin_missing = (
                f"This tab watches {_server_of(watched)}, not the target {_server_of(target)}: "
                "run the scenario from a tab connected to its server, or change its target."
            )
        elif scenario.uses_admin() and self._admin_connected():
            admin = BridgeAdminView(self.session.bridge, self)
        runner = ScenarioRunner(
            scenario,
            target=target,
            admin=admin,
            sink=self._probe_event,
            on_step=self._step_finished,
            on_step_started=self._step_started,
            admin_missing=admin_missing,
        )
        self._runner = runner
        self._update_buttons()
        try:
            result = await runner.run()
        finally:
            self._runner = None
            if admin is not None:
                admin.close()
            self._flush_log()
            self._update_buttons()
        self.result = result
        self.verdict.setText(_verdict_sentence(result))
        self.status_message.emit(_verdict_sentence(result))
        self.run_finished.emit(result)
        return result

    def stop(self) -> None:
        runner = self._runner
        if runner is not None:
            runner.stop()  # type: ignore[attr-defined]

    @property
    def running(self) -> bool:
        return self._runner is not None

    def _admin_connected(self) -> bool:
        client = self.session.client  # ahead of the bridge, which applies on its timer
        if client is not None and client.connected:
            return True
        return self.session.bridge.topology.connection is ConnectionState.CONNECTED

    def _step_started(self, number: int, label: str, line: int) -> None:
        self.timeline.started(number, label, line)
        self.step_started.emit(number)

    def _step_finished(self, result: StepResult) -> None:
        self.timeline.finished(result)

    def _probe_event(self, _client: str, event: object) -> None:
        if self._log_probe is None:
            return
        self._pending.append(event)
        if not self._log_timer.isActive():
            self._log_timer.start()

    def _flush_log(self) -> None:
        batch, self._pending = self._pending, []
        if batch and self._log_probe is not None:
            self._log_probe(batch)

    def _update_buttons(self) -> None:
        running = self._runner is not None
        self.run_button.setEnabled(not running and self.scenario is not None)
        self.stop_button.setEnabled(running)


def _server_of(url: str) -> str:
    """host:port of a URL, the default port filled in, for telling two servers apart."""
    parts = urlsplit(url)
    secure = parts.scheme in ("https", "wss")
    try:
        port = parts.port or (443 if secure else 80)
    except ValueError:
        port = 0
    host = (parts.hostname or "").replace("localhost", "127.0.0.1")
    return f"{host}:{port}"


def _verdict_sentence(result: ScenarioResult) -> str:
    passed = sum(1 for s in result.steps if s.passed)
    took = f"{result.duration:.2f} s"
    if result.verdict is Verdict.PASSED:
        return f"Passed: {result.name}, {passed} of {len(result.steps)} steps in {took}."
    if result.stopped:
        return f"Stopped: {result.name} after {len(result.steps)} steps."
    failed = result.failures()
    where = f" at step {failed[0].number}" if failed else ""
    kind = "Unreachable" if result.unreachable else "Failed"
    return f"{kind}: {result.name}{where}: {result.message}"


def history_emits(console: EmitConsole) -> list[SavedEmit]:
    """The emit console's history entries selected in its list, else all of them, oldest first."""
    from sio_monitor.domain.scenario.from_emits import SavedEmit

    selected = [item.data(ENTRY_ROLE) for item in console.history_panel.list.selectedItems()]
    entries = [e for e in selected if isinstance(e, HistoryEntry)] or list(console.history)
    entries.sort(key=lambda entry: entry.at)
    return [SavedEmit(entry.request) for entry in entries]
