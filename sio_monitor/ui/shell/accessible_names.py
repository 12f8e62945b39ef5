"""Accessible names for the main controls, so a screen reader can say what each one is.

A control named here by its object name gets that name; any other input,
list or table without a name takes its form label's text (the label whose
buddy it is), else its placeholder, else its tooltip. Applied to each
connection tab when it is added, and to the window, so views written later
are covered by the same rule.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTabWidget,
    QWidget,
)

NAMES = {
    "connectionTabs": "Connections",
    "mainTabs": "Views",
    "topologyFilter": "Filter sockets",
    "groupingSelector": "Group the topology by",
    "topologyView": "Namespaces, rooms and sockets",
    "chartWindow": "Chart time window",
    "chartServer": "Chart server",
    "topEventsTable": "Busiest event names",
    "disconnectReasonsTable": "Disconnections by reason",
    "probeUrl": "Probe server URL",
    "emitTabs": "Emit side panels",
    "emitPins": "Listen only to these events",
    "emitLog": "Events the probe received",
    "emitRoute": "Send via",
    "emitNamespace": "Namespace to emit to",
    "emitEventName": "Event name",
    "emitAckTimeout": "Ack timeout",
    "eventLogNamespace": "Log namespace filter",
    "eventLogSocket": "Log socket id filter",
    "eventLogFilter": "Search payloads",
    "eventLogTable": "Event log",
    "loadRequests": "Load requests",
    "loadErrors": "Load errors by kind",
    "scenarioTimeline": "Scenario steps",
}
KINDS = (QLineEdit, QComboBox, QAbstractItemView, QAbstractSpinBox, QTabWidget)


def _label_for(widget: QWidget, labels: list[QLabel]) -> str:
    for label in labels:
        if label.buddy() is widget and label.text():
            return label.text().replace("&", "").rstrip(":").strip()
    return ""


def name_controls(root: QWidget) -> int:
    """Give every main control under ``root`` an accessible name; how many were named."""
    labels = root.findChildren(QLabel)
    named = 0
    for widget in [root, *root.findChildren(QWidget)]:
        if not isinstance(widget, KINDS) or isinstance(widget, QHeaderView):
            continue
        if widget.accessibleName():
            continue
        parent = widget.parent()
        if isinstance(parent, (QComboBox, QAbstractSpinBox)):
            continue  # the line edit inside a combo or spin box speaks for its owner
        name = NAMES.get(widget.objectName(), "") or _label_for(widget, labels)
        if not name and isinstance(widget, QLineEdit):
            name = widget.placeholderText()
        if not name and not widget.toolTip().lstrip().startswith("<"):
            name = widget.toolTip()  # plain text only: a rich tooltip is no name
        if name:
            widget.setAccessibleName(name)
            named += 1
    return named
