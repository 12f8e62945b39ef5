"""Per-name history: exact per-second counts, the window, and the bound on names held."""

from __future__ import annotations

import tracemalloc

import pytest

from sio_monitor.domain.throughput.name_history import (
    GROW_ROWS,
    REMEMBERED_PER_ROW,
    NameHistory,
)

T0 = 1_795_311_600


def counts(
    history: NameHistory, name: str, end: int, span: int
) -> tuple[int, list[int], list[int]]:
    series = history.series(name, end, span)
    assert series is not None, f"{name} is not held"
    return series.first, series.received.tolist(), series.sent.tolist()


def test_counts_in_and_out_per_second_with_silent_seconds_as_zeros() -> None:
    history = NameHistory(window=60)
    for k in range(5):
        history.add("move", T0 + k, received=True, count=k + 1)
    history.add("move", T0 + 2, received=False, count=7)
    history.add("move", T0 + 2, received=False)
    assert counts(history, "move", T0 + 6, 60) == (T0, [1, 2, 3, 4, 5, 0, 0], [0, 0, 8, 0, 0, 0, 0])
    assert counts(history, "move", T0 + 3, 2) == (T0 + 2, [3, 4], [8, 0])
    assert history.series("unknown", T0, 60) is None


def test_the_window_is_bounded_and_late_events_inside_it_count() -> None:
    history = NameHistory(window=10)
    for second in range(T0, T0 + 25):
        history.add("tick", second, received=True)
    first, received, _ = counts(history, "tick", T0 + 24, 3600)
    assert first == T0 + 15 and received == [1] * 10
    history.add("tick", T0 + 20, received=True)  # late, still inside
    history.add("tick", T0 + 14, received=True)  # out of the window
    assert counts(history, "tick", T0 + 24, 10)[1] == [1] * 5 + [2] + [1] * 4
    assert history.dropped == 1


def test_a_jump_past_the_whole_window_clears_every_row() -> None:
    history = NameHistory(window=10)
    history.add("a", T0, received=True, count=3)
    history.add("b", T0 + 500, received=False)
    assert counts(history, "a", T0 + 500, 10) == (T0 + 491, [0] * 10, [0] * 10)
    assert counts(history, "b", T0 + 500, 2)[2] == [0, 1]


def test_a_name_first_seen_late_reads_zeros_back_to_the_first_second_counted() -> None:
    history = NameHistory(window=60)
    history.add("early", T0, received=True)
    history.add("late", T0 + 30, received=True, count=4)
    first, received, _ = counts(history, "late", T0 + 30, 60)
    assert first == T0 and received == [0] * 30 + [4]


def test_churn_of_one_off_names_never_evicts_the_busy_ones() -> None:
    """5,000 distinct one-off names through 16 rows, three names busy every second."""
    history = NameHistory(window=120, capacity=16)
    busy = {"chat:message": 5, "typing": 3, "presence": 1}
    names = iter(f"user:{n}:update" for n in range(5_000))
    for second in range(T0, T0 + 100):
        for name, rate in busy.items():
            history.add(name, second, received=True, count=rate)
            history.add(name, second, received=False, count=2 * rate)
        for _ in range(50):
            history.add(next(names), second, received=True)
    assert len(history) == 16 and history.evictions == 5_000 - 13
    for name, rate in busy.items():
        first, received, sent = counts(history, name, T0 + 99, 120)
        assert first == T0 and received == [rate] * 100 and sent == [2 * rate] * 100
    assert history.nbytes == (2 * 16 + 1) * 120 * 4  # the bound: rows x window x 2 x 4 bytes


def test_an_evicted_name_is_exact_again_from_the_second_after_its_eviction() -> None:
    history = NameHistory(window=60, capacity=2)
    history.add("busy", T0, received=True, count=9)
    history.add("gone", T0, received=True)
    history.add("new", T0 + 5, received=True)  # evicts "gone", the colder
    assert "gone" not in history and history.held_since("new") == T0
    history.add("busy", T0 + 6, received=True, count=9)
    history.add("gone", T0 + 8, received=True, count=2)  # back: evicts "new"
    assert counts(history, "gone", T0 + 8, 60) == (T0 + 6, [0, 0, 2], [0, 0, 0])


def test_a_new_name_in_a_reused_row_reads_none_of_the_old_counts() -> None:
    history = NameHistory(window=60, capacity=2)
    for second in range(T0, T0 + 10):
        history.add("spread", second, received=second % 2 == 0, count=3)
    history.add("burst", T0 + 9, received=True, count=50)
    history.add("brand new", T0 + 11, received=False)  # takes the row of "spread"
    assert "spread" not in history
    assert counts(history, "brand new", T0 + 11, 60) == (T0, [0] * 12, [0] * 11 + [1])


def test_only_a_bounded_number_of_evicted_names_is_remembered() -> None:
    history = NameHistory(window=600, capacity=1)
    for k in range(REMEMBERED_PER_ROW + 3):
        history.add(f"n{k}", T0 + k, received=True)
    assert len(history._evicted) == REMEMBERED_PER_ROW
    assert history._forgotten == T0 + 2  # n1 was evicted then, the latest forgotten
    # n0 comes back, evicting n6 and so forgetting n2's eviction (T0 + 3) too: n0 is
    # unknown by now, so it is taken as exact only after the latest eviction forgotten
    history.add("n0", T0 + 20, received=True)
    assert history.held_since("n0") == T0 + 4


def test_rows_are_allocated_as_names_arrive() -> None:
    history = NameHistory(window=3600, capacity=256)
    for k in range(3):
        history.add(f"name{k}", T0, received=True)
    assert history.nbytes == (2 * GROW_ROWS + 1) * 3600 * 4


def test_memory_stays_bounded_with_thousands_of_names() -> None:
    history = NameHistory(window=3600, capacity=64)
    tracemalloc.start()
    try:
        for k in range(5_000):
            history.add(f"event:{k}", T0 + k // 50, received=k % 2 == 0)
        held, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    bound = (2 * 64 + 1) * 3600 * 4
    assert history.nbytes == bound and len(history) == 64
    assert held < bound * 1.2  # the arrays, plus names and bookkeeping for 64 rows


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="must be positive"):
        NameHistory(window=0)
