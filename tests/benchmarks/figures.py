"""Headline figures that each benchmark hands to the suite's table.

Every benchmark prints its own details; the few figures that answer "is the
app fast enough" also go, one JSON object per line, to the file named by
``SIO_BENCH_FIGURES`` when the suite (``python -m tests.benchmarks``) runs it,
so that one table can show them all side by side. Run alone, a benchmark
records nothing.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

ENV = "SIO_BENCH_FIGURES"


@dataclass(frozen=True)
class Figure:
    """One measured figure, its baseline from the same run, and the target it answers."""

    name: str
    value: float
    unit: str
    baseline: float  # the same quantity for the baseline; the ratio is value / baseline
    baseline_name: str
    target: str = ""  # as the reader sees it, e.g. ">= 0.8" (of the ratio) or "<= 50 ms"
    met: bool | None = None  # None: no target
    ratio_shown: bool = True  # False where the baseline is near zero (growth per minute)

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("nan")


def percentile(values: list[float], fraction: float) -> float:
    """The value below which ``fraction`` of ``values`` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def record(*figures: Figure) -> None:
    """Append ``figures`` to the suite's file, when the suite is listening."""
    target = os.environ.get(ENV)
    if not target:
        return
    with Path(target).open("a", encoding="utf-8") as out:
        for figure in figures:
            out.write(json.dumps(asdict(figure)) + "\n")


def read(path: Path) -> list[Figure]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as lines:
        return [Figure(**json.loads(line)) for line in lines if line.strip()]


def table(figures: list[Figure]) -> str:
    """The figures as a Markdown table, the form the README's Performance section quotes."""
    rows = [
        "| Figure | Measured | Baseline (same run) | Ratio | Target | Met |",
        "|---|---|---|---|---|---|",
    ]
    for f in figures:
        met = "" if f.met is None else ("yes" if f.met else "**no**")
        rows.append(
            f"| {f.name} | {_amount(f.value, f.unit)} | {f.baseline_name}: "
            f"{_amount(f.baseline, f.unit)} | {f'{f.ratio:.2f}' if f.ratio_shown else '-'} |"
            f" {f.target} | {met} |"
        )
    return "\n".join(rows)


def _amount(value: float, unit: str) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f} {unit}"
    if abs(value) >= 10:
        return f"{value:.1f} {unit}"
    return f"{value:.2f} {unit}"
