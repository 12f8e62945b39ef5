"""The storage under every rate series: per-second sums over a fixed span of seconds."""

from __future__ import annotations

from array import array


class Ring:
    """Per-second sums over the last ``size`` seconds, in two flat arrays.

    Each slot remembers which second it holds, so a slot left over from an
    earlier lap reads as zero without any sweeping when the clock moves on.
    """

    __slots__ = ("_seconds", "_size", "_values")

    def __init__(self, size: int) -> None:
        self._size = size
        self._values = array("d", bytes(8 * size))
        self._seconds = array("q", [-1]) * size

    def add(self, second: int, value: float) -> None:
        slot = second % self._size
        if self._seconds[slot] != second:
            self._seconds[slot] = second
            self._values[slot] = value
        else:
            self._values[slot] += value

    def get(self, second: int) -> float:
        slot = second % self._size
        return self._values[slot] if self._seconds[slot] == second else 0.0

    def total(self, first: int, last: int) -> float:
        """Sum over ``first..last`` inclusive (clipped to the ring)."""
        first = max(first, last - self._size + 1)
        get = self.get
        return sum(get(second) for second in range(first, last + 1))
