"""Applies the recordings' retention at start and once an hour, and shows the space they take.

The rule itself is ``store.retention`` (Qt-free); this runs it on a timer
with the Preferences' policy and folder, never touching the recordings being
written, and keeps a status-bar label saying how much the recordings take.
Running it walks one folder, a few milliseconds even for thousands of files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel

from sio_monitor.store.retention import (
    RetentionPolicy,
    RetentionResult,
    apply_retention,
    format_bytes,
    space_used,
)

HOUR_MS = 3_600_000
SPACE_MS = 10_000  # the space shown follows the recordings being written


class RetentionRunner(QObject):
    said = Signal(str)  # a sentence for the status bar when something was removed

    def __init__(
        self,
        folder: Callable[[], Path],
        policy: Callable[[], RetentionPolicy],
        in_use: Callable[[], Iterable[Path]],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._folder, self._policy, self._in_use = folder, policy, in_use
        self.label = QLabel(objectName="recordingsSpaceUsed")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setAccessibleName("Space the recordings take")
        self.last: RetentionResult | None = None
        self.timer = QTimer(self, interval=HOUR_MS)
        self.timer.timeout.connect(self.run)
        self.timer.start()
        self.space_timer = QTimer(self, interval=SPACE_MS)
        self.space_timer.timeout.connect(self.show_space)
        self.space_timer.start()

    def show_space(self) -> None:
        files, size = space_used(self._folder())
        self._show(files, size)

    def _show(self, files: int, size: int) -> None:
        self.label.setText(f"Recordings: {format_bytes(size)}")
        self.label.setToolTip(
            f"{files} recording{'s' if files != 1 else ''} in {self._folder()}; "
            "Preferences (Ctrl+,) sets how long they are kept."
        )

    def run(self) -> RetentionResult:
        folder = self._folder()
        result = apply_retention(folder, self._policy(), in_use=self._in_use())
        self.last = result
        self._show(result.kept_files, result.kept_bytes)
        sentence = result.sentence()
        if sentence:
            self.said.emit(sentence)
        return result
