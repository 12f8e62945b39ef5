"""An expandable tree of a JSON value (a socket's ``data``), bounded so a huge payload stays cheap.

Items of a QTreeWidget render their text as plain text, so markup sent by a
server is shown, never interpreted. Only the first levels are expanded.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem, QWidget

from sio_monitor.qt.models.tree_base import plain_tooltip

#: Beyond this many items the rest of a value is summarised in one row.
MAX_ITEMS = 2_000
#: Scalars longer than this are cut in the tree (the tooltip holds the whole text).
MAX_TEXT = 300
EXPAND_DEPTH = 2


def scalar_text(value: Any) -> str:
    """JSON's spelling of a leaf: strings quoted, null/true/false lower-case."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def summary(value: Any) -> str:
    if isinstance(value, dict):
        return f"{{{len(value)} key{'s' if len(value) != 1 else ''}}}"
    if isinstance(value, list | tuple):
        return f"[{len(value)} item{'s' if len(value) != 1 else ''}]"
    return scalar_text(value)


class JsonTree(QTreeWidget):
    """Key and value columns; ``set_value`` replaces the whole tree."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("socketData")
        self.setColumnCount(2)
        self.setHeaderLabels(["Key", "Value"])
        self.setUniformRowHeights(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.header().setStretchLastSection(True)
        self._budget = 0

    def set_value(self, value: Any) -> None:
        self.clear()
        self._budget = MAX_ITEMS
        root = self.invisibleRootItem()
        if value is None or (isinstance(value, dict | list | tuple) and not value):
            # python servers always send {}: say so rather than show an empty box
            empty = QTreeWidgetItem(root, ["", f"{scalar_text(value)} (no data)"])
            empty.setDisabled(True)
        elif isinstance(value, dict | list | tuple):
            self._children(root, value, 0)
        else:
            self._add(root, "value", value, 0)
        self.resizeColumnToContents(0)

    def _children(self, parent: QTreeWidgetItem, value: Any, depth: int) -> None:
        pairs = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in pairs:
            if self._budget <= 0:
                more = QTreeWidgetItem(parent, ["…", "more not shown"])
                more.setDisabled(True)
                return
            self._add(parent, f"[{key}]" if isinstance(key, int) else str(key), child, depth)

    def _add(self, parent: QTreeWidgetItem, key: str, value: Any, depth: int) -> None:
        self._budget -= 1
        text = summary(value)
        shown = text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"
        item = QTreeWidgetItem(parent, [key, shown])
        if len(text) > MAX_TEXT:
            item.setToolTip(1, plain_tooltip(text[:10_000]))
        if isinstance(value, dict | list | tuple) and value:
            self._children(item, value, depth + 1)
            item.setExpanded(depth < EXPAND_DEPTH)
