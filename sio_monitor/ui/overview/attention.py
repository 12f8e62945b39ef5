"""The attention line: one line at the top of the overview naming whatever is wrong.

It answers "is everything OK?" before anything else is read. Each item is a
short sentence with a link to the view where the problem shows; when nothing
is wrong the line is hidden.

Public API (other parts of the app, such as alerts, feed it):

``AttentionLine.add_item(key, text, target="")``
    Show ``text`` (plain text: it is escaped, never rendered as markup) under
    ``key``; adding an existing key replaces its text and target. ``target``
    names where the problem shows: a view name of the workspace
    (``"overview"``, ``"topology"``, ``"throughput"``, ``"emit"``, ``"log"``)
    or any string the owner of ``link_activated`` understands; empty for no link.
``AttentionLine.remove_item(key)``
    Take the item away (no error if absent).
``AttentionLine.items() -> dict[str, tuple[str, str]]``
    The items shown, ``key -> (text, target)``, in insertion order.
``AttentionLine.link_activated``
    Signal(str): the target of the item the user clicked (or activated with
    the keyboard: the label takes focus with Tab and links with Enter).

The overview itself owns the keys starting with ``overview:`` (servers not
reporting, dropped payloads, clocks off, reconnecting); use another prefix,
e.g. ``alert:<rule>``, for other sources.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QLabel, QWidget

SEPARATOR = " · "


class AttentionLine(QLabel):
    link_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attentionLine")
        self.setAccessibleName("Attention: what is wrong now")
        self.setTextFormat(Qt.TextFormat.RichText)  # only for the links: every text is escaped
        self.setWordWrap(True)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.LinksAccessibleByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self._items: dict[str, tuple[str, str]] = {}
        self._restyling = False
        self._link_colour = ""
        self._restyle()
        self.linkActivated.connect(self._link)
        self.hide()

    def add_item(self, key: str, text: str, target: str = "") -> None:
        if self._items.get(key) == (text, target):
            return
        self._items[key] = (text, target)
        self._render()

    def remove_item(self, key: str) -> None:
        if self._items.pop(key, None) is not None:
            self._render()

    def items(self) -> dict[str, tuple[str, str]]:
        return dict(self._items)

    def plain_text(self) -> str:
        """The line as a reader hears it: the sentences, without links."""
        return SEPARATOR.join(text for text, _ in self._items.values())

    def _restyle(self) -> None:
        """Translucent red over the theme's colours, text and links in the theme's own."""
        palette = QGuiApplication.palette()
        text = palette.color(QPalette.ColorRole.WindowText).name()
        self._link_colour = palette.color(QPalette.ColorRole.Link).name()
        self.setStyleSheet(
            "QLabel#attentionLine { background: rgba(229, 57, 53, 0.16);"
            " border: 1px solid rgba(229, 57, 53, 0.55); border-radius: 4px;"
            f" padding: 5px 8px; font-weight: 600; color: {text}; }}"
        )

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        kinds = (QEvent.Type.ApplicationPaletteChange, QEvent.Type.PaletteChange)
        if event.type() in kinds and not self._restyling:
            self._restyling = True  # a style sheet set here sends a palette change itself
            try:
                self._restyle()
                self._render()
            finally:
                self._restyling = False

    def _render(self) -> None:
        parts = []
        for key, (text, target) in self._items.items():
            escaped = html.escape(text)
            if target:
                href = html.escape(f"{target}#{key}", quote=True)
                link = f'<a href="{href}" style="color: {self._link_colour}">Show</a>'
                parts.append(f"⚠ {escaped} {link}")
            else:
                parts.append(f"⚠ {escaped}")
        self.setText(SEPARATOR.join(parts))
        self.setAccessibleDescription(self.plain_text())
        self.setVisible(bool(parts))

    def _link(self, href: str) -> None:
        self.link_activated.emit(href.split("#", 1)[0])
