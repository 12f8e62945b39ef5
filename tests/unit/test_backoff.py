"""The reconnect back-off: doubling waits, capped, jittered within known bounds."""

from __future__ import annotations

import random

import pytest

from sio_monitor.net.admin import Backoff


def test_waits_double_from_the_first_up_to_the_cap() -> None:
    backoff = Backoff(first=0.5, cap=30.0, jitter=0.5, rng=lambda: 0.0)
    assert [backoff.delay(n) for n in range(1, 9)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    assert backoff.delay(10_000) == 30.0  # no overflow after a night of retries


def test_jitter_only_shortens_a_wait_and_by_at_most_its_share() -> None:
    rng = random.Random(5)
    backoff = Backoff(first=1.0, cap=8.0, jitter=0.5, rng=rng.random)
    delays = [backoff.delay(4) for _ in range(500)]
    assert all(4.0 <= d <= 8.0 for d in delays)
    assert max(delays) - min(delays) > 3.0, "the waits are spread, not all alike"
    assert Backoff(jitter=0.5, rng=lambda: 1.0).delay(1) == pytest.approx(0.25)


@pytest.mark.parametrize(
    ("first", "cap", "jitter"), [(0.0, 1.0, 0.1), (2.0, 1.0, 0.1), (1.0, 2.0, 1.0)]
)
def test_nonsense_settings_are_refused_in_a_sentence(
    first: float, cap: float, jitter: float
) -> None:
    with pytest.raises(ValueError, match="Backoff wants"):
        Backoff(first=first, cap=cap, jitter=jitter)
