"""What a run came to: a verdict per step with its time, and for a failure, expected against actual.

One shape for every front end: the terminal prints it a line per step, the
JUnit writer turns it into test cases, the window's timeline shows it, and
``--json`` prints it as it is (``as_json``).
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from typing import Any

from sio_monitor.domain.scenario.matching import show


class Verdict(enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"  # the check could not be made: unreachable, stopped
    SKIPPED = "skipped"


@dataclass(slots=True)
class StepResult:
    """One step's outcome; ``diff_path`` is the first path where actual differs from expected."""

    number: int
    label: str
    line: int
    verdict: Verdict = Verdict.PASSED
    duration: float = 0.0
    message: str = ""
    expected: Any = None
    actual: Any = None
    diff_path: str | None = None
    has_diff: bool = False

    @property
    def passed(self) -> bool:
        return self.verdict is Verdict.PASSED

    def diff(self) -> str:
        """Expected against actual, as plain text lines (empty when there is nothing to compare)."""
        if not self.has_diff:
            return ""
        lines = []
        if self.diff_path is not None:
            lines.append(f"first difference at: {self.diff_path or '(the whole value)'}")
        lines.append(f"expected: {show(self.expected, 400)}")
        lines.append(f"actual:   {show(self.actual, 400)}")
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "step": self.label,
            "line": self.line,
            "verdict": self.verdict.value,
            "durationMs": round(self.duration * 1000.0, 3),
            "message": self.message,
            "diffPath": self.diff_path,
            "expected": _plain(self.expected) if self.has_diff else None,
            "actual": _plain(self.actual) if self.has_diff else None,
        }


@dataclass(slots=True)
class ScenarioResult:
    name: str
    source: str
    target: str
    steps: list[StepResult] = field(default_factory=list)
    duration: float = 0.0
    unreachable: bool = False
    stopped: bool = False
    message: str = ""  # why the scenario ended early, if it did

    @property
    def verdict(self) -> Verdict:
        if self.unreachable or self.stopped:
            return Verdict.ERROR
        if any(s.verdict in (Verdict.FAILED, Verdict.ERROR) for s in self.steps):
            return Verdict.FAILED
        return Verdict.PASSED

    @property
    def passed(self) -> bool:
        return self.verdict is Verdict.PASSED

    def failures(self) -> list[StepResult]:
        return [s for s in self.steps if s.verdict in (Verdict.FAILED, Verdict.ERROR)]

    def failure_text(self) -> str:
        """Every failed step with its diff: the body of a JUnit failure."""
        parts = []
        for step in self.failures():
            parts.append(f"step {step.number} (line {step.line}) {step.label}: {step.message}")
            if step.diff():
                parts.append(step.diff())
        if self.message and not parts:
            parts.append(self.message)
        return "\n".join(parts)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "file": self.source,
            "target": self.target,
            "verdict": self.verdict.value,
            "durationMs": round(self.duration * 1000.0, 3),
            "unreachable": self.unreachable,
            "message": self.message,
            "steps": [s.as_json() for s in self.steps],
        }


def _plain(value: Any) -> Any:
    """A JSON-safe copy: binary as {"$binary": size}, the rest as JSON knows it."""
    return json.loads(json.dumps(value, default=lambda v: {"$binary": len(bytes(v))}))
