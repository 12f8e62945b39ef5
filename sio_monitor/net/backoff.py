"""The waits between reconnect attempts: doubling up to a cap, each shortened at random.

Many monitors cut off by one deploy must not all knock at once, and a dead
server must not be hammered: the jitter only ever shortens a wait, by at most
its ``jitter`` share, so a countdown never overshoots what was announced.
"""

from __future__ import annotations

import random
from collections.abc import Callable

#: Reconnection: the first wait, the longest wait, and the random share of each wait.
RECONNECT_FIRST = 0.5
RECONNECT_CAP = 30.0
RECONNECT_JITTER = 0.5


class Backoff:
    """Waits between reconnect attempts: ``first`` doubled per attempt up to ``cap``, jittered.

    Attempt ``n`` (from 1) waits ``min(cap, first * 2**(n-1))`` less a random
    part of up to ``jitter`` of it: never longer than the nominal wait, so a
    countdown never overshoots what was promised, and never shorter than
    ``1 - jitter`` of it, so a dead server is not hammered.
    """

    def __init__(
        self,
        first: float = RECONNECT_FIRST,
        cap: float = RECONNECT_CAP,
        jitter: float = RECONNECT_JITTER,
        rng: Callable[[], float] = random.random,
    ) -> None:
        if not (0 < first <= cap) or not (0 <= jitter < 1):
            raise ValueError("Backoff wants 0 < first <= cap and 0 <= jitter < 1.")
        self.first = first
        self.cap = cap
        self.jitter = jitter
        self._rng = rng

    def nominal(self, attempt: int) -> float:
        return min(self.cap, self.first * 2.0 ** min(max(attempt - 1, 0), 64))

    def delay(self, attempt: int) -> float:
        nominal = self.nominal(attempt)
        return nominal * (1.0 - self.jitter * self._rng())
