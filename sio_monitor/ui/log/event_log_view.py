"""The event log panel: every observed event in one table, filtered, followed, detailed, exported.

The table follows the newest row until the user scrolls up, like a terminal,
and keeps the rows being read in place while older ones fall off the ring.
The details pane is plain text (a payload is never read as markup). An
export writes one chunk per event-loop turn, so the window stays live while
a million rows go to disk, and can be cancelled without leaving a file.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from sio_monitor.domain.eventlog.filter import LogFilter
from sio_monitor.domain.eventlog.rows import LogRow
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.qt.models.eventlog_model import ARGUMENTS, COLUMNS, EventLogModel
from sio_monitor.qt.probe_session import ProbeSession
from sio_monitor.qt.session import MonitorSession
from sio_monitor.store.log_export import ExportFormat, ExportResult, LogExport
from sio_monitor.ui.log.event_log_filters import LogFilterBar

COLUMN_WIDTHS = (96, 120, 90, 170, 80, 130, 420, 70)
EXPORT_FILTERS = "NDJSON (*.ndjson);;CSV (*.csv)"
DETAILS_HINT = "Select a row to see its arguments in full."


def server_label(url: str) -> str:
    """``host:port`` of a URL: short enough for a column, enough to tell servers apart."""
    return urlsplit(url).netloc or url


class EventLogPanel(QWidget):
    """Filter bar, table, details of the selected row, and export."""

    show_socket = Signal(str, str)  # (namespace, socket id): "show this socket in the explorer"
    status_message = Signal(str)
    export_finished = Signal(object)  # ExportResult

    def __init__(self, model: EventLogModel | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("eventLog")
        self.model = model if model is not None else EventLogModel(parent=self)
        log = self.model.log
        self.filters = LogFilterBar(log.namespaces, log.event_names, self)
        self.filters.filter_changed.connect(self.set_filter)

        self.table = QTableView(objectName="eventLogTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate(COLUMN_WIDTHS[: len(COLUMNS)]):
            self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(ARGUMENTS, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(self._selected)
        self.table.verticalScrollBar().valueChanged.connect(self._scrolled)

        self.latest = QPushButton("Jump to latest", objectName="eventLogLatest")
        self.latest.setToolTip("Follow the newest events again (End)")
        self.latest.clicked.connect(self.jump_to_latest)
        self.latest.hide()
        self.export_button = QPushButton("Export…", objectName="eventLogExport")
        self.export_button.setToolTip("Write the rows shown to an NDJSON or CSV file")
        self.export_button.clicked.connect(self.ask_export)
        self.clear_button = QPushButton("Clear", objectName="eventLogClear")
        self.clear_button.setToolTip("Forget every row held in memory (the recording keeps them)")
        self.clear_button.clicked.connect(self.model.clear)
        self.progress = QProgressBar(objectName="eventLogExportProgress")
        self.progress.setMaximumWidth(220)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel", objectName="eventLogExportCancel")
        self.cancel_button.clicked.connect(self.cancel_export)
        self.cancel_button.hide()
        self.export_status = QLabel(objectName="eventLogExportStatus")
        self.export_status.setTextFormat(Qt.TextFormat.PlainText)

        self.details = QPlainTextEdit(objectName="eventLogDetails", readOnly=True)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setPlaceholderText(DETAILS_HINT)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.socket_button = QPushButton(
            "Show this socket in the explorer", objectName="eventLogShowSocket"
        )
        self.socket_button.setEnabled(False)
        self.socket_button.clicked.connect(self._show_socket)

        self._build_layout()
        self._following = True
        self._selected_seq: int | None = None
        self._socket = ("", "")
        self._export: LogExport | None = None
        self._export_timer = QTimer(self)
        self._export_timer.setInterval(0)
        self._export_timer.timeout.connect(self._export_step)
        self.model.rowsInserted.connect(self._rows_inserted)
        self.model.rowsRemoved.connect(self._rows_removed)
        self.model.modelReset.connect(self._reset)
        self.model.counts_changed.connect(self._counts)
        self._shortcuts()
        self._counts(self.model.rowCount(), self.model.total)

    def _build_layout(self) -> None:
        below_table = QHBoxLayout()
        below_table.addWidget(self.export_status, 1)
        below_table.addWidget(self.progress)
        below_table.addWidget(self.cancel_button)
        below_table.addWidget(self.latest)
        below_table.addWidget(self.export_button)
        below_table.addWidget(self.clear_button)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.table, 1)
        top_layout.addLayout(below_table)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.details, 1)
        actions = QHBoxLayout()
        actions.addStretch(1)
        actions.addWidget(self.socket_button)
        bottom_layout.addLayout(actions)
        self.splitter = QSplitter(Qt.Orientation.Vertical, objectName="eventLogSplit")
        self.splitter.addWidget(top)
        self.splitter.addWidget(bottom)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.filters)
        layout.addWidget(self.splitter, 1)

    def _shortcuts(self) -> None:
        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.setContext(Qt.ShortcutContext.WindowShortcut)  # only while the panel is shown
        find.activated.connect(self.focus_filter)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self.filters)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(self.filters.clear)
        end = QShortcut(QKeySequence(Qt.Key.Key_End), self.table)
        end.setContext(Qt.ShortcutContext.WidgetShortcut)
        end.activated.connect(self.jump_to_latest)

    # --- wiring ---------------------------------------------------------------------------

    def attach(self, session: MonitorSession, probe: ProbeSession | None = None) -> None:
        """Log what the session's bridge applies and what the probe hears."""
        session.bridge.events_applied.connect(self.model.add_admin)
        session.settings_changed.connect(self.connection_settings_changed)
        self.connection_settings_changed(session.settings)
        if probe is not None:

            def probe_events(batch: list[object]) -> None:
                if probe.settings is not None:
                    self.model.probe_server = server_label(probe.settings.url)
                self.model.add_probe(batch)

            probe.events_arrived.connect(probe_events)

    def connection_settings_changed(self, settings: ConnectionSettings | None) -> None:
        if settings is not None:
            self.model.admin_server = server_label(settings.url)
            self.model.log.hidden_namespace = settings.admin_namespace

    # --- filter ---------------------------------------------------------------------------

    def focus_filter(self) -> None:
        self.filters.text.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filters.text.selectAll()

    def set_filter(self, flt: LogFilter) -> None:
        """Run ``flt``; a bad one is explained under the bar and the rows shown stay."""
        error = self.model.set_filter(flt)
        self.filters.show_error(error)

    def _counts(self, shown: int, total: int) -> None:
        self.filters.show_counts(shown, total, self.model.filter.active)
        selection = self.model.selection
        if selection is not None and selection.too_slow is not None:
            # The regular expression stalled on a row that came later: new rows go untested.
            self.filters.show_error(selection.too_slow)

    # --- following the tail -------------------------------------------------------------------

    def jump_to_latest(self) -> None:
        self._following = True
        self.latest.hide()
        self.table.scrollToBottom()

    def _rows_inserted(self, _parent: QModelIndex, _first: int, _last: int) -> None:
        if self._following:
            self.table.scrollToBottom()

    def _rows_removed(self, _parent: QModelIndex, first: int, last: int) -> None:
        if first == 0 and not self._following:
            # Older rows fell off the ring: keep the rows being read where they are.
            bar = self.table.verticalScrollBar()
            bar.setValue(max(0, bar.value() - (last + 1)))

    def _reset(self) -> None:
        if self._selected_seq is not None:
            row = self.model.row_of(self._selected_seq)
            if row is not None:
                self.table.selectRow(row)
                if not self._following:
                    self.table.scrollTo(self.model.index(row, 0))
        if self._following:
            self.table.scrollToBottom()

    def _scrolled(self, value: int) -> None:
        bar = self.table.verticalScrollBar()
        self._following = value >= bar.maximum() - 1
        self.latest.setVisible(not self._following)

    # --- details ------------------------------------------------------------------------------

    def selected_row(self) -> LogRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.log_row(rows[0].row()) if rows else None

    def _selected(self, _new: QItemSelection, _old: QItemSelection) -> None:
        row = self.selected_row()
        if row is None:
            return  # the row fell off the ring or out of the filter: its details stay readable
        self._selected_seq = row.seq
        self.details.setPlainText(row.details())
        self.socket_button.setEnabled(bool(row.namespace and row.socket))
        self._socket = (row.namespace, row.socket)

    def _show_socket(self) -> None:
        if self.socket_button.isEnabled():
            self.show_socket.emit(*self._socket)

    # --- export ---------------------------------------------------------------------------------

    def ask_export(self) -> None:
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export the rows shown", "event-log.ndjson", EXPORT_FILTERS
        )
        if not path:
            return
        if not Path(path).suffix:
            path += ".csv" if chosen.startswith("CSV") else ".ndjson"
        self.export_to(path)

    def export_to(self, path: str | os.PathLike[str], fmt: ExportFormat | None = None) -> None:
        """Export the rows shown now, a chunk per event-loop turn; ``export_finished`` ends it."""
        if self._export is not None:
            return
        self._export = LogExport(self.model.snapshot(), path, fmt)
        self.progress.setRange(0, max(1, self._export.total))
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.show()
        self.export_button.setEnabled(False)
        self.export_status.setText(f"Exporting {self._export.total:,} rows…")
        self._export_timer.start()

    def cancel_export(self) -> None:
        if self._export is not None:
            self._export_done(self._export.cancel())

    def _export_step(self) -> None:
        job = self._export
        if job is None:
            self._export_timer.stop()
            return
        finished = job.step()
        self.progress.setValue(job.done)
        if finished and job.result is not None:
            self._export_done(job.result)

    def _export_done(self, result: ExportResult) -> None:
        self._export_timer.stop()
        self._export = None
        self.progress.hide()
        self.cancel_button.hide()
        self.export_button.setEnabled(True)
        self.export_status.setText(result.message)
        self.status_message.emit(result.message)
        self.export_finished.emit(result)
