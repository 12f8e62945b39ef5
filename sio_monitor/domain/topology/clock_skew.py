"""Server clocks that disagree with this computer's: how far off, and what to say about it.

Admin events carry the server's own time. A server whose clock is hours off
would put its events hours away from everything else: charts would drop them
as out of the window, the log would sort them into the wrong hour, a socket
would look connected in the future. So a time further than ``TOLERANCE`` from
the moment it was received is replaced by the receive time, one event at a
time (the admin client does that, before anyone sees the event), and the
offset is measured so that a view can say so.

Two measures exist because only ``server_stats`` names its server:

- ``StreamClock``: per-socket events (``socket_connected``, ``event_sent``...)
  name no server. An event's delay only ever makes it look older, so the
  largest offset of a few seconds' events is the closest to the truth.
- ``ServerClock``: a stats message's newest one-second bucket started before
  the message was sent, and at most about one stats interval before: that
  brackets the server's offset. A bracket that leaves out the offset in use
  moves it; a move of less than a long gap backwards must be seen twice,
  since one idle server's old bucket looks just like it. Bucket times are
  shifted by whole seconds, so a bucket split across two messages lands in
  one second either way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from sio_monitor.domain.events import (
    AggregatedBucket,
    ClockSkewMeasured,
    ServerStatsReceived,
    SocketConnected,
)
from sio_monitor.domain.format import format_duration

#: Seconds of disagreement put down to delays rather than to a clock (python flushes
#: room events up to a stats interval late); beyond it the receive time is used.
TOLERANCE = 5.0
#: Seconds over which the stream's offsets are gathered before the estimate is revised.
WINDOW = 5.0
#: Offsets within one window further apart than this come from different clocks
#: (a cluster whose nodes disagree): no single estimate is revised from them.
SPREAD = 10.0
#: The gap between two stats messages assumed before a second one has arrived.
DEFAULT_GAP = 2.0
MAX_GAP = 120.0
_set = object.__setattr__
CLOCKS_AGREE = "The server clocks agree with this computer's again."


def in_step(offset: float) -> bool:
    return -TOLERANCE <= offset <= TOLERANCE


class StreamClock:
    """The offset of the per-socket event stream, revised once per window.

    ``observe`` is only called for an event out of tolerance, or for any
    stamped event while an offset is held: in-step streams cost nothing here.
    """

    __slots__ = ("_count_in", "_count_out", "_ends", "_high", "_low", "held")

    def __init__(self) -> None:
        self.held: float | None = None  # the offset announced; None while in step
        self._ends = 0.0
        self._high = -math.inf  # the window's offsets out of step: highest and lowest
        self._low = math.inf
        self._count_in = 0
        self._count_out = 0

    def observe(self, offset: float, now: float) -> float | None:
        """Take one event's offset; return an offset to announce (0.0: in step again).

        Called for every event while a clock is off, so the usual path is a
        few comparisons and no call.
        """
        if self.held is None:
            if -TOLERANCE <= offset <= TOLERANCE:
                return None
            self.held = offset  # announced at once: later events get corrected by it
            self._restart(now)
            return offset
        if -TOLERANCE <= offset <= TOLERANCE:
            self._count_in += 1
        else:
            self._count_out += 1
            if offset > self._high:
                self._high = offset
            if offset < self._low:
                self._low = offset
        if now < self._ends:
            return None
        return self._revise(now)

    def _revise(self, now: float) -> float | None:
        announce: float | None = None
        if self._count_out == 0 and self._count_in:
            self.held, announce = None, 0.0
        elif (
            not self._count_in
            and self._high - self._low <= SPREAD
            and abs(self._high - (self.held or 0.0)) > TOLERANCE
        ):
            self.held = announce = self._high
        self._restart(now)
        return announce

    def _restart(self, now: float) -> None:
        self._ends = now + WINDOW
        self._high, self._low = -math.inf, math.inf
        self._count_in = self._count_out = 0


@dataclass(slots=True)
class ServerClock:
    """One server's offset as its stats' buckets bracket it, in whole seconds."""

    shift: int = 0  # seconds taken from this server's bucket times; 0 while in step
    last_seen: float = 0.0  # receive time of its previous stats
    candidate: int | None = None  # a new shift waiting for a second message to agree

    def observe(self, newest_bucket: float, now: float) -> float | None:
        """Take a stats message's newest bucket start; return an offset to announce, if any."""
        gap = now - self.last_seen if self.last_seen else DEFAULT_GAP
        self.last_seen = now
        low = newest_bucket - now - 1.0
        high = newest_bucket + 2.0 - now + min(max(gap, 0.0), MAX_GAP)
        if low <= self.shift <= high:
            self.candidate = None
            return None
        middle = (low + high) / 2
        wanted = 0 if in_step(middle) else round(middle)
        if wanted == self.shift:
            self.candidate = None
            return None
        if self.shift - MAX_GAP <= wanted < self.shift:
            # Looks behind by less than a long gap: maybe just an idle server's old
            # bucket, so a second message must agree. Ahead, or hours off, it cannot be.
            candidate, self.candidate = self.candidate, wanted
            if candidate is None or abs(candidate - wanted) > TOLERANCE:
                return None
        self.candidate = None
        old, self.shift = self.shift, wanted
        if old == 0 or wanted == 0 or abs(wanted - old) > TOLERANCE:
            return float(wanted)
        return None


class ServerClocks:
    """Puts the events of one admin connection on the receive clock, and measures the offsets.

    The admin client calls ``to_receive_time`` only for an event whose time is
    out of tolerance (or while the stream's offset is held), so a connection
    to servers whose clocks agree pays one subtraction and two comparisons
    per event.
    """

    def __init__(self) -> None:
        self.stream = StreamClock()
        self.servers: dict[str, ServerClock] = {}

    def to_receive_time(self, event: Any, offset: float, now: float) -> ClockSkewMeasured | None:
        """Replace an event's server time by ``now`` when it is off; an offset to announce, if any.

        ``event`` was built by the codec a moment ago and nothing else holds it
        yet, so its frozen fields are set in place, as a frozen dataclass's own
        ``__init__`` does: a copy would cost microseconds per event for as long
        as a clock is off. A socket's connection time moves by the offset held,
        so that its age comes out right.
        """
        if offset == 0.0:
            return None  # no server time: the codec stood the receive time in for it
        stream = self.stream
        announce = stream.observe(offset, now)
        measured = None if announce is None else ClockSkewMeasured(None, announce, now)
        if -TOLERANCE <= offset <= TOLERANCE:
            return measured
        _set(event, "at", now)
        if type(event) is SocketConnected:
            info = event.socket
            if info.connected_at is not None:
                held = stream.held if stream.held is not None else offset
                _set(info, "connected_at", info.connected_at - held)
        return measured

    def stats(
        self, stats: ServerStatsReceived, now: float
    ) -> tuple[ServerStatsReceived, ClockSkewMeasured | None]:
        """The stats with their buckets on the receive clock, and an offset to announce, if any."""
        clock = self.servers.get(stats.server_id)
        if clock is None:
            clock = self.servers[stats.server_id] = ServerClock()
        measured = None
        if stats.aggregated:
            announce = clock.observe(max(b.timestamp for b in stats.aggregated), now)
            if announce is not None:
                measured = ClockSkewMeasured(stats.server_id, announce, now)
        shift = clock.shift
        if shift:
            buckets = tuple(
                AggregatedBucket(b.timestamp - shift, b.type, b.count, b.sub_type)
                for b in stats.aggregated
            )
            stats = replace(stats, aggregated=buckets)
        return stats, measured


class ClockSentence:
    """What the status bar was last told about clocks: each change is said once."""

    __slots__ = ("said",)

    def __init__(self) -> None:
        self.said: str | None = None

    def update(self, offsets: dict[str, float | None], unnamed: float | None) -> str | None:
        """The sentence to say now, if the clocks' story changed; None when it did not."""
        known = {name: offset for name, offset in offsets.items() if offset is not None}
        sentence = skew_sentence(known, unnamed)
        if sentence == self.said:
            return None
        before, self.said = self.said, sentence
        if sentence is None:
            return CLOCKS_AGREE if before is not None else None
        return sentence


# --- words ----------------------------------------------------------------------------


def _amount(offset: float) -> str:
    return format_duration(round(abs(offset)), in_sentence=True)


def describe_offset(offset: float) -> str:
    """``3 h 02 min ahead``, ``45 s behind``: how a person says how far a clock is off."""
    return f"{_amount(offset)} {'ahead' if offset > 0 else 'behind'}"


def skew_sentence(offsets: dict[str, float], unnamed: float | None = None) -> str | None:
    """The status-bar sentence for the clocks that are off; None when every one is in step.

    ``offsets`` maps a server's name to its offset; ``unnamed`` is the offset
    of events that named no server, said only when no server's is known.
    """
    off = {name: offset for name, offset in sorted(offsets.items()) if not in_step(offset)}
    tail = "; times shown are this computer's."
    if len(off) == 1:
        ((name, offset),) = off.items()
        return f"{name}'s clock is {relative_offset(offset)} this computer{tail}"
    if off:
        parts = [f"{name} ({describe_offset(offset)})" for name, offset in off.items()]
        listed = ", ".join(parts[:3]) + (f" and {len(parts) - 3} more" if len(parts) > 3 else "")
        return f"The clocks of {listed} differ from this computer's{tail}"
    if unnamed is not None and not in_step(unnamed):
        return f"The server's clock is {relative_offset(unnamed)} this computer{tail}"
    return None


def relative_offset(offset: float) -> str:
    """``3 h 02 min ahead of``, ``45 s behind``: to be followed by what it is compared with."""
    return f"{_amount(offset)} {'ahead of' if offset > 0 else 'behind'}"
