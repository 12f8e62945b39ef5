"""The time of day every view shows: local time, to the second or the millisecond."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from sio_monitor.domain.clock_format import time_of_day

#: 2026-12-05 14:03:07.042 UTC
AT = datetime(2026, 12, 5, 14, 3, 7, 42_000, tzinfo=UTC).timestamp()


@pytest.fixture
def zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Sets the process's local time zone (a POSIX TZ string), restored afterwards."""

    def use(tz: str) -> None:
        monkeypatch.setenv("TZ", tz)
        time.tzset()

    yield use
    monkeypatch.undo()
    time.tzset()


def test_the_time_of_day_to_the_second_or_the_millisecond(zone: Callable[[str], None]) -> None:
    zone("UTC0")
    assert time_of_day(AT) == "14:03:07"
    assert time_of_day(AT, millis=True) == "14:03:07.042"


def test_it_is_local_time(zone: Callable[[str], None]) -> None:
    zone("CET-2")  # two hours east of UTC
    assert time_of_day(AT) == "16:03:07"
    assert time_of_day(AT, millis=True) == "16:03:07.042"


def test_a_moment_never_reads_later_than_it_was(zone: Callable[[str], None]) -> None:
    zone("UTC0")
    just_before = datetime(2026, 12, 5, 23, 59, 59, tzinfo=UTC).timestamp() + 0.9996
    assert time_of_day(just_before) == "23:59:59"
    assert time_of_day(just_before, millis=True) == "23:59:59.999"


def test_the_same_strings_as_the_hand_made_ones_it_replaces(zone: Callable[[str], None]) -> None:
    zone("CET-1")
    for epoch in (AT, AT + 0.5, AT + 3600.25, 0.0, 1_700_000_000.999):
        assert time_of_day(epoch) == datetime.fromtimestamp(epoch).strftime("%H:%M:%S")
        assert time_of_day(epoch) == time.strftime("%H:%M:%S", time.localtime(epoch))
        millis = (
            time.strftime("%H:%M:%S", time.localtime(epoch)) + f".{int(epoch * 1000) % 1000:03d}"
        )
        assert time_of_day(epoch, millis=True) == millis
