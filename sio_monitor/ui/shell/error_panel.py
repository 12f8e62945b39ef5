"""The error panel: an unexpected error said once, at the bottom of the window, never modal.

A modal box would stop the user mid-task for something they cannot fix, and a
handler failing on every message would raise a new one each time. The panel
instead docks under the views, names the newest distinct error, counts the
repeats of every error it shows, and offers the traceback as plain text, the
log folder, and a way to put it away. A repeat never brings a dismissed panel
back; a different error does.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFont, QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from sio_monitor.qt.error_reporting import ErrorKind, ErrorReporter, log_directory
from sio_monitor.qt.models.tree_base import plain_tooltip

STYLE = """
#errorPanelBody { background: #ffebee; }
#errorPanelBody QLabel { color: #4a0d0d; }
"""


def _plain_label(object_name: str) -> QLabel:
    """One line, clipped when the window is narrow: a dock does not grow for wrapped text."""
    label = QLabel(objectName=object_name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class ErrorDetails(QDialog):
    """Every distinct error's traceback as plain text, newest first; it never blocks the window."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorDetails")
        self.setWindowTitle("Unexpected errors — SIO Monitor")
        self.setModal(False)
        self.text = QPlainTextEdit(objectName="errorDetailsText")
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.resize(760, 420)


class ErrorPanel(QDockWidget):
    """A dock under the views, hidden until the first unexpected error."""

    def __init__(self, reporter: ErrorReporter, parent: QWidget | None = None) -> None:
        super().__init__("Unexpected error", parent)
        self.setObjectName("errorPanel")
        self.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.setAllowedAreas(Qt.DockWidgetArea.BottomDockWidgetArea)
        #: Every error shown since the last dismissal, oldest first.
        self.errors: list[ErrorKind] = []
        self._details: ErrorDetails | None = None

        body = QWidget(objectName="errorPanelBody")
        body.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        body.setStyleSheet(STYLE)
        icon = QLabel(objectName="errorIcon")
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        icon.setPixmap(warning.pixmap(size, size))
        self.title = _plain_label("errorTitle")
        bold = QFont(self.title.font())
        bold.setBold(True)
        self.title.setFont(bold)
        self.summary = _plain_label("errorSummary")
        self.details_button = QPushButton("Details…", objectName="errorDetailsButton")
        self.details_button.clicked.connect(self.show_details)
        self.folder_button = QPushButton("Open log folder", objectName="errorLogFolder")
        self.folder_button.clicked.connect(self.open_log_folder)
        self.dismiss_button = QPushButton("Dismiss", objectName="errorDismiss")
        self.dismiss_button.clicked.connect(self.dismiss)

        heading = QHBoxLayout()
        heading.addWidget(icon)
        heading.addWidget(self.title, 1)
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addLayout(heading)
        text.addWidget(self.summary)
        text.addStretch(1)
        row = QHBoxLayout(body)
        row.setContentsMargins(10, 6, 10, 6)
        row.addLayout(text, 1)
        for button in (self.details_button, self.folder_button, self.dismiss_button):
            row.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        self.setWidget(body)

        reporter.error_reported.connect(self.show_error)
        reporter.error_repeated.connect(self.count_repeat)
        self.hide()

    # --- what the reporter calls -------------------------------------------------------

    def show_error(self, title: str, details: str) -> None:
        """A new kind of error: name it and show the panel, whatever was dismissed before."""
        self.errors.append(ErrorKind(title, details))
        self._refresh()
        self.show()

    def count_repeat(self, _title: str, details: str, count: int) -> None:
        """The same error again: the count changes, the panel stays as the user left it."""
        for entry in self.errors:
            if entry.details == details:
                entry.count = count
        self._refresh()

    # --- the buttons -----------------------------------------------------------------------

    def show_details(self) -> None:
        if self._details is None:
            self._details = ErrorDetails(self)
        self._details.text.setPlainText(self.details_text())
        self._details.show()
        self._details.raise_()

    def details_text(self) -> str:
        blocks = []
        for entry in reversed(self.errors):
            times = f" ({entry.count} times)" if entry.count != 1 else ""
            blocks.append(f"{entry.title}{times}\n\n{entry.details}")
        return ("\n\n" + "-" * 72 + "\n\n").join(blocks)

    def open_log_folder(self) -> None:
        folder = log_directory()
        folder.mkdir(parents=True, exist_ok=True)
        self.open_url(QUrl.fromLocalFile(str(folder)))

    def open_url(self, url: QUrl) -> bool:
        """The desktop's file manager; replaceable so that tests open nothing."""
        return QDesktopServices.openUrl(url)

    def dismiss(self) -> None:
        """Hide the panel and forget what it showed; the log keeps every error."""
        self.errors.clear()
        if self._details is not None:
            self._details.close()
        self.hide()

    # --- internals -----------------------------------------------------------------------

    def _refresh(self) -> None:
        if not self.errors:
            return
        newest = self.errors[-1]
        count = newest.count
        self.title.setText(newest.title)
        parts = []
        if count != 1:
            parts.append(f"It happened {count} times.")
        others = len(self.errors) - 1
        if others:
            parts.append(f"{others} other error{'s' if others != 1 else ''} too (see Details).")
        parts.append("SIO Monitor keeps running; the traceback is in Details and in the log.")
        self.summary.setText(" ".join(parts))
        self.folder_button.setToolTip(_folder_name())


def _folder_name() -> str:
    folder = log_directory()
    home = Path.home()
    shown = f"~/{folder.relative_to(home)}" if folder.is_relative_to(home) else str(folder)
    return plain_tooltip(shown)
