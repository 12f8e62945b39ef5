"""The live throughput panel: rate charts, clients over time and the busiest event names.

Nothing here runs per event. The panel reads the rate buffers on its own
timer (10 Hz, only while visible), and redraws only when what it would show
changed: the live edge moves once a second, so most ticks cost a comparison.
A timer redraw reads the data in one slice of the event loop, then updates
one chart per slice, so each repaint covers one chart and no slice holds the
GUI thread for a whole frame; a chart whose curves and range did not move is
not touched, and so not repainted.
A second, always-running 1 Hz timer samples what the rates do not keep over
time (clients, sockets per namespace) so the history is there when the panel
is shown; event names need no sampling, the rates keep each one's exact
per-second history.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication, QHideEvent, QPalette, QShowEvent
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from sio_monitor.domain.clock_format import time_of_day
from sio_monitor.domain.throughput.chart_data import Arrays, SeriesReader
from sio_monitor.domain.throughput.chart_series import (
    CLIENTS,
    EVENTS,
    REASONS,
    ChartSampler,
    SeriesSpec,
    gauge_plan,
    live_end,
    rate_plan,
    sparks,
)
from sio_monitor.domain.throughput.disconnect_reasons import RAW, ReasonPlan, reason_plan
from sio_monitor.domain.topology.changes import ChangeSet
from sio_monitor.qt.bridge import EventBridge
from sio_monitor.store.export import ExportSeries, write_series_csv
from sio_monitor.ui.charts.chart_controls import ChartControls
from sio_monitor.ui.charts.chart_grid import TITLES, ChartGrid
from sio_monitor.ui.charts.chart_plot import DARK, LIGHT, ChartTheme
from sio_monitor.ui.charts.chart_tables import ReasonsTable, TopEventsTable
from sio_monitor.ui.charts.overlays import ChartOverlay, merge_overlays

REDRAW_HZ = 10
#: With the live edge unchanged (it normally moves every second), data arriving
#: for seconds already shown is picked up at most this often.
LATE_DATA_SECONDS = 2.0
MAX_PICKED = 6
#: Between one chart's update (and its repaint) and the next one's in a timer redraw.
STAGGER_MS = 0

PRODUCTION_TITLE = "Events per second (from packets: production mode)"


@dataclass(slots=True)
class _Frame:
    """One redraw's data, read at once and shown chart by chart."""

    plan: dict[str, list[SeriesSpec]]
    data: dict[str, Arrays]
    end: int
    production: bool
    reasons: ReasonPlan


class ThroughputCharts(QWidget):
    """Live charts of one connection, read from ``bridge.rates`` and ``bridge.topology``."""

    def __init__(
        self,
        bridge: EventBridge,
        parent: QWidget | None = None,
        *,
        sampler: ChartSampler | None = None,
    ) -> None:
        """``sampler``: what was sampled before the charts were built, to carry on from."""
        super().__init__(parent)
        self.setObjectName("throughputCharts")
        self._bridge = bridge
        #: The wall clock; tests replace it to get a fixed "now".
        self.clock: Callable[[], float] = time.time
        self.window = 60
        self.server: str | None = None
        self.paused = False
        self.following = True
        self.redraws = 0  # how many times the data was actually re-read (for tests and benchmarks)
        self.sampler = sampler or ChartSampler()
        self.reader = SeriesReader()
        self.picked: dict[str, int] = {}  # event name -> colour slot
        #: Curves from outside the admin stream on the same time axis (a load run's figures).
        self.overlays: list[ChartOverlay] = []
        bridge.batch_applied.connect(self._batch_applied)
        self._frozen_end: int | None = None
        self._last_end: int | None = None
        self._view_key: tuple[object, ...] | None = None
        self._fresh_key: tuple[int, ...] | None = None
        self._drawn_at = 0.0
        self._reasons: ReasonPlan | None = None
        self.theme: ChartTheme = LIGHT

        self.controls = ChartControls(self)
        self.graphics = ChartGrid(self)
        self.plots = self.graphics.plots
        self.top_table = TopEventsTable(self)
        self.reasons_table = ReasonsTable(self)
        side = QWidget(self)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(QLabel("Busiest event names (click to plot)"))
        side_layout.addWidget(self.top_table, 3)
        side_layout.addWidget(QLabel("Disconnections by reason, over the window"))
        side_layout.addWidget(self.reasons_table, 1)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.graphics)
        split.addWidget(side)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([760, 320])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.controls)
        layout.addWidget(split, 1)

        self.controls.window_chosen.connect(self.set_window)
        self.controls.server_chosen.connect(self.set_server)
        self.controls.pause_toggled.connect(self._pause_toggled)
        self.controls.follow_requested.connect(self.follow)
        self.controls.png_path_chosen.connect(self.export_png)
        self.controls.csv_path_chosen.connect(self.export_csv)
        self.top_table.name_clicked.connect(self.toggle_event_name)
        self.graphics.moved_by_user.connect(self._moved_by_user)
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._scheme_changed)

        self.redraw_timer = QTimer(self, interval=1000 // REDRAW_HZ)
        self.redraw_timer.timeout.connect(self._tick)
        self._frame: _Frame | None = None
        self._unshown: list[str] = []  # charts the timer's frame has still to update
        self.stagger_timer = QTimer(self, interval=STAGGER_MS, singleShot=True)
        self.stagger_timer.timeout.connect(self._show_next)
        self.sample_timer = QTimer(self, interval=1000)
        self.sample_timer.timeout.connect(self.sample)
        self.sample_timer.start()
        self.apply_theme()
        self._show_status()
        if sampler is not None:
            self._show_sampled()

    # --- user actions (also the test surface) ----------------------------------------

    def set_window(self, seconds: int) -> None:
        if self.controls.window_box.currentData() != seconds:
            self.controls.select_window(seconds)  # comes back here through the signal
            return
        self.window = seconds
        self.following = True
        self.redraw(force=True)

    def set_server(self, server_id: str | None) -> None:
        """One server's stats, or all servers summed (``None``)."""
        if self.controls.server_box.currentData() != server_id:
            self.controls.select_server(server_id)
            return
        self.server = server_id
        self.redraw(force=True)

    def pause(self) -> None:
        """Freeze what is shown; the rates and the samples keep accruing meanwhile."""
        if not self.paused:
            self.paused = True
            self._frozen_end = self._shown_end()
            self.controls.set_paused(True)
            self._show_status()

    def resume(self) -> None:
        """Back to live data at now, whatever was zoomed or panned while paused."""
        if self.paused:
            self.paused = False
            self._frozen_end = None
            self.following = True
            self.controls.set_paused(False)
            self.redraw(force=True)
            self._update_tables()

    def follow(self) -> None:
        if self.paused:
            self.resume()
            return
        self.following = True
        self.redraw(force=True)

    def toggle_event_name(self, name: str) -> None:
        """Plot an event name's events per second in the events chart, or stop plotting it.

        The curve covers the whole window, before the click too, from the
        rates' name history (from the name's first exact second if it holds
        less).
        """
        if name in self.picked:
            del self.picked[name]
        else:
            if len(self.picked) >= MAX_PICKED:
                del self.picked[next(iter(self.picked))]
            used = set(self.picked.values())
            self.picked[name] = next(slot for slot in range(MAX_PICKED + 1) if slot not in used)
        self.redraw(force=True)
        self._update_tables()

    def export_png(self, path: str | Path) -> Path:
        """Save the charts as they are on screen."""
        target = Path(path)
        if not self.graphics.grab().save(str(target), "PNG"):
            raise OSError(f"Could not write the image to {target}.")
        self.controls.set_status(f"Saved the charts to {target.name}.")
        return target

    def export_csv(self, path: str | Path) -> int:
        """Write every plotted series to CSV; returns the number of data rows."""
        series = [
            ExportSeries(
                plot.key, spec.label, plot.unit, list(zip(xs.tolist(), ys.tolist(), strict=True))
            )
            for plot in self.plots.values()
            for spec, xs, ys in plot.shown()
        ]
        rows = write_series_csv(path, series)
        self.controls.set_status(f"Saved {rows:,} rows to {Path(path).name}.")
        return rows

    def apply_theme(self, dark: bool | None = None) -> None:
        """Light or dark charts; ``None`` follows the system colour scheme."""
        if dark is None:
            scheme = QGuiApplication.styleHints().colorScheme()
            if scheme == Qt.ColorScheme.Unknown:
                dark = self.palette().color(QPalette.ColorRole.Window).lightness() < 128
            else:
                dark = scheme == Qt.ColorScheme.Dark
        self.theme = DARK if dark else LIGHT
        self.graphics.apply_theme(self.theme)
        self.top_table.set_default_colour(self.theme.roles["in"])
        self._update_tables()

    # --- sampling (1 Hz, visible or not) ---------------------------------------------

    def sample(self, now: float | None = None) -> None:
        """Record what the rates keep no history of, and refresh the tables."""
        second = int(self.clock() if now is None else now)
        rates = self._bridge.rates
        hidden = (self._bridge.admin_namespace,)
        self.sampler.sample(rates, self._bridge.topology, second, hidden)
        self._show_sampled()

    def _show_sampled(self) -> None:
        self.controls.add_servers(self._bridge.rates.servers())
        if not self.paused:
            self._update_tables()

    # --- redrawing (timer, only while visible) ---------------------------------------

    def redraw(self, now: float | None = None, force: bool = False) -> bool:
        """Re-read the rates and update every curve if what is shown would change.

        ``now`` pins the last second shown (tests, and the benchmark) and
        re-reads everything, as ``force`` does; otherwise the last second is
        the live edge and most calls only compare keys. Returns whether the
        curves were updated; every chart is, before this returns.
        """
        frame = self._read(now, force)
        if frame is None:
            return False
        for key in self.plots:
            self._show_plot(key, frame)
        return True

    def _tick(self) -> None:
        """The redraw timer: read what changed now, show it one chart per slice of the loop."""
        if self._unshown:
            return  # the last frame is still being shown
        frame = self._read(None, False)
        if frame is not None:
            self._frame, self._unshown = frame, list(self.plots)
            self.stagger_timer.start()

    def _show_next(self) -> None:
        if self._frame is None or not self._unshown:
            return
        self._show_plot(self._unshown.pop(0), self._frame)
        if self._unshown:
            self.stagger_timer.start()
        else:
            self._frame = None

    def _drop_unshown(self) -> None:
        self.stagger_timer.stop()
        self._frame, self._unshown = None, []

    def _read(self, now: float | None, force: bool) -> _Frame | None:
        """Everything a redraw shows, or ``None`` when it would show what is shown."""
        rates, topology = self._bridge.rates, self._bridge.topology
        if self.paused:
            end = self._frozen_end if self._frozen_end is not None else self._shown_end()
        elif now is not None:
            end, force = int(now), True
        else:
            end = live_end(rates.newest, self.clock())
        production = topology.is_production is True
        reasons = reason_plan(rates, self.server, self.window, not production)
        # One namespace's curves would only repeat the totals.
        busy = self.sampler.busy_namespaces
        namespaces = busy if len(busy) > 1 else []
        gauge_namespaces = self.sampler.namespaces_of(self.server)
        view_key = (
            end,
            self.window,
            self.server,
            production,
            tuple(namespaces),
            tuple(gauge_namespaces),
            tuple(self.picked.items()),
            reasons,
        )
        fresh_key = (
            self._bridge.applied_events,
            self.sampler.version,
            *(overlay.version for overlay in self.overlays),
        )
        unchanged = view_key == self._view_key and (
            self.paused
            or fresh_key == self._fresh_key
            or time.monotonic() - self._drawn_at < LATE_DATA_SECONDS
        )
        if unchanged and not force:
            return None
        self._drop_unshown()  # this frame replaces one still being shown
        self._view_key, self._fresh_key, self._drawn_at = view_key, fresh_key, time.monotonic()
        self.redraws += 1

        plan = rate_plan(production, self.server, namespaces, self.picked)
        plan[REASONS] = reasons.specs(self.server)
        plan[CLIENTS] = gauge_plan(self.server, gauge_namespaces)
        self._reasons = reasons
        if force:
            self.reader.invalidate()
        data = self.reader.read(
            rates,
            self.sampler.gauges,
            [spec for specs in plan.values() for spec in specs],
            end,
            self.window,
            time.monotonic(),
        )
        merge_overlays(self.overlays, plan, data, end, self.window)
        server = self.server if reasons.metric == RAW else None
        self.reasons_table.set_rows(
            rates.disconnection_reasons(self.window, server, reasons.metric)
        )
        self._last_end = end
        self._show_status()
        return _Frame(plan, data, end, production, reasons)

    def _show_plot(self, key: str, frame: _Frame) -> None:
        """One chart's curves, title, time range and value range for ``frame``."""
        plot = self.plots[key]
        plot.set_series(frame.plan[key], frame.data)
        if key == REASONS:
            plot.set_note(frame.reasons.note, frame.reasons.detail)
        title = self._title(key, frame.production)
        if title != plot.title:
            plot.set_title(title)
        if self.following:
            self.graphics.set_x_range(frame.end - self.window + 1, frame.end, [plot])
        plot.fit_y()
        if plot.readout_visible():
            plot.show_readout(plot.crosshair.value())

    def _title(self, key: str, production: bool) -> str:
        suffix = f" · server {self.server}" if self.server else ""
        if key == EVENTS:
            title = PRODUCTION_TITLE + suffix if production else TITLES[EVENTS]
            if self.server and not production:
                title += " · all servers (events carry no server id)"
            return title
        if key == REASONS and self._reasons is not None:
            return self._reasons.title
        return TITLES[key] + suffix

    # --- state -----------------------------------------------------------------------

    def _shown_end(self) -> int:
        if self._last_end is not None:
            return self._last_end
        return live_end(self._bridge.rates.newest, self.clock())

    def _batch_applied(self, changes: ChangeSet) -> None:
        if changes.replaced:
            self._forget_server()

    def _forget_server(self) -> None:
        """A new connection brings new rates: the old samples belong to another server."""
        self.sampler.clear()
        self.picked.clear()
        self.server = None
        self.controls.clear_servers()
        self._view_key = None
        self._drop_unshown()
        self.reader.invalidate()

    def _update_tables(self) -> None:
        picked = {name: self.theme.colour(f"name{slot}") for name, slot in self.picked.items()}
        rows, second = self.sampler.top_rows, self.sampler.second
        rates = self._bridge.rates
        lines = (
            sparks(rates.name_history, [row[0] for row in rows], live_end(rates.newest, second))
            if second is not None
            else [[] for _ in rows]
        )
        self.top_table.set_rows(rows, lines, picked)

    def _show_status(self) -> None:
        self.controls.set_following(self.following, self.paused)
        if self.paused:
            end = self._frozen_end
            at = time_of_day(end) if end is not None else "now"
            text = f"Paused at {at}; data keeps arriving. Resume jumps to now."
        elif not self.following:
            text = "Zoomed or panned: press Follow to get back to live data."
        else:
            text = "Following live data."
        self.controls.set_status(text)

    def _pause_toggled(self, paused: bool) -> None:
        if paused:
            self.pause()
        else:
            self.resume()

    def _moved_by_user(self, *_: object) -> None:
        if self.following:
            self.following = False
            self._show_status()

    def _scheme_changed(self, scheme: Qt.ColorScheme) -> None:
        self.apply_theme(
            None if scheme == Qt.ColorScheme.Unknown else scheme == Qt.ColorScheme.Dark
        )

    # --- visibility ------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.redraw_timer.start()
        self.redraw(force=True)

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.redraw_timer.stop()
        self._drop_unshown()
