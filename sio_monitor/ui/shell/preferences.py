"""Preferences: theme, font scale, recordings and their retention, log capacity, timeouts.

Stored in QSettings beside the rest of the window's settings (``Preferences.load``
and ``save``), so tests with their own settings file see their own. What can
change live does at once on OK or Apply (theme, font, recording on/off and
folder, retention, timeouts: the connect dialog's and the emit form's
defaults); the event log's capacity applies to connection tabs opened after
the change, since a log's memory is laid out when it is made.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from sio_monitor.domain.eventlog.log import DEFAULT_CAPACITY
from sio_monitor.store.recording import recordings_dir
from sio_monitor.store.retention import (
    DEFAULT_KEEP_DAYS,
    DEFAULT_MAX_BYTES,
    RetentionPolicy,
    format_bytes,
    space_used,
)
from sio_monitor.ui.shell.theme import THEMES

PREFIX = "preferences/"
#: Shared with the File menu's "Record Sessions" check mark.
RECORDING_ENABLED_KEY = "recordings/enabled"
SHORTCUT = QKeySequence("Ctrl+,")


@dataclass(slots=True)
class Preferences:
    theme: str = "system"
    font_scale: float = 1.0
    recordings_enabled: bool = True
    recordings_folder: str = ""  # empty: the default folder
    keep_days: int = DEFAULT_KEEP_DAYS
    max_gb: float = DEFAULT_MAX_BYTES / 1e9
    log_capacity: int = DEFAULT_CAPACITY
    connect_timeout: float = 10.0
    ack_timeout: float = 5.0

    @property
    def folder(self) -> Path:
        return Path(self.recordings_folder) if self.recordings_folder else recordings_dir()

    @property
    def retention(self) -> RetentionPolicy:
        return RetentionPolicy(keep_days=self.keep_days, max_bytes=int(self.max_gb * 1e9))

    @classmethod
    def load(cls, settings: QSettings | None = None) -> Preferences:
        settings = settings or QSettings()
        found = cls()
        for spec in fields(cls):
            key = RECORDING_ENABLED_KEY if spec.name == "recordings_enabled" else PREFIX + spec.name
            raw = settings.value(key)
            if raw is None:
                continue
            default = getattr(found, spec.name)
            try:
                if isinstance(default, bool):
                    value: object = raw if isinstance(raw, bool) else str(raw).lower() == "true"
                else:
                    value = type(default)(raw)
            except (TypeError, ValueError):
                continue
            setattr(found, spec.name, value)
        if found.theme not in THEMES:
            found.theme = "system"
        return found

    def save(self, settings: QSettings | None = None) -> None:
        settings = settings or QSettings()
        for spec in fields(self):
            key = RECORDING_ENABLED_KEY if spec.name == "recordings_enabled" else PREFIX + spec.name
            settings.setValue(key, getattr(self, spec.name))


def space_sentence(folder: Path) -> str:
    files, size = space_used(folder)
    return f"{format_bytes(size)} in {files} recording{'s' if files != 1 else ''}"


class PreferencesDialog(QDialog):
    """Edits a ``Preferences``; ``applied`` carries the new one on OK or Apply."""

    applied = Signal(object)  # Preferences

    def __init__(self, preferences: Preferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preferencesDialog")
        self.setWindowTitle("Preferences")
        self.theme = QComboBox(objectName="themeBox")
        for theme in THEMES:
            self.theme.addItem(theme.capitalize(), theme)
        self.font_scale = QSpinBox(objectName="fontScaleBox", suffix=" %")
        self.font_scale.setRange(70, 200)
        self.font_scale.setSingleStep(10)
        self.recordings = QCheckBox("Record every connection", objectName="recordingsBox")
        self.folder = QLineEdit(objectName="recordingsFolderField")
        self.folder.setPlaceholderText(str(recordings_dir()))
        browse = QPushButton("Browse…", objectName="recordingsBrowse")
        browse.clicked.connect(self._browse)
        self.keep_days = QSpinBox(objectName="keepDaysBox", suffix=" days")
        self.keep_days.setRange(0, 3650)
        self.keep_days.setSpecialValueText("forever")
        self.max_gb = QDoubleSpinBox(objectName="maxGbBox", suffix=" GB", decimals=1)
        self.max_gb.setRange(0, 100_000)
        self.max_gb.setSpecialValueText("no limit")
        self.space = QLabel(objectName="recordingsSpace")
        self.space.setTextFormat(Qt.TextFormat.PlainText)
        self.log_capacity = QSpinBox(objectName="logCapacityBox", suffix=" events")
        self.log_capacity.setRange(10_000, 10_000_000)
        self.log_capacity.setSingleStep(100_000)
        self.log_capacity.setGroupSeparatorShown(True)
        self.connect_timeout = QDoubleSpinBox(objectName="connectTimeoutBox", suffix=" s")
        self.connect_timeout.setRange(1, 120)
        self.ack_timeout = QDoubleSpinBox(objectName="ackTimeoutBox", suffix=" s", decimals=1)
        self.ack_timeout.setRange(0.1, 600)

        look = QGroupBox("Appearance")
        look_form = QFormLayout(look)
        look_form.addRow("&Theme", self.theme)
        look_form.addRow("&Font size", self.font_scale)
        rec = QGroupBox("Recordings")
        rec_form = QFormLayout(rec)
        rec_form.addRow(self.recordings)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)
        folder_label = QLabel("F&older")
        folder_label.setBuddy(self.folder)  # a row holding a layout gets no buddy by itself
        rec_form.addRow(folder_label, folder_row)
        rec_form.addRow("&Keep the last", self.keep_days)
        rec_form.addRow("At &most", self.max_gb)
        rec_form.addRow("Space used", self.space)
        other = QGroupBox("Connections and log")
        other_form = QFormLayout(other)
        other_form.addRow("Event &log holds", self.log_capacity)
        other_form.addRow("Connect &timeout", self.connect_timeout)
        other_form.addRow("&Ack timeout", self.ack_timeout)
        note = QLabel("The event log's size applies to connection tabs opened afterwards.")
        note.setWordWrap(True)
        other_form.addRow(note)
        for label, widget in (
            ("Theme", self.theme),
            ("Font size", self.font_scale),
            ("Recordings folder", self.folder),
            ("Keep recordings for", self.keep_days),
            ("Recordings at most", self.max_gb),
            ("Event log capacity", self.log_capacity),
            ("Connect timeout", self.connect_timeout),
            ("Ack timeout", self.ack_timeout),
        ):
            widget.setAccessibleName(label)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Apply
            | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._ok)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Apply).clicked.connect(self._apply)
        layout = QVBoxLayout(self)
        for group in (look, rec, other):
            layout.addWidget(group)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)  # room for a recordings folder's path
        self.set_preferences(preferences)

    def set_preferences(self, preferences: Preferences) -> None:
        self.theme.setCurrentIndex(max(0, self.theme.findData(preferences.theme)))
        self.font_scale.setValue(round(preferences.font_scale * 100))
        self.recordings.setChecked(preferences.recordings_enabled)
        self.folder.setText(preferences.recordings_folder)
        self.keep_days.setValue(preferences.keep_days)
        self.max_gb.setValue(preferences.max_gb)
        self.log_capacity.setValue(preferences.log_capacity)
        self.connect_timeout.setValue(preferences.connect_timeout)
        self.ack_timeout.setValue(preferences.ack_timeout)
        self.show_space()

    def preferences(self) -> Preferences:
        return Preferences(
            theme=str(self.theme.currentData()),
            font_scale=self.font_scale.value() / 100,
            recordings_enabled=self.recordings.isChecked(),
            recordings_folder=self.folder.text().strip(),
            keep_days=self.keep_days.value(),
            max_gb=self.max_gb.value(),
            log_capacity=self.log_capacity.value(),
            connect_timeout=self.connect_timeout.value(),
            ack_timeout=self.ack_timeout.value(),
        )

    def show_space(self) -> None:
        self.space.setText(space_sentence(self.preferences().folder))

    def _browse(self) -> None:
        dialog = QFileDialog(self, "Recordings folder", str(self.preferences().folder))
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly)
        dialog.fileSelected.connect(self.folder.setText)
        dialog.open()

    def _apply(self) -> None:
        chosen = self.preferences()
        chosen.save()
        self.applied.emit(chosen)
        self.show_space()

    def _ok(self) -> None:
        self._apply()
        self.accept()


def event_log_capacity() -> int:
    """The capacity a new connection tab's event log is made with."""
    return max(10_000, Preferences.load().log_capacity)
