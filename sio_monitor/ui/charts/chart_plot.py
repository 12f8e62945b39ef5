"""One live chart: a pyqtgraph plot whose curves are kept per series, with SI axis and read-out.

Curves are created once per series and then only fed ``setData``, and only
when their arrays changed: creating plot items per frame is what makes
pyqtgraph slow, and a curve given new data repaints its whole chart. Labels that come from the
network (namespaces, event names, server ids) are escaped before they reach
pyqtgraph's labels, which render HTML; the hover read-out is a plain-text item.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF
from PySide6.QtWidgets import QGraphicsItem, QGraphicsSimpleTextItem

from sio_monitor.domain.clock_format import time_of_day
from sio_monitor.domain.format import format_si
from sio_monitor.domain.throughput.chart_series import SeriesSpec, format_exact

#: Headroom above the highest visible value, on top of the legend's space.
Y_HEADROOM = 1.08
AXIS_WIDTH = 64


@dataclass(frozen=True, slots=True)
class ChartTheme:
    """Colours for one colour scheme; curves are coloured by role, not by order."""

    dark: bool
    background: str
    foreground: str
    readout_fill: tuple[int, int, int, int]
    roles: dict[str, str]
    namespace_pairs: tuple[tuple[str, str], ...]
    names: tuple[str, ...]

    def colour(self, role: str) -> str:
        """``ns3-out``: light shade of the fourth namespace pair; ``name2``: a picked name's.

        ``reason1``: the second disconnection reason's, from the names' palette
        (another chart, so the colours cannot be confused).
        """
        if role in self.roles:
            return self.roles[role]
        if role.startswith("reason"):
            return self.names[int(role[6:]) % len(self.names)]
        if role.startswith("ns"):
            index, _, side = role[2:].partition("-")
            pair = self.namespace_pairs[int(index) % len(self.namespace_pairs)]
            return pair[0] if side == "in" else pair[1]
        if role.startswith("name"):
            return self.names[int(role[4:]) % len(self.names)]
        return self.foreground


LIGHT = ChartTheme(
    dark=False,
    background="#ffffff",
    foreground="#37474f",
    readout_fill=(255, 255, 255, 225),
    roles={
        "in": "#1565c0",
        "out": "#e65100",
        "up": "#2e7d32",
        "down": "#c62828",
        "clients": "#1565c0",
    },
    namespace_pairs=(
        ("#2e7d32", "#7cb342"),
        ("#6a1b9a", "#ab47bc"),
        ("#00838f", "#00acc1"),
        ("#ad1457", "#ec407a"),
        ("#5d4037", "#8d6e63"),
        ("#827717", "#afb42b"),
    ),
    names=("#d81b60", "#00897b", "#5e35b1", "#f4511e", "#3949ab", "#6d4c41"),
)

DARK = ChartTheme(
    dark=True,
    background="#1e1f22",
    foreground="#d0d4d9",
    readout_fill=(30, 31, 34, 225),
    roles={
        "in": "#64b5f6",
        "out": "#ffb74d",
        "up": "#81c784",
        "down": "#e57373",
        "clients": "#64b5f6",
    },
    namespace_pairs=(
        ("#81c784", "#c5e1a5"),
        ("#ba68c8", "#e1bee7"),
        ("#4dd0e1", "#b2ebf2"),
        ("#f06292", "#f8bbd0"),
        ("#bcaaa4", "#d7ccc8"),
        ("#dce775", "#f0f4c3"),
    ),
    names=("#f48fb1", "#4db6ac", "#b39ddb", "#ff8a65", "#9fa8da", "#bcaaa4"),
)


class SiAxis(pg.AxisItem):
    """A value axis that reads ``12.4 k/s`` or ``3.1 MB/s`` rather than a scaled number."""

    def __init__(self, unit: str) -> None:
        super().__init__("left")
        self.unit = unit
        self.enableAutoSIPrefix(False)
        self.setWidth(AXIS_WIDTH)

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [format_si(value * scale, self.unit) for value in values]


class LivePlot:
    """A chart in the panel's graphics layout, its curves keyed by ``SeriesSpec.key``."""

    def __init__(
        self,
        layout: pg.GraphicsLayout,
        key: str,
        title: str,
        unit: str,
        row: int,
        col: int,
        colspan: int = 1,
        legend_columns: int = 3,
    ) -> None:
        self.key = key
        self.unit = unit
        self.title = title
        self.plot: pg.PlotItem = layout.addPlot(
            row=row,
            col=col,
            colspan=colspan,
            axisItems={"left": SiAxis(unit), "bottom": pg.DateAxisItem(orientation="bottom")},
        )
        self.view: pg.ViewBox = self.plot.getViewBox()
        self.plot.setMouseEnabled(x=True, y=False)
        self.plot.enableAutoRange(x=False, y=False)
        self.plot.setClipToView(True)
        self.plot.setDownsampling(auto=True, mode="peak")
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.plot.showGrid(x=True, y=True, alpha=0.12)
        self.plot.setYRange(0, 1, padding=0)
        # Axes and title repaint from a pixmap until they change: text is the
        # dearest part of a frame, and most frames only move the curves.
        for part in (self.plot.getAxis("left"), self.plot.getAxis("bottom"), self.plot.titleLabel):
            part.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._legend_columns = legend_columns
        self._theme = LIGHT
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.specs: dict[str, SeriesSpec] = {}
        #: The arrays each curve was last given, to skip a ``setData`` that would change nothing.
        self._given: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.legend = self._new_legend()
        self.crosshair = pg.InfiniteLine(angle=90, movable=False)
        self.readout = pg.TextItem(anchor=(0, 0))
        font = QFont(self.readout.textItem.font())
        font.setPointSize(8)
        self.readout.setFont(font)
        for item in (self.crosshair, self.readout):
            self.plot.addItem(item, ignoreBounds=True)
            item.setZValue(20)
            item.hide()
        # A line said in place of curves; a plain-text item (it may quote the network).
        self.note = QGraphicsSimpleTextItem(self.view)
        self.note_text = ""
        self.note.setFont(font)
        self.note.setZValue(20)
        self.note.hide()
        self.view.sigResized.connect(self._place_note)
        self.set_title(title)

    # --- data ----------------------------------------------------------------------

    def set_series(
        self, specs: list[SeriesSpec], data: dict[str, tuple[np.ndarray, np.ndarray]]
    ) -> bool:
        """Show exactly these series: update kept curves, add new ones, drop the rest.

        Items are only created or removed when the set of series changes (a
        new namespace, another server, the mode); every other frame is a
        ``setData`` on the existing curves whose values moved. Returns whether
        anything shown changed.
        """
        wanted = [spec.key for spec in specs]
        changed = wanted != list(self.curves)
        moved = changed
        for key in [k for k in self.curves if k not in wanted]:
            self.plot.removeItem(self.curves.pop(key))
            self.specs.pop(key, None)
            self._given.pop(key, None)
        for spec in specs:
            xs, ys = data.get(spec.key, (_EMPTY, _EMPTY))
            curve = self.curves.get(spec.key)
            if curve is None:
                curve = pg.PlotDataItem(
                    name=html.escape(spec.label),
                    pen=pg.mkPen(self._theme.colour(spec.role), width=1),
                    antialias=False,
                    skipFiniteCheck=True,
                )
                curve.setClipToView(True)
                curve.setDownsampling(auto=True, method="peak")
                self.plot.addItem(curve)
                self.curves[spec.key] = curve
            elif self.specs[spec.key].role != spec.role:
                curve.setPen(pg.mkPen(self._theme.colour(spec.role), width=1))
                moved = True
            self.specs[spec.key] = spec
            given = self._given.get(spec.key)
            if given is None or not (_same(given[0], xs) and _same(given[1], ys)):
                curve.setData(xs, ys)
                self._given[spec.key] = (xs, ys)
                moved = True
        if changed:
            self.curves = {key: self.curves[key] for key in wanted}
            self._rebuild_legend()
        return moved

    def shown(self) -> list[tuple[SeriesSpec, np.ndarray, np.ndarray]]:
        """The series on screen now (curves hidden from the legend are not)."""
        out = []
        for key, curve in self.curves.items():
            if not curve.isVisible():
                continue
            xs, ys = curve.getData()
            if xs is None:
                xs = ys = _EMPTY
            out.append((self.specs[key], xs, ys))
        return out

    def fit_y(self) -> None:
        """Zero-based y range over the visible seconds: rates are read against zero."""
        low, high = self.view.viewRange()[0]
        top = 0.0
        for _, xs, ys in self.shown():
            if len(xs) == 0:
                continue
            first = int(np.searchsorted(xs, low, side="left"))
            last = int(np.searchsorted(xs, high, side="right"))
            if last > first:
                top = max(top, float(ys[first:last].max()))
        # Leave the legend's share of the height free above the highest value.
        height = self.view.height()
        legend = self.legend.boundingRect().height() + 6 if self.legend.items else 0.0
        free = max(0.4, 1.0 - legend / height) if height > 0 else 0.7
        high = max(top * Y_HEADROOM / free, 1.0)
        if self.view.viewRange()[1] != [0.0, high]:  # pyqtgraph would repaint all the same
            self.plot.setYRange(0, high, padding=0)

    def set_note(self, text: str, detail: str = "") -> None:
        """Show one line in the middle of the chart (``detail`` as its tooltip), or none."""
        if text != self.note_text:
            self.note_text = text
            self._place_note()
        self.note.setToolTip(detail)
        self.note.setVisible(bool(text))

    def _place_note(self, *_: object) -> None:
        """Centre the line, shortened with an ellipsis where the chart is too narrow for it."""
        width, height = self.view.width(), self.view.height()
        metrics = QFontMetricsF(self.note.font())
        self.note.setText(
            metrics.elidedText(self.note_text, Qt.TextElideMode.ElideRight, max(0.0, width - 8))
        )
        box = self.note.boundingRect()
        self.note.setPos(max(4.0, (width - box.width()) / 2), max(4.0, (height - box.height()) / 2))

    # --- hover read-out ------------------------------------------------------------

    def readout_text(self, x: float) -> str:
        """Time and exact value of every shown series at the second under ``x``."""
        second = round(x)
        lines = [time_of_day(second)]
        for spec, xs, ys in self.shown():
            index = int(np.searchsorted(xs, second))
            if index < len(xs) and xs[index] == second:
                lines.append(f"{spec.label}: {format_exact(float(ys[index]), self.unit)}")
        return "\n".join(lines)

    def show_readout(self, x: float) -> None:
        low, high = self.view.viewRange()[0]
        top = self.view.viewRange()[1][1]
        self.crosshair.setPos(round(x))
        self.readout.setText(self.readout_text(x))  # TextItem.setText is plain text
        right_half = x > (low + high) / 2
        self.readout.setAnchor((1, 0) if right_half else (0, 0))
        self.readout.setPos(QPointF(round(x), top))
        self.crosshair.show()
        self.readout.show()
        self.legend.hide()  # the read-out names every series too, with its value

    def hide_readout(self) -> None:
        self.crosshair.hide()
        self.readout.hide()
        self.legend.show()

    def readout_visible(self) -> bool:
        return self.readout.isVisible()

    # --- looks ---------------------------------------------------------------------

    def set_title(self, title: str) -> None:
        """``title`` is escaped: it may carry a server id."""
        self.title = title
        self.plot.setTitle(html.escape(title), color=self._theme.foreground, size="10pt")

    def apply_theme(self, theme: ChartTheme) -> None:
        self._theme = theme
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setPen(theme.foreground)
            axis.setTextPen(theme.foreground)
        self.set_title(self.title)
        for key, curve in self.curves.items():
            curve.setPen(pg.mkPen(theme.colour(self.specs[key].role), width=1))
        self.crosshair.setPen(pg.mkPen(theme.foreground, width=1))
        self.readout.setColor(theme.foreground)
        self.readout.fill = pg.mkBrush(theme.readout_fill)
        self.readout.border = pg.mkPen(theme.foreground, width=1)
        self.readout.update()
        self.note.setBrush(QBrush(QColor(theme.foreground)))
        self._rebuild_legend()

    def _new_legend(self) -> pg.LegendItem:
        border = pg.mkColor(self._theme.foreground)
        border.setAlpha(70)
        legend = pg.LegendItem(
            offset=(4, 2),
            colCount=self._legend_columns,
            labelTextSize="8pt",
            labelTextColor=self._theme.foreground,
            brush=pg.mkBrush(self._theme.readout_fill),
            pen=pg.mkPen(border, width=1),
            verSpacing=-6,
            horSpacing=8,
        )
        legend.setParentItem(self.view)
        legend.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        return legend

    def _rebuild_legend(self) -> None:
        """A new legend whenever the series change or the colours do.

        pyqtgraph's legend grid keeps its old row and column counts after a
        removal and then places new entries over old ones; building it afresh
        is cheap and happens only when the set of curves changes.
        """
        old = self.legend
        if old.scene() is not None:
            old.scene().removeItem(old)
        self.legend = self._new_legend()
        for key, curve in self.curves.items():
            self.legend.addItem(curve, html.escape(self.specs[key].label))
        self.legend.setVisible(not self.readout.isVisible())


def _same(old: np.ndarray, new: np.ndarray) -> bool:
    return old is new or (old.shape == new.shape and bool(np.array_equal(old, new)))


_EMPTY = np.zeros(0)
