"""The rules of one connection: a list, a form to add one, and a button to remove one.

Each change is handed on at once (``rules_changed``), so the rules apply and
are saved as they are edited; the dialog opens with ``open()``, never
``exec()``, so the event loop keeps running while it is up.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sio_monitor.domain.alerts import (
    FIGURE_NAMES,
    PARAMETERS,
    AlertError,
    AlertRule,
    Comparison,
    Figure,
)
from sio_monitor.ui.widgets.inline_error import inline_error


class AlertsDialog(QDialog):
    """Edit the alert rules of one connection."""

    rules_changed = Signal(object)  # list[AlertRule]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alertsDialog")
        self.setWindowTitle("Alerts")
        self.rules: list[AlertRule] = []
        self.where = QLabel(self, objectName="alertsWhere")
        self.where.setTextFormat(Qt.TextFormat.PlainText)
        self.list = QListWidget(self, objectName="alertRules")
        self.remove = QPushButton("Remove", self, objectName="removeAlert")
        self.remove.clicked.connect(self._remove)

        self.figure = QComboBox(self, objectName="alertFigure")
        for figure in Figure:
            self.figure.addItem(FIGURE_NAMES[figure], figure)
        self.parameter = QLineEdit(self, objectName="alertParameter")
        self.comparison = QComboBox(self, objectName="alertComparison")
        for comparison in Comparison:
            self.comparison.addItem(comparison.value, comparison)
        self.threshold = QDoubleSpinBox(self, objectName="alertThreshold")
        self.threshold.setRange(-1e12, 1e12)
        self.threshold.setDecimals(2)
        self.for_seconds = QDoubleSpinBox(self, objectName="alertFor")
        self.for_seconds.setRange(0, 86_400)
        self.for_seconds.setDecimals(0)
        self.for_seconds.setSuffix(" s")
        self.add = QPushButton("Add rule", self, objectName="addAlert")
        self.add.clicked.connect(self._add)
        self.error = inline_error("alertError")
        self.figure.currentIndexChanged.connect(self._figure_chosen)

        form = QFormLayout()
        form.addRow("Figure", self.figure)
        form.addRow("Of", self.parameter)
        form.addRow("When", self.comparison)
        form.addRow("Threshold", self.threshold)
        form.addRow("For", self.for_seconds)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.remove)
        layout = QVBoxLayout(self)
        layout.addWidget(self.where)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.add, 0, Qt.AlignmentFlag.AlignRight)
        layout.addWidget(buttons)
        self.resize(480, 460)
        self._figure_chosen()

    def set_rules(self, rules: list[AlertRule], where: str) -> None:
        self.rules = list(rules)
        self.where.setText(f"Rules for {where}, saved with it:")
        self._fill()

    def _fill(self) -> None:
        self.list.clear()
        for rule in self.rules:
            item = QListWidgetItem(rule.describe())
            item.setData(Qt.ItemDataRole.UserRole, rule.id)
            self.list.addItem(item)
        self.remove.setEnabled(bool(self.rules))

    def _figure_chosen(self) -> None:
        figure = self.figure.currentData()
        needs = PARAMETERS.get(figure)
        self.parameter.setEnabled(needs is not None)
        self.parameter.setPlaceholderText(needs or "")

    def rule_from_form(self) -> AlertRule:
        return AlertRule(
            figure=self.figure.currentData(),
            comparison=self.comparison.currentData(),
            threshold=self.threshold.value(),
            for_seconds=self.for_seconds.value(),
            parameter=self.parameter.text(),
        ).validated()

    def _add(self) -> None:
        try:
            rule = self.rule_from_form()
        except AlertError as exc:
            self._say(str(exc))
            return
        self._say(None)
        self.rules.append(rule)
        self._fill()
        self.rules_changed.emit(list(self.rules))

    def _remove(self) -> None:
        item = self.list.currentItem()
        if item is None:
            self._say("Choose the rule to remove in the list first.")
            return
        rule_id = item.data(Qt.ItemDataRole.UserRole)
        self.rules = [rule for rule in self.rules if rule.id != rule_id]
        self._say(None)
        self._fill()
        self.rules_changed.emit(list(self.rules))

    def _say(self, error: str | None) -> None:
        self.error.setText(error or "")
        self.error.setVisible(error is not None)
