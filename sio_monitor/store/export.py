"""Export of the charted series to CSV: one row per series and second, in long format.

Long format because the series of one export need not share their seconds
(sampled gauges start when sampling began, a picked event name when it was
picked) and because spreadsheets and pandas pivot it in one step. Names come
from the network, so text cells that a spreadsheet would run as a formula are
defused with a leading apostrophe.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

HEADER = ("chart", "series", "unit", "timestamp", "time_utc", "value")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class ExportSeries:
    """One curve as shown: its chart, its label, its unit and ``(epoch second, value)`` points."""

    chart: str
    series: str
    unit: str
    points: Sequence[tuple[float, float]]


def safe_text(text: str) -> str:
    """Prefix text a spreadsheet would evaluate (``=HYPERLINK(...)`` as an event name)."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(float(value))


def write_series_csv(path: str | os.PathLike[str], series: Iterable[ExportSeries]) -> int:
    """Write the series to ``path`` and return the number of data rows.

    The file is written next to its destination and moved into place, so an
    export interrupted half-way never leaves a truncated CSV behind.
    """
    target = Path(path)
    rows = 0
    handle, temporary = tempfile.mkstemp(prefix=".export-", suffix=".csv", dir=target.parent)
    try:
        with os.fdopen(handle, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(HEADER)
            for one in series:
                chart, name, unit = safe_text(one.chart), safe_text(one.series), safe_text(one.unit)
                for second, value in one.points:
                    stamp = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                    writer.writerow((chart, name, unit, _number(second), stamp, _number(value)))
                    rows += 1
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return rows
