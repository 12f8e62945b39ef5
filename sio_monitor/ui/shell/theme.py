"""The window's theme: the system's, or light or dark whatever the desktop says.

A chosen theme sets the whole Qt palette (Fusion style, which follows the
palette everywhere) and the application's colour scheme, and the charts
redraw in the matching colours at once; "system" hands both back to the
desktop. The font scale multiplies the desktop's own font size.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

THEMES = ("system", "light", "dark")
_base_font: QFont | None = None
_base_style: str | None = None

DARK_COLOURS = {
    QPalette.ColorRole.Window: "#2b2b2b",
    QPalette.ColorRole.WindowText: "#e6e6e6",
    QPalette.ColorRole.Base: "#1f1f1f",
    QPalette.ColorRole.AlternateBase: "#2a2a2a",
    QPalette.ColorRole.ToolTipBase: "#3a3a3a",
    QPalette.ColorRole.ToolTipText: "#f0f0f0",
    QPalette.ColorRole.Text: "#e6e6e6",
    QPalette.ColorRole.Button: "#353535",
    QPalette.ColorRole.ButtonText: "#e6e6e6",
    QPalette.ColorRole.BrightText: "#ff6b6b",
    QPalette.ColorRole.Link: "#6cb4ff",
    QPalette.ColorRole.Highlight: "#3d7cc9",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.PlaceholderText: "#8c8c8c",
    QPalette.ColorRole.Mid: "#4a4a4a",
    QPalette.ColorRole.Dark: "#1a1a1a",
    QPalette.ColorRole.Light: "#505050",
}


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in DARK_COLOURS.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7a7a"))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, QColor("#7a7a7a"))
    return palette


def is_dark(app: QApplication | None = None) -> bool:
    app = app or QApplication.instance()  # type: ignore[assignment]
    assert app is not None
    return app.palette().color(QPalette.ColorRole.Window).lightness() < 128


def apply_theme(theme: str) -> None:
    """``system``, ``light`` or ``dark``, for the whole application, without a restart."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    global _base_style
    if _base_style is None:
        _base_style = app.style().name()
    hints = QGuiApplication.styleHints()
    # The palette first, then the style: setting a style polishes every widget again,
    # and widgets with a style sheet take their colours from the palette at that moment.
    if theme == "dark":
        app.setPalette(dark_palette())
        hints.setColorScheme(Qt.ColorScheme.Dark)
        app.setStyle("Fusion")
    elif theme == "light":
        app.setPalette(QStyleFactory.create("Fusion").standardPalette())
        hints.setColorScheme(Qt.ColorScheme.Light)
        app.setStyle("Fusion")
    else:
        hints.unsetColorScheme()
        base = QStyleFactory.create(_base_style)
        app.setPalette(base.standardPalette())
        app.setStyle(_base_style)
    _restyle_charts(None if theme == "system" else theme == "dark")


def _restyle_charts(dark: bool | None) -> None:
    if "sio_monitor.ui.charts.charts" not in sys.modules:
        return  # no charts built yet: each takes the colour scheme when it is
    from sio_monitor.ui.charts.charts import ThroughputCharts

    for widget in QApplication.allWidgets():
        if isinstance(widget, ThroughputCharts):
            widget.apply_theme(dark)


def apply_font_scale(scale: float) -> None:
    """The desktop's font size times ``scale`` (0.8 to 1.6), for every widget."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    global _base_font
    if _base_font is None:
        _base_font = QFont(app.font())
    font = QFont(_base_font)
    size = _base_font.pointSizeF()
    if size > 0:
        font.setPointSizeF(size * max(0.5, min(2.0, scale)))
    app.setFont(font)
