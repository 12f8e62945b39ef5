"""The time of day as every view, table and terminal line shows it.

One rendering of a wall-clock moment in local time, so that the same event
reads the same in the event log, the emit log, the socket table, the charts,
the replay bar and ``record``'s progress lines, and a row copied from one can
be found in another.
"""

from __future__ import annotations

import time


def time_of_day(epoch: float, millis: bool = False) -> str:
    """``14:03:07``, or ``14:03:07.042`` with ``millis``: local time of a Unix time in seconds.

    The second is the one the moment falls in (never rounded up), and the
    milliseconds are cut, not rounded, so a time never reads later than it was.
    """
    clock = time.strftime("%H:%M:%S", time.localtime(epoch))
    return f"{clock}.{int(epoch * 1000) % 1000:03d}" if millis else clock
