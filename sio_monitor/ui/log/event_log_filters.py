"""The event log's filter bar: direction, namespace, event names, socket id, payload text.

Typing waits ~150 ms for a pause before the filter runs; picks from lists run
at once. Choices come from what the log holds, read when a list opens, so no
work is done per event to keep them current. Names are shown as plain text:
they come from the network.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from sio_monitor.domain.eventlog.filter import LogFilter
from sio_monitor.domain.eventlog.rows import KIND_GROUPS, KIND_LABELS, KIND_TIPS
from sio_monitor.domain.format import shorten
from sio_monitor.qt.timers import coalescing_timer
from sio_monitor.ui.widgets.inline_error import inline_error

FILTER_DELAY_MS = 150
#: Event names offered at most; a server inventing names per message would flood the list.
MAX_CHOICES = 2_000

Choice = tuple[str, Any, str]  # (label, value, tooltip)


class ChoiceButton(QToolButton):
    """A button whose popup is a list of check boxes: pick several values, or none for all."""

    changed = Signal()

    def __init__(
        self,
        object_name: str,
        everything: str,
        noun: str,
        choices: Callable[[], Sequence[Choice]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, objectName=object_name)
        self._everything = everything
        self._noun = noun
        self._choices = choices
        self._picked: list[Any] = []
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.list = QListWidget(objectName=f"{object_name}List")
        self.list.setMinimumWidth(220)
        self.list.itemChanged.connect(self._item_changed)
        menu = QMenu(self)
        holder = QWidgetAction(menu)
        holder.setDefaultWidget(self.list)
        menu.addAction(holder)
        menu.aboutToShow.connect(self.refresh)
        self.setMenu(menu)
        self._label()

    @property
    def picked(self) -> list[Any]:
        return list(self._picked)

    def refresh(self) -> None:
        """Fill the list from the current choices, keeping what is picked."""
        self.list.blockSignals(True)
        self.list.clear()
        for label, value, tip in self._choices():
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, value)
            if tip:
                item.setToolTip(tip)
            if value is None:  # a separator between groups
                item.setFlags(Qt.ItemFlag.NoItemFlags)
            else:
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                checked = value in self._picked
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        rows = max(1, min(self.list.count(), 20))
        row_height = self.list.sizeHintForRow(0) if self.list.count() else 20
        self.list.setFixedHeight(rows * row_height + 2 * self.list.frameWidth())
        self.list.blockSignals(False)

    def set_picked(self, values: Sequence[Any]) -> None:
        self._picked = list(values)
        self._label()
        self.changed.emit()

    def clear(self) -> None:
        if self._picked:
            self.set_picked([])

    def _item_changed(self, item: QListWidgetItem) -> None:
        value = item.data(Qt.ItemDataRole.UserRole)
        picked = [v for v in self._picked if v != value]
        if item.checkState() == Qt.CheckState.Checked:
            picked.append(value)
        self.set_picked(picked)

    def _label(self) -> None:
        picked = self._picked
        if not picked:
            text = self._everything
        elif len(picked) <= 2:
            text = ", ".join(self._value_label(v) for v in picked)
        else:
            text = f"{len(picked)} {self._noun}"
        self.setText(text.replace("&", "&&"))  # "&" would be read as a mnemonic marker

    def _value_label(self, value: Any) -> str:
        if isinstance(value, int):
            return KIND_LABELS.get(value, str(value))
        return shorten(str(value), 40)  # a megabyte-long event name must not size the button


class NamespaceBox(QComboBox):
    """All namespaces, or one; the list is read from the log when it opens."""

    def __init__(self, namespaces: Callable[[], list[str]], parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="eventLogNamespace")
        self._namespaces = namespaces
        self.addItem("All namespaces", None)
        self.setMinimumContentsLength(12)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)

    @property
    def namespace(self) -> str | None:
        return self.currentData()

    def showPopup(self) -> None:
        current = self.namespace
        self.blockSignals(True)
        self.clear()
        self.addItem("All namespaces", None)
        for name in self._namespaces()[:MAX_CHOICES]:
            self.addItem(name, name)
        self.setCurrentIndex(max(0, self.findData(current)))
        self.blockSignals(False)
        super().showPopup()


class LogFilterBar(QWidget):
    """Every filter field in one row, the "n of m" count, and the error line under them."""

    filter_changed = Signal(object)  # LogFilter

    def __init__(
        self,
        namespaces: Callable[[], list[str]],
        event_names: Callable[[], list[str]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.directions = ChoiceButton(
            "eventLogDirection", "All directions", "directions", self._kind_choices, self
        )
        self.directions.setToolTip("Show only some kinds of rows")
        self.namespace = NamespaceBox(namespaces, self)
        self.namespace.setToolTip("Show only one namespace")
        self.events = ChoiceButton(
            "eventLogEvents",
            "All events",
            "events",
            lambda: [(shorten(n), n, "") for n in event_names()[:MAX_CHOICES]],
            self,
        )
        self.events.setToolTip("Show only the events with these names")
        self.socket = QLineEdit(objectName="eventLogSocket", placeholderText="Socket id")
        self.socket.setClearButtonEnabled(True)
        self.socket.setToolTip("Show only the sockets whose id contains this text")
        self.text = QLineEdit(objectName="eventLogFilter", placeholderText="Search payloads")
        self.text.setClearButtonEnabled(True)
        self.text.setToolTip(
            "Rows whose arguments contain this text (letters in any case), "
            "or match it as a regular expression; ^ and $ are a payload's start and end"
        )
        self.regex = QCheckBox("Regex", objectName="eventLogRegex")
        self.count = QLabel(objectName="eventLogCount")
        self.count.setTextFormat(Qt.TextFormat.PlainText)
        self.error = inline_error("eventLogFilterError")

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.directions)
        row.addWidget(self.namespace)
        row.addWidget(self.events)
        row.addWidget(self.socket, 1)
        row.addWidget(self.text, 3)
        row.addWidget(self.regex)
        row.addWidget(self.count)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.error)

        self._debounce = coalescing_timer(self, FILTER_DELAY_MS, self.apply)
        self.text.textChanged.connect(lambda _text: self._debounce.start())
        self.socket.textChanged.connect(lambda _text: self._debounce.start())
        self.regex.toggled.connect(lambda _on: self.apply())
        self.namespace.currentIndexChanged.connect(lambda _index: self.apply())
        self.directions.changed.connect(self.apply)
        self.events.changed.connect(self.apply)

    @staticmethod
    def _kind_choices() -> list[Choice]:
        choices: list[Choice] = []
        for number, group in enumerate(KIND_GROUPS):
            if number:
                choices.append(("", None, ""))
            choices.extend((KIND_LABELS[k], k, KIND_TIPS[k]) for k in group)
        return choices

    def current(self) -> LogFilter:
        return LogFilter(
            kinds=frozenset(self.directions.picked),
            namespace=self.namespace.namespace,
            events=frozenset(self.events.picked),
            socket=self.socket.text().strip(),
            text=self.text.text(),
            regex=self.regex.isChecked(),
        )

    def apply(self) -> None:
        """Announce the filter now (the debounce timer calls this after typing)."""
        self._debounce.stop()
        self.filter_changed.emit(self.current())

    def clear(self) -> None:
        """Every field back to "all", then one filter run."""
        for widget in (self.directions, self.events, self.namespace, self.socket, self.text):
            widget.blockSignals(True)
        self.directions.clear()
        self.events.clear()
        self.namespace.setCurrentIndex(0)
        self.socket.clear()
        self.text.clear()
        for widget in (self.directions, self.events, self.namespace, self.socket, self.text):
            widget.blockSignals(False)
        self.apply()

    def show_error(self, message: str | None) -> None:
        self.error.setText(message or "")
        self.error.setVisible(bool(message))

    def show_counts(self, shown: int, total: int, filtered: bool) -> None:
        self.count.setText(f"{shown:,} of {total:,}" if filtered else f"{total:,} events")
