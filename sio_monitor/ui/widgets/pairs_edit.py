"""A box of ``name: value`` lines that shows its secret values masked unless being edited.

Extra headers ("Authorization: Bearer …") and a probe's query ("token=…")
are typed as free text, and the dialogs holding them get screenshotted,
shared and projected. Like a password field that shows its text while it
is edited (``PasswordEchoOnEdit``), this box shows the real text while it
has the focus and masks the values of secret names otherwise.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSignalBlocker
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from sio_monitor.domain.sensitive import masked_pairs


class PairsEdit(QPlainTextEdit):
    """``toPlainText`` is always the real text; what is painted is masked without the focus."""

    def __init__(
        self,
        separator: str,
        secret: Callable[[str], bool],
        object_name: str,
        placeholder: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, objectName=object_name)
        self.setPlaceholderText(placeholder)
        self.setTabChangesFocus(True)
        self._separator = separator
        self._secret = secret
        self._real: str | None = None  # the real text while a masked one is shown

    @property
    def masked(self) -> bool:
        return self._real is not None

    def toPlainText(self) -> str:
        return super().toPlainText() if self._real is None else self._real

    def setPlainText(self, text: str) -> None:
        self._real = None
        self.setReadOnly(False)
        super().setPlainText(text)  # textChanged goes out: the real text changed
        if not self.hasFocus():
            self._mask()

    def focusInEvent(self, event: QFocusEvent) -> None:
        if self._real is not None:
            real, self._real = self._real, None
            with QSignalBlocker(self):  # only what is shown changes
                super().setPlainText(real)
            self.setReadOnly(False)
            self.moveCursor(self.textCursor().MoveOperation.End)
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self._mask()

    def _mask(self) -> None:
        real = super().toPlainText()
        shown = masked_pairs(real, self._separator, self._secret)
        if shown != real:
            with QSignalBlocker(self):
                super().setPlainText(shown)
            self._real = real
            self.setReadOnly(True)  # nothing may edit the masks in place of the text
