"""The replay bar: play and pause, speed, and a time slider over the open recording.

It only shows the ReplayController's state and passes the user's requests
on; the controller decides what a seek or a speed means. While the user drags
the slider, the replay's own progress does not move it under their hand; the
seek happens on release (or at once for clicks on the groove and keys).
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QStyle,
    QWidget,
)

from sio_monitor.domain.clock_format import time_of_day
from sio_monitor.domain.format import format_duration
from sio_monitor.qt.replay import FASTEST, SPEEDS, ReplayController
from sio_monitor.store.recording_reader import RecordingInfo

#: Positions of the slider; time maps onto them linearly, whatever the recording's length.
SLIDER_STEPS = 10_000
SPEED_LABELS = {1.0: "1x", 10.0: "10x", FASTEST: "As fast as possible"}


class ReplayBar(QWidget):
    """Controls of one ReplayController; every widget has an objectName for tests."""

    close_requested = Signal()

    def __init__(self, replay: ReplayController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("replayBar")
        self.replay = replay
        self._updating = False
        style = self.style()
        self._play_icon = style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay)
        self._pause_icon = style.standardIcon(QStyle.StandardPixmap.SP_MediaPause)

        self.file_label = QLabel(objectName="replayFile")
        self.file_label.setTextFormat(Qt.TextFormat.PlainText)
        self.play_button = QPushButton(self._play_icon, "Play", objectName="replayPlay")
        self.play_button.setToolTip("Play or pause the replay (Space)")
        self.play_button.setShortcut(Qt.Key.Key_Space)
        self.speed_box = QComboBox(objectName="replaySpeed")
        for speed in SPEEDS:
            self.speed_box.addItem(SPEED_LABELS[speed], speed)
        self.speed_box.setToolTip("Replay at the recorded pace, ten times faster, or at once")
        self.slider = QSlider(Qt.Orientation.Horizontal, objectName="replaySlider")
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.setPageStep(SLIDER_STEPS // 20)
        self.slider.setToolTip("Drag to any moment of the recording")
        self.time_label = QLabel(objectName="replayTime")
        self.time_label.setTextFormat(Qt.TextFormat.PlainText)
        self.close_button = QPushButton("Close recording", objectName="replayClose")
        self.close_button.setToolTip("Stop replaying and go back to live monitoring")

        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addWidget(self.file_label)
        layout.addWidget(self.play_button)
        layout.addWidget(self.speed_box)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.time_label)
        layout.addWidget(self.close_button)

        self.play_button.clicked.connect(replay.toggle)
        self.speed_box.currentIndexChanged.connect(self._speed_chosen)
        self.slider.sliderReleased.connect(self._seek_to_slider)
        self.slider.valueChanged.connect(self._slider_moved)
        self.close_button.clicked.connect(self.close_requested)
        replay.opened.connect(self._opened)
        replay.state_changed.connect(self._state_changed)
        replay.position_changed.connect(self._position_changed)
        replay.speed_changed.connect(self._speed_changed)
        if replay.info is not None:
            self._opened(replay.info)
        self._state_changed(replay.state)

    # --- from the controller ---------------------------------------------------------

    def _opened(self, info: RecordingInfo) -> None:
        self.file_label.setText(f"Replaying {info.path.name}")
        self.file_label.setToolTip(f"{info.server_url}\n{info.path}")
        self._position_changed(self.replay.position)

    def _state_changed(self, state: str) -> None:
        playing = self.replay.playing
        self.play_button.setIcon(self._pause_icon if playing else self._play_icon)
        self.play_button.setText("Pause" if playing else "Play")
        self.setEnabled(self.replay.is_open)
        self.close_button.setEnabled(True)

    def _speed_changed(self, speed: float) -> None:
        index = self.speed_box.findData(speed)
        if index >= 0 and index != self.speed_box.currentIndex():
            self.speed_box.blockSignals(True)
            self.speed_box.setCurrentIndex(index)
            self.speed_box.blockSignals(False)

    def _position_changed(self, position: float) -> None:
        replay = self.replay
        span = replay.end - replay.start
        if not self.slider.isSliderDown():
            fraction = (position - replay.start) / span if span > 0 else 1.0
            self._updating = True
            self.slider.setValue(round(fraction * SLIDER_STEPS))
            self._updating = False
        self.time_label.setText(self.time_text(position))
        stamp = datetime.fromtimestamp(position) if position > 0 else None
        self.time_label.setToolTip(stamp.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] if stamp else "")

    def time_text(self, position: float) -> str:
        """``12:05:12 · 5m 12s of 30m 00s``: the moment shown, and how far into the recording."""
        replay = self.replay
        if not replay.is_open:
            return ""
        clock = time_of_day(position)
        done, total = position - replay.start, replay.end - replay.start
        return f"{clock} · {format_duration(done)} of {format_duration(total)}"

    # --- from the user -------------------------------------------------------------------

    def _speed_chosen(self, index: int) -> None:
        self.replay.set_speed(float(self.speed_box.itemData(index)))

    def _slider_moved(self, value: int) -> None:
        if self._updating:
            return
        if self.slider.isSliderDown():  # dragging: say where the release would go
            self.time_label.setText(self.time_text(self._slider_time(value)))
            return
        self.replay.seek(self._slider_time(value))

    def _seek_to_slider(self) -> None:
        self.replay.seek(self._slider_time(self.slider.value()))

    def _slider_time(self, value: int) -> float:
        replay = self.replay
        return replay.start + (replay.end - replay.start) * value / SLIDER_STEPS
