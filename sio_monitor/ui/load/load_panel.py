"""The Load panel of a connection: virtual users against its server, Start and Stop.

The form says how many users, how fast they arrive, for how long (every run
is bounded: ``domain/load/plan.py`` caps both) and what each user does:
connect with the emit console's probe options and listen, or also emit an
event every T seconds with or without an ack. A target that is not this
machine is confirmed first. While the run goes, the live figures show here
and as curves over the Throughput charts; at the end the table keeps every
request kind's count, errors and percentiles, and the errors by kind.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sio_monitor.domain.emit.emit_args import json_error
from sio_monitor.domain.emit.probe_settings import ProbeSettings
from sio_monitor.domain.load.figures import ACK, CONNECT, EMIT, LoadPoint
from sio_monitor.domain.load.plan import MAX_DURATION, MAX_PROCESSES, MAX_USERS, LoadPlan
from sio_monitor.domain.settings import ConnectionSettings, SettingsError
from sio_monitor.qt.load_session import LoadSession
from sio_monitor.ui.charts.charts import ThroughputCharts
from sio_monitor.ui.load.load_overlay import LoadOverlay
from sio_monitor.ui.widgets.inline_error import inline_error

LISTEN, EMITS, SCENARIO = "listen", "emit", "scenario"
COLUMNS = ("Request", "Count", "Per s", "Errors", "p50", "p95", "p99", "Max")


def probe_target(
    probe: ProbeSettings | None, connection: ConnectionSettings | None
) -> ProbeSettings | None:
    """The emit console's probe options, else the admin connection's server as a plain client."""
    if probe is not None:
        return probe
    if connection is None:
        return None
    return ProbeSettings(
        url=connection.url,
        path=connection.path,
        transport=connection.transport,
        headers=dict(connection.headers),
        verify_tls=connection.verify_tls,
        ca_file=connection.ca_file,
        connect_timeout=connection.connect_timeout,
    )


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f} ms" if value < 10 else f"{value:,.0f} ms"


class LoadPanel(QWidget):
    """The form, Start/Stop, the live figures and the results of one connection's runs."""

    status_message = Signal(str)

    def __init__(
        self,
        charts: ThroughputCharts,
        target: Callable[[], ProbeSettings | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("loadPanel")
        self.target = target
        self.session = LoadSession(self)
        self.overlay = LoadOverlay(self.session)
        charts.overlays.append(self.overlay)
        #: Asks before loading another machine; replaced in tests. Calls back with the answer.
        self.confirm: Callable[[LoadPlan, Callable[[bool], None]], None] = self._ask

        self.target_label = QLabel(objectName="loadTarget")
        self.target_label.setTextFormat(Qt.TextFormat.PlainText)
        self.target_label.setWordWrap(True)
        self.users = QSpinBox(objectName="loadUsers", minimum=1, maximum=MAX_USERS, value=50)
        self.spawn_rate = QDoubleSpinBox(
            objectName="loadSpawnRate", minimum=0.1, maximum=1000.0, value=10.0, suffix=" /s"
        )
        self.duration = QDoubleSpinBox(
            objectName="loadDuration", minimum=1.0, maximum=MAX_DURATION, value=60.0, suffix=" s"
        )
        self.duration.setDecimals(0)
        self.processes = QSpinBox(
            objectName="loadProcesses", minimum=1, maximum=MAX_PROCESSES, value=1
        )
        self.action = QComboBox(objectName="loadAction")
        self.action.addItem("connects and listens", LISTEN)
        self.action.addItem("connects and emits an event", EMITS)
        self.action.addItem("runs a scenario's client steps", SCENARIO)
        self.action.setCurrentIndex(1)
        self.event_name = QLineEdit("echo", objectName="loadEvent")
        self.args = QLineEdit('["hello"]', objectName="loadArgs")
        self.args.setPlaceholderText('a JSON array of arguments, e.g. ["hello", 1]')
        self.every = QDoubleSpinBox(
            objectName="loadEvery", minimum=0.01, maximum=3600.0, value=1.0, suffix=" s"
        )
        self.ack = QCheckBox("wait for the ack", objectName="loadAck", checked=True)
        self.scenario = QLineEdit(objectName="loadScenario")
        self.scenario.setPlaceholderText("a *.sio.yaml file")
        self.choose_scenario = QPushButton("Choose…", objectName="loadChooseScenario")
        scenario_row = QHBoxLayout()
        scenario_row.setContentsMargins(0, 0, 0, 0)
        scenario_row.addWidget(self.scenario, 1)
        scenario_row.addWidget(self.choose_scenario)
        self.error = inline_error("loadError")

        form = QFormLayout()
        form.addRow("Target", self.target_label)
        form.addRow("Virtual users", self.users)
        form.addRow("Spawn rate", self.spawn_rate)
        form.addRow("Duration", self.duration)
        form.addRow("Worker processes", self.processes)
        form.addRow("Each user", self.action)
        form.addRow("Event", self.event_name)
        form.addRow("Arguments", self.args)
        form.addRow("Every", self.every)
        form.addRow("", self.ack)
        form.addRow("Scenario", scenario_row)
        self.start_button = QPushButton("Start", objectName="loadStart")
        self.stop_button = QPushButton("Stop", objectName="loadStop", enabled=False)
        self.on_charts = QCheckBox(
            "Show on the Throughput charts", objectName="loadOnCharts", checked=True
        )
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        buttons.addWidget(self.on_charts)
        settings_box = QGroupBox("Run")
        settings_layout = QVBoxLayout(settings_box)
        settings_layout.addLayout(form)
        settings_layout.addWidget(self.error)
        settings_layout.addLayout(buttons)

        self.figures: dict[str, QLabel] = {}
        live = QGroupBox("Live")
        grid = QGridLayout(live)
        for index, (key, caption) in enumerate(
            (
                ("users", "Virtual users"),
                ("emits", "Emits per second"),
                ("acks", "Acks per second"),
                ("errors", "Errors per second"),
                ("p50", "Ack p50 (last second)"),
                ("p99", "Ack p99 (last second)"),
            )
        ):
            value = QLabel("-", objectName=f"loadFigure_{key}")
            value.setTextFormat(Qt.TextFormat.PlainText)
            font = value.font()
            font.setPointSizeF(font.pointSizeF() * 1.6)
            font.setBold(True)
            value.setFont(font)
            caption_label = QLabel(caption)
            row, column = divmod(index, 3)
            grid.addWidget(value, 2 * row, column)
            grid.addWidget(caption_label, 2 * row + 1, column)
            self.figures[key] = value
        self.status = QLabel("No run yet.", objectName="loadStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)

        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("loadRequests")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.errors = QTableWidget(0, 2, self)
        self.errors.setObjectName("loadErrors")
        self.errors.setHorizontalHeaderLabels(["Count", "Error"])
        self.errors.verticalHeader().hide()
        self.errors.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.errors.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)

        settings_box.setMaximumWidth(520)
        live_layout = QVBoxLayout()
        live_layout.addWidget(live)
        live_layout.addWidget(self.status)
        live_layout.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(settings_box)
        top.addLayout(live_layout, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(QLabel("Requests (cumulative; times are connect and ack round trips)"))
        layout.addWidget(self.table, 3)
        layout.addWidget(QLabel("Errors by kind"))
        layout.addWidget(self.errors, 1)

        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        self.action.currentIndexChanged.connect(self._action_changed)
        self.choose_scenario.clicked.connect(self._choose_scenario)
        self.on_charts.toggled.connect(self.overlay.set_shown)
        self.session.figures_changed.connect(self._figures_changed)
        self.session.finished.connect(self._finished)
        self._action_changed()
        self.refresh_target()

    # --- what the user (and the tests) do ------------------------------------------

    def plan(self) -> LoadPlan:
        """The plan the form describes; SettingsError says which field is wrong."""
        probe = self.target()
        if probe is None:
            raise SettingsError("Connect to a server first: the load goes to its address.")
        emits = self.action.currentData() == EMITS
        scenario = self.scenario.text().strip() if self.action.currentData() == SCENARIO else None
        if scenario == "":
            raise SettingsError("Scenario: choose the scenario file the users replay.")
        values: tuple[Any, ...] = ()
        if emits:
            error = json_error(self.args.text() or "[]")
            if error is not None:
                raise SettingsError(f"Arguments: {error.message}")
            parsed = json.loads(self.args.text() or "[]")
            values = tuple(parsed) if isinstance(parsed, list) else (parsed,)
        return LoadPlan(
            probe=probe,
            users=self.users.value(),
            spawn_rate=self.spawn_rate.value(),
            duration=self.duration.value(),
            event=self.event_name.text().strip() if emits else None,
            args=values,
            every=self.every.value(),
            ack=self.ack.isChecked(),
            scenario=scenario,
            processes=self.processes.value(),
        ).validated()

    def start(self) -> None:
        self.refresh_target()
        try:
            plan = self.plan()
        except SettingsError as exc:
            self._show_error(str(exc))
            return
        self._show_error("")
        if plan.is_local:
            self._start(plan)
        else:
            self.confirm(plan, lambda yes: self._start(plan) if yes else None)

    def stop(self) -> None:
        if self.session.running:
            self.session.stop()
            self.stop_button.setEnabled(False)
            self.status.setText("Stopping: the users disconnect…")

    def refresh_target(self) -> None:
        probe = self.target()
        if probe is None:
            self.target_label.setText("Not connected: connect to a server first.")
            return
        namespaces = ", ".join(probe.namespaces)
        self.target_label.setText(
            f"{probe.where} as a plain client on {namespaces} ({probe.transport}), "
            "with the emit console's probe options"
        )

    # --- internals -----------------------------------------------------------------

    def _start(self, plan: LoadPlan) -> None:
        try:
            self.session.start(plan)
        except (OSError, RuntimeError) as exc:
            self._show_error(f"The load run could not start: {exc}")
            return
        self.start_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.status.setText(
            f"Starting {plan.users:,} users for {plan.duration:g} s. " + plan.describe()
        )
        self.status_message.emit(f"Load run started against {plan.probe.where}.")

    def _ask(self, plan: LoadPlan, answer: Callable[[bool], None]) -> None:
        host, port = plan.probe.host_port
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Load another machine?",
            f"{host}:{port} is not this computer. Send {plan.users:,} virtual users to it "
            f"for {plan.duration:g} s?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("loadConfirm")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(lambda result: answer(result == QMessageBox.StandardButton.Yes.value))
        box.open()

    def _action_changed(self) -> None:
        action = self.action.currentData()
        for field in (self.event_name, self.args, self.ack):
            field.setEnabled(action == EMITS)
        self.every.setEnabled(action != LISTEN)
        self.scenario.setEnabled(action == SCENARIO)
        self.choose_scenario.setEnabled(action == SCENARIO)

    def _choose_scenario(self) -> None:
        dialog = QFileDialog(
            self, "Scenario for the virtual users", "", "Scenarios (*.sio.yaml *.yaml *.yml)"
        )
        dialog.setObjectName("loadScenarioDialog")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.scenario.setText)
        dialog.open()

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def _figures_changed(self, point: LoadPoint | None) -> None:
        figures = self.session.figures
        last = figures.last
        if point is not None:
            self.figures["users"].setText(f"{point.users:,}")
            self.figures["emits"].setText(f"{point.emits:,.1f}")
            self.figures["acks"].setText(f"{point.acks:,.1f}")
            self.figures["errors"].setText(f"{point.errors:,.1f}")
            self.figures["p50"].setText(_ms(point.ack_p50))
            self.figures["p99"].setText(_ms(point.ack_p99))
        if last is None:
            return
        if self.session.running and not self.session.stopping:
            self.status.setText(
                f"Running: {last.users:,} users ({last.state}), "
                f"{figures.peak_users:,} at most so far."
            )
        order = {CONNECT: 0, EMIT: 1, ACK: 2}
        entries = sorted(last.entries, key=lambda e: (order.get(e.kind, 3), e.name))
        self.table.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            cells = (
                f"{entry.kind} {entry.name}",
                f"{entry.requests:,}",
                f"{entry.rate:,.1f}",
                f"{entry.failures:,}",
                _ms(entry.p50),
                _ms(entry.p95),
                _ms(entry.p99),
                _ms(entry.max),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)  # plain text: names come from the network
                if column:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(row, column, item)
        self.errors.setRowCount(len(last.errors))
        for row, error in enumerate(last.errors):
            self.errors.setItem(row, 0, QTableWidgetItem(f"{error.count:,}"))
            self.errors.setItem(
                row, 1, QTableWidgetItem(f"{error.kind} {error.name}: {error.error}")
            )

    def _finished(self, message: str) -> None:
        self.start_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        summary = self.session.figures.summary()
        ack = summary["ackMs"]
        said = ""
        if ack is not None:
            said = (
                f" Acks p50 {_ms(ack['p50'])}, p95 {_ms(ack['p95'])}, p99 {_ms(ack['p99'])}, "
                f"max {_ms(ack['max'])}."
            )
        self.status.setText(message + said)
        self.status_message.emit(message)
