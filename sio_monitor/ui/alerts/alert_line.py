"""The line over the overview that says which alerts fire, and opens the rules.

It is always there, quiet and grey while nothing fires (so the rules are one
click away), red with the firing rules' sentences when something does, unless
the overview's attention line (which names everything wrong in one place)
already names them: then this line only counts them. The sentences hold names
from the network (namespaces, event names), so they are shown as plain text.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from sio_monitor.domain.alerts import AlertChanged

QUIET_STYLE = "#alertLine { background: palette(window); border-bottom: 1px solid palette(mid); }"
FIRING_STYLE = (
    "#alertLine { background: #c62828; border-bottom: 1px solid #8e0000; }"
    " #alertLine QLabel { color: white; font-weight: bold; }"
)


class AlertLine(QFrame):
    """One line: the firing alerts (or that none fire) and an "Alerts…" button."""

    edit_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alertLine")
        self.text = QLabel(self, objectName="alertText")
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setWordWrap(True)
        self.button = QPushButton("Alerts…", self, objectName="alertsButton")
        self.button.setToolTip("Rules that raise an alert when a live figure crosses a threshold")
        self.button.clicked.connect(self.edit_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 3, 8, 3)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.button)
        self.show_alerts([], 0)

    def show_alerts(
        self, firing: list[AlertChanged], rules: int, *, said_above: bool = False
    ) -> None:
        """Show what fires; ``said_above``: the attention line names them, this line counts."""
        noun = "rule" if rules == 1 else "rules"
        if firing and not said_above:
            self.setStyleSheet(FIRING_STYLE)
            lines = [alert.message for alert in firing]
            self.text.setText("\n".join(lines))
            return
        self.setStyleSheet(QUIET_STYLE)
        if firing:
            count = f"{len(firing)} alert{'s' if len(firing) > 1 else ''}"
            self.text.setText(f"{count} firing, named above ({rules} {noun} watched).")
        elif rules:
            self.text.setText(f"No alert firing ({rules} {noun} watched).")
        else:
            self.text.setText("No alert rules: add one to be told when a figure crosses a line.")
