"""Reads the charted series out of the rates and the sampled gauges into arrays, incrementally.

At the one-hour window a full re-read is 3,600 look-ups per curve, and the
live edge moves every second. Per-second data only changes near that edge,
so between full re-reads the reader shifts the arrays it already holds and
re-reads the newest seconds plus a tail (stats arrive every couple of
seconds, a second can be split across two messages). A full re-read every
``FULL_EVERY`` seconds catches anything later than that. Qt-free: numpy only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sio_monitor.domain.throughput.chart_series import GaugeHistory, SeriesSpec
from sio_monitor.domain.throughput.name_history import NameHistory
from sio_monitor.domain.throughput.rates import SERVER_METRICS, Rates

#: Seconds before the live edge re-read on every redraw.
TAIL_SECONDS = 10
#: Seconds of wall time between full re-reads (late stats, a server clock that jumped).
FULL_EVERY = 15.0

Arrays = tuple[np.ndarray, np.ndarray]


@dataclass(slots=True)
class _Held:
    end: int
    span: int
    values: np.ndarray


class SeriesReader:
    """Turns series specs into ``(seconds, values)`` arrays, reusing what the last read got.

    The arrays handed out are new on every read, never changed in place:
    pyqtgraph keeps references to the data it was given.
    """

    def __init__(self) -> None:
        self._held: dict[str, _Held] = {}
        self._full_at = -math.inf
        self.full_reads = 0  # for tests and the benchmark

    def invalidate(self) -> None:
        """The next read re-reads everything (explicit redraws, a new connection)."""
        self._held.clear()
        self._full_at = -math.inf

    def read(
        self,
        rates: Rates,
        gauges: GaugeHistory,
        specs: list[SeriesSpec],
        end: int,
        span: int,
        clock: float,
    ) -> dict[str, Arrays]:
        """Arrays for ``specs`` over the ``span`` seconds ending at ``end``.

        ``clock`` is a monotonic time in seconds, deciding when a full re-read is due.
        """
        if clock - self._full_at >= FULL_EVERY:
            self._held.clear()
            self._full_at = clock
            self.full_reads += 1
        out: dict[str, Arrays] = {}
        for spec in specs:
            if spec.source == "rates":
                out[spec.key] = self._rate_arrays(rates, spec, end, span)
            elif spec.source == "names":
                out[spec.key] = name_arrays(rates.name_history, str(spec.gauge), end, span)
            else:
                out[spec.key] = gauge_arrays(gauges, spec.gauge, end, span)
        for key in [k for k in self._held if k not in out]:
            del self._held[key]
        return out

    def _rate_arrays(self, rates: Rates, spec: SeriesSpec, end: int, span: int) -> Arrays:
        span = min(span, rates.window)
        held = self._held.get(spec.key)
        moved = end - held.end if held is not None else -1
        if held is not None and held.span == span and 0 <= moved < span - TAIL_SECONDS:
            fresh = moved + TAIL_SECONDS
            points = rates.series(
                spec.metric, spec.server, spec.namespace, fresh, end, reason=spec.reason
            )
            values = np.empty(span)
            values[: span - moved] = held.values[moved:]
            values[span - fresh :] = [value for _, value in points]
        else:
            points = rates.series(
                spec.metric, spec.server, spec.namespace, span, end, reason=spec.reason
            )
            values = np.array([value for _, value in points], dtype=float)
        self._held[spec.key] = _Held(end, span, values)
        seconds = np.arange(end - span + 1, end + 1, dtype=float)
        stats = spec.metric in SERVER_METRICS
        reported = rates.stats_complete_until(spec.server) if stats else None
        if reported is not None and reported < end:
            keep = max(0, span - (end - reported))  # unreported seconds are not zeros
            return seconds[:keep], values[:keep]
        return seconds, values


def gauge_arrays(history: GaugeHistory, key: object, end: int, span: int) -> Arrays:
    """A sampled series as arrays, from its first sample inside the span.

    A second without a sample holds the previous value, as ``GaugeHistory.series``
    does, here vectorised: an hour of a gauge is read on every live redraw.
    """
    raw = history.raw(key, end, span)
    if raw is None:
        return _EMPTY, _EMPTY
    sampled = np.frombuffer(raw[0], dtype=np.int64)
    values = np.frombuffer(raw[1], dtype=np.float64)
    seconds = np.arange(end - len(sampled) + 1, end + 1, dtype=np.int64)
    index = np.where(sampled == seconds, np.arange(len(seconds)), -1)
    np.maximum.accumulate(index, out=index)
    known = index >= 0
    return seconds[known].astype(float), values[index[known]]


def name_arrays(history: NameHistory, name: str, end: int, span: int) -> Arrays:
    """An event name's events per second, in and out summed, from its first exact second."""
    series = history.series(name, end, span)
    if series is None or not len(series):
        return _EMPTY, _EMPTY
    values = np.frombuffer(series.received, dtype=np.uint32).astype(float)
    values += np.frombuffer(series.sent, dtype=np.uint32)
    seconds = np.arange(series.first, series.first + len(values), dtype=float)
    return seconds, values


_EMPTY = np.zeros(0)
