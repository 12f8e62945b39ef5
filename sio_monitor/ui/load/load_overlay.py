"""A load run's figures as curves over the Throughput charts (same seconds, same clock).

Virtual users go on the clients chart, emits and acks per second on the
events chart (beside the events the server counts), errors per second on the
connections chart. The figures are stamped with this computer's clock when
the Locust child writes them, the clock the charts' time axis uses too.
"""

from __future__ import annotations

import numpy as np

from sio_monitor.domain.throughput.chart_series import CLIENTS, CONNECTIONS, EVENTS, SeriesSpec
from sio_monitor.qt.load_session import LoadSession
from sio_monitor.ui.charts.overlays import OverlaySeries

EMITS = SeriesSpec("load:emits", "load: emits/s", "name3", source="load")
ACKS = SeriesSpec("load:acks", "load: acks/s", "name1", source="load")
USERS = SeriesSpec("load:users", "load: virtual users", "name3", source="load")
ERRORS = SeriesSpec("load:errors", "load: errors/s", "name0", source="load")


class LoadOverlay:
    """A ``ChartOverlay`` reading a ``LoadSession``'s figures."""

    def __init__(self, session: LoadSession) -> None:
        self.session = session
        self.shown = True
        self._toggles = 0

    @property
    def version(self) -> int:
        return self.session.figures.version * 2 + self._toggles

    def set_shown(self, shown: bool) -> None:
        if shown != self.shown:
            self.shown = shown
            self._toggles += 1

    def series(self, end: int, window: int) -> OverlaySeries:
        if not self.shown:
            return {}
        points = self.session.figures.series(end - window + 1, end)
        if not points:
            return {}
        xs = np.array([p.second for p in points], dtype=float)
        emits = np.array([p.emits for p in points], dtype=float)
        acks = np.array([p.acks for p in points], dtype=float)
        plan = self.session.plan
        events: list[tuple[SeriesSpec, np.ndarray, np.ndarray]] = []
        if plan is not None and plan.event is not None:
            events.append((EMITS, xs, emits))
            if plan.ack:
                events.append((ACKS, xs, acks))
        return {
            EVENTS: events,
            CLIENTS: [(USERS, xs, np.array([p.users for p in points], dtype=float))],
            CONNECTIONS: [(ERRORS, xs, np.array([p.errors for p in points], dtype=float))],
        }
