"""Series from outside the admin stream drawn over the throughput charts, on their time axis.

A load run's figures (virtual users, emits and acks per second, errors) go
onto the charts that show the server's own figures of the same kind, so cause
and effect share one screen and one clock. The charts ask each overlay for
its series at every redraw, and redraw when an overlay's ``version`` moves.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from sio_monitor.domain.throughput.chart_series import SeriesSpec

#: Per chart key: the overlay's curves (spec, seconds, values).
OverlaySeries = dict[str, list[tuple[SeriesSpec, np.ndarray, np.ndarray]]]


class ChartOverlay(Protocol):
    @property
    def version(self) -> int:
        """Grows whenever the series would change."""
        ...

    def series(self, end: int, window: int) -> OverlaySeries:
        """The curves for the ``window`` seconds ending at ``end`` (epoch seconds)."""
        ...


def merge_overlays(
    overlays: list[ChartOverlay],
    plan: dict[str, list[SeriesSpec]],
    data: dict[str, tuple[np.ndarray, np.ndarray]],
    end: int,
    window: int,
) -> None:
    """Add every overlay's curves to the charts' plan and data, in place."""
    for overlay in overlays:
        for key, curves in overlay.series(end, window).items():
            if key not in plan:
                continue
            plan[key] = [*plan[key], *(spec for spec, _, _ in curves)]
            for spec, xs, ys in curves:
                data[spec.key] = (xs, ys)
