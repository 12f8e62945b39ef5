"""The charts' shared canvas: five plots in one pyqtgraph view, one time range, one hover.

All charts live in a single ``GraphicsLayoutWidget`` (one scene, one paint per
frame rather than five). Their time ranges are kept equal by hand because
pyqtgraph's ``setXLink`` aligns linked views by screen position, which would
skew a chart of another width; the read-out follows the mouse on whichever
chart it is over.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, Signal
from PySide6.QtWidgets import QWidget

from sio_monitor.domain.throughput.chart_series import (
    BYTES,
    CHART_UNITS,
    CLIENTS,
    CONNECTIONS,
    EVENTS,
    PACKETS,
    REASONS,
)
from sio_monitor.ui.charts.chart_plot import ChartTheme, LivePlot

TITLES = {
    EVENTS: "Events per second",
    BYTES: "Bytes per second",
    PACKETS: "Packets per second",
    CONNECTIONS: "Connections and disconnections per second",
    REASONS: "Disconnections per second by reason",
    CLIENTS: "Connected clients and sockets per namespace",
}
# The events chart is the busiest (totals, namespaces, picked names): it gets
# the whole first row, room for a four-column legend. Connections and their
# reasons sit side by side, the clients under them. Key, row, column, columns
# spanned, legend columns (reasons are long: "server shutting down").
PLACES = (
    (EVENTS, 0, 0, 2, 4),
    (BYTES, 1, 0, 1, 3),
    (PACKETS, 1, 1, 1, 3),
    (CONNECTIONS, 2, 0, 1, 3),
    (REASONS, 2, 1, 1, 2),
    (CLIENTS, 3, 0, 2, 4),
)
#: Relative row heights: the events chart carries the most curves, the clients the fewest.
ROW_STRETCH = (5, 4, 4, 3)


class ChartGrid(pg.GraphicsLayoutWidget):
    """The plots by chart key; says when the user zoomed or panned the time axis."""

    moved_by_user = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("throughputPlots")
        self.ci.setSpacing(4)
        self.plots: dict[str, LivePlot] = {}
        for key, row, col, span, legend_columns in PLACES:
            self.plots[key] = LivePlot(
                self.ci, key, TITLES[key], CHART_UNITS[key], row, col, span, legend_columns
            )
        for row, stretch in enumerate(ROW_STRETCH):
            self.ci.layout.setRowStretchFactor(row, stretch)
        self._syncing = False
        for plot in self.plots.values():
            plot.view.sigXRangeChanged.connect(lambda _v, r, p=plot: self._x_changed(p, r))
            plot.view.sigRangeChangedManually.connect(lambda *_: self.moved_by_user.emit())
        self.scene().sigMouseMoved.connect(self._mouse_moved)

    def set_x_range(self, low: float, high: float, plots: Iterable[LivePlot] | None = None) -> None:
        """Every chart's time range, or only ``plots``' (the others follow on later slices)."""
        self._syncing = True
        try:
            for plot in self.plots.values() if plots is None else plots:
                if plot.view.viewRange()[0] != [low, high]:  # a range set again repaints too
                    plot.view.setXRange(low, high, padding=0)
        finally:
            self._syncing = False

    def apply_theme(self, theme: ChartTheme) -> None:
        self.setBackground(theme.background)
        for plot in self.plots.values():
            plot.apply_theme(theme)

    def _x_changed(self, source: LivePlot, x_range: tuple[float, float]) -> None:
        """Every chart shows the same seconds; each fits its values to them."""
        source.fit_y()
        if not self._syncing:
            self.set_x_range(*x_range)

    def _mouse_moved(self, position: QPointF) -> None:
        for plot in self.plots.values():
            if plot.view.sceneBoundingRect().contains(position):
                plot.show_readout(plot.view.mapSceneToView(position).x())
            elif plot.readout_visible():
                plot.hide_readout()

    def leaveEvent(self, event: QEvent) -> None:
        super().leaveEvent(event)
        for plot in self.plots.values():
            plot.hide_readout()
