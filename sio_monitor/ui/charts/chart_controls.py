"""The bar above the charts: time window, server, pause and follow, export, and a status line.

It holds widgets and says what the user asked for through signals; the panel
decides what that means for the plots. Export asks for a file name with a
non-modal dialog (``open`` and a signal): a nested ``exec`` loop inside the
app's asyncio-in-Qt loop is a trap (see the design's pitfalls).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from sio_monitor.domain.throughput.chart_series import WINDOWS

ALL_SERVERS_LABEL = "All servers (summed)"


class ChartControls(QWidget):
    """Selectors and buttons for the charts panel; every one has an objectName for tests."""

    window_chosen = Signal(int)  # seconds
    server_chosen = Signal(object)  # server id, or None for all servers summed
    pause_toggled = Signal(bool)
    follow_requested = Signal()
    png_path_chosen = Signal(str)
    csv_path_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chartControls")
        self.window_box = QComboBox(objectName="chartWindow")
        for seconds, label in WINDOWS:
            self.window_box.addItem(label, seconds)
        self.window_box.setToolTip("Time window shown by every chart")
        self.server_box = QComboBox(objectName="chartServer")
        self.server_box.addItem(ALL_SERVERS_LABEL, None)
        self.server_box.setToolTip("Stats-based charts for all servers summed, or for one server")
        self.server_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.pause_button = QPushButton("Pause", objectName="chartPause", checkable=True)
        self.pause_button.setToolTip("Freeze the charts; data keeps being collected")
        self.follow_button = QPushButton("Follow", objectName="chartFollow")
        self.follow_button.setToolTip("Back to following live data after zooming or panning")
        self.follow_button.setEnabled(False)
        self.png_button = QPushButton("Export PNG…", objectName="chartExportPng")
        self.csv_button = QPushButton("Export CSV…", objectName="chartExportCsv")
        self.status = QLabel(objectName="chartStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Window"))
        layout.addWidget(self.window_box)
        layout.addSpacing(8)
        layout.addWidget(QLabel("Servers"))
        layout.addWidget(self.server_box)
        layout.addSpacing(8)
        layout.addWidget(self.pause_button)
        layout.addWidget(self.follow_button)
        layout.addWidget(self.status, 1)
        layout.addWidget(self.png_button)
        layout.addWidget(self.csv_button)

        self.window_box.currentIndexChanged.connect(
            lambda index: self.window_chosen.emit(int(self.window_box.itemData(index)))
        )
        self.server_box.currentIndexChanged.connect(
            lambda index: self.server_chosen.emit(self.server_box.itemData(index))
        )
        self.pause_button.toggled.connect(self._pause_toggled)
        self.follow_button.clicked.connect(self.follow_requested)
        self.png_button.clicked.connect(
            lambda: self._ask_path("Export charts as PNG", "throughput.png", "PNG images (*.png)")
        )
        self.csv_button.clicked.connect(
            lambda: self._ask_path("Export series as CSV", "throughput.csv", "CSV files (*.csv)")
        )
        self._dialog: QFileDialog | None = None

    # --- what the panel calls ------------------------------------------------------

    def select_window(self, seconds: int) -> None:
        index = self.window_box.findData(seconds)
        if index < 0:
            raise ValueError(f"no {seconds} s window; choose one of {[s for s, _ in WINDOWS]}")
        self.window_box.setCurrentIndex(index)

    def select_server(self, server_id: str | None) -> None:
        index = self.server_box.findData(server_id)
        if index < 0:
            self.add_servers([server_id] if server_id else [])
            index = self.server_box.findData(server_id)
        self.server_box.setCurrentIndex(index)

    def add_servers(self, server_ids: list[str]) -> None:
        """Append servers not listed yet; the order of arrival is kept, the selection too."""
        for server_id in server_ids:
            if self.server_box.findData(server_id) < 0:
                self.server_box.addItem(server_id, server_id)  # combo items are plain text

    def clear_servers(self) -> None:
        self.server_box.blockSignals(True)
        while self.server_box.count() > 1:
            self.server_box.removeItem(1)
        self.server_box.setCurrentIndex(0)
        self.server_box.blockSignals(False)

    def set_paused(self, paused: bool) -> None:
        self.pause_button.setChecked(paused)

    def set_following(self, following: bool, paused: bool) -> None:
        self.follow_button.setEnabled(paused or not following)

    def set_status(self, text: str) -> None:
        if text != self.status.text():  # every redraw says it; repaint only on change
            self.status.setText(text)

    # --- internals -----------------------------------------------------------------

    def _pause_toggled(self, paused: bool) -> None:
        self.pause_button.setText("Resume" if paused else "Pause")
        self.pause_toggled.emit(paused)

    def _ask_path(self, title: str, name: str, filter_: str) -> None:
        dialog = QFileDialog(self, title, name, filter_)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix(name.rsplit(".", 1)[1])
        chosen = self.png_path_chosen if name.endswith(".png") else self.csv_path_chosen
        dialog.fileSelected.connect(chosen)
        dialog.finished.connect(dialog.deleteLater)
        self._dialog = dialog
        dialog.open()
