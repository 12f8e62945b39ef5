"""Server clocks hours off: events put on the receive clock, offsets measured and said once."""

from __future__ import annotations

import pytest

from sio_monitor.domain import events as ev
from sio_monitor.domain.eventlog.entries import EntryMaker
from sio_monitor.domain.throughput.rates import Rates
from sio_monitor.domain.topology.clock_skew import (
    CLOCKS_AGREE,
    TOLERANCE,
    WINDOW,
    ClockSentence,
    ServerClock,
    ServerClocks,
    StreamClock,
    describe_offset,
    skew_sentence,
)
from sio_monitor.domain.topology.topology import Topology
from tests.support import events as build

T0 = 1_795_311_600.0
AHEAD = 3 * 3600 + 2 * 60 + 7.0  # 3 h 02 min 07 s
DEV = frozenset({"AGGREGATED_EVENTS", "ALL_EVENTS"})


def socket(sid: str, connected_at: float) -> ev.SocketInfo:
    return build.info(sid, at=connected_at)


def stats(
    received: float, *seconds: float, server: str = "web-1", count: int = 1
) -> ev.ServerStatsReceived:
    """Stats received at ``received`` whose buckets start at ``seconds`` (server clock)."""
    buckets = build.buckets(*((s, "packetsOut", count) for s in seconds))
    return build.stats(
        server, received, uptime=received - T0, clients=1, counts={"/": 1}, aggregated=buckets
    )


class Stream:
    """Server events through ``ServerClocks`` as the admin client hands them on."""

    def __init__(self) -> None:
        self.clocks = ServerClocks()
        self.out: list[ev.DomainEvent] = []

    def event(self, event: ev.DomainEvent, now: float) -> ev.DomainEvent:
        offset = event.at - now  # type: ignore[union-attr]
        if not -TOLERANCE <= offset <= TOLERANCE or self.clocks.stream.held is not None:
            measured = self.clocks.to_receive_time(event, offset, now)
            if measured is not None:
                self.out.append(measured)
        self.out.append(event)
        return event

    def stats(self, message: ev.ServerStatsReceived) -> ev.ServerStatsReceived:
        shifted, measured = self.clocks.stats(message, message.at)
        self.out.append(shifted)
        if measured is not None:
            self.out.append(measured)
        return shifted

    def measured(self) -> list[ev.ClockSkewMeasured]:
        return [e for e in self.out if isinstance(e, ev.ClockSkewMeasured)]


# --- words ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "said"),
    [
        (AHEAD, "3 h 02 min ahead"),
        (-45.4, "45 s behind"),
        (-(5 * 60 + 3), "5 min 03 s behind"),
        (2 * 86_400 + 3 * 3600, "2 d 3 h ahead"),
    ],
)
def test_offsets_read_as_people_say_them(offset: float, said: str) -> None:
    assert describe_offset(offset) == said


def test_the_sentence_names_the_server_and_whose_times_are_shown() -> None:
    assert skew_sentence({"web-1": AHEAD}) == (
        "web-1's clock is 3 h 02 min ahead of this computer; times shown are this computer's."
    )
    assert skew_sentence({"web-1": -50.0, "web-2": 0.5}) == (
        "web-1's clock is 50 s behind this computer; times shown are this computer's."
    )
    several = skew_sentence({"b": AHEAD, "a": -50.0})
    assert several is not None and several.startswith("The clocks of a (50 s behind), b (3 h")
    assert skew_sentence({}, unnamed=-AHEAD) == (
        "The server's clock is 3 h 02 min behind this computer; times shown are this computer's."
    )
    assert skew_sentence({"web-1": 1.0}, unnamed=2.0) is None


def test_each_change_of_the_clocks_story_is_said_once() -> None:
    sentence = ClockSentence()
    assert sentence.update({"web-1": None}, None) is None
    first = sentence.update({"web-1": AHEAD}, None)
    assert first is not None and "web-1's clock" in first
    assert sentence.update({"web-1": AHEAD}, None) is None  # nothing new: nothing said
    assert sentence.update({"web-1": None}, None) == CLOCKS_AGREE
    assert sentence.update({"web-1": None}, None) is None


# --- the event stream --------------------------------------------------------------------


def test_a_stream_in_step_is_never_announced() -> None:
    clock = StreamClock()
    assert all(clock.observe(o, T0 + i) is None for i, o in enumerate((0.0, 4.9, -4.9, -2.0)))
    assert clock.held is None


def test_an_offset_is_announced_at_once_then_revised_per_window_not_per_event() -> None:
    clock = StreamClock()
    assert clock.observe(AHEAD - 0.2, T0) == AHEAD - 0.2  # at once: later events rely on it
    assert clock.held == AHEAD - 0.2
    # A few seconds of events, some delayed (they look older): no new announcement...
    now = T0
    for step in range(1, 20):
        now = T0 + step * 0.2
        assert clock.observe(AHEAD - 0.05 * (step % 3), now) is None
    # ...and none after the window either: the estimate moved by far less than the tolerance.
    assert clock.observe(AHEAD, T0 + WINDOW + 0.1) is None
    # The clock is put right (an NTP step): a whole window in step says so, once.
    announced = [clock.observe(0.01, T0 + 2 * WINDOW + 0.2 + i) for i in range(int(WINDOW) + 2)]
    assert announced.count(0.0) == 1 and clock.held is None


def test_disagreeing_clocks_of_a_cluster_do_not_flap() -> None:
    clock = StreamClock()
    assert clock.observe(-AHEAD, T0) == -AHEAD
    said = [clock.observe(-AHEAD if i % 2 else 0.0, T0 + i * 0.5) for i in range(1, 60)]
    assert said == [None] * 59 and clock.held == -AHEAD


def test_events_from_a_clock_hours_off_carry_their_receive_time() -> None:
    stream = Stream()
    now = T0 + 10.0
    server_time = now + AHEAD
    joined = stream.event(ev.RoomJoined("/", "lobby", "a", server_time), now)
    assert joined.at == now
    connected = stream.event(ev.SocketConnected(socket("b", server_time - 30), server_time), now)
    assert connected.at == now
    assert connected.socket.connected_at == pytest.approx(now - 30)  # its age is still 30 s
    honest = stream.event(ev.EventSent("/", "b", "x", (), now - 0.004), now)
    assert honest.at == now - 0.004  # a time in step is kept (another node of a cluster)
    measured = stream.measured()
    assert [(m.server_id, round(m.offset)) for m in measured] == [(None, round(AHEAD))]
    assert stream.out.index(measured[0]) < stream.out.index(joined), "announced before use"


def test_events_without_a_server_time_say_nothing_of_the_clock() -> None:
    """Stats, config and updates carry the receive time: they must not read as "in step"."""
    stream = Stream()
    stream.event(ev.EventSent("/", "a", "x", (), T0 + AHEAD), T0)
    for n in range(1, 30):
        now = T0 + n * 0.5
        stream.event(ev.SocketUpdated("/", "a", {"transport": "websocket"}, now), now)
    assert len(stream.measured()) == 1 and stream.clocks.stream.held is not None


def test_a_stream_in_step_keeps_the_servers_own_times() -> None:
    stream = Stream()
    event = ev.EventReceived("/", "a", "x", (), T0 - 0.3)
    assert stream.event(event, T0).at == T0 - 0.3
    assert stream.measured() == []


def test_the_log_shows_receive_times_for_a_clock_hours_off() -> None:
    stream = Stream()
    now = T0 + 5
    stream.event(ev.EventReceived("/", "a", "hello", (), now + AHEAD), now)
    (entry,) = EntryMaker().admin(stream.out)
    assert entry.at == now


# --- a server's stats --------------------------------------------------------------------


def feed(clock: ServerClock, offset: float, count: int, start: float = T0) -> list[float | None]:
    """``count`` stats 2 s apart from a server ``offset`` s off, newest bucket 0.3 s old."""
    said = []
    for n in range(count):
        now = start + 2.0 * n
        said.append(clock.observe(float(int(now + offset - 0.3)), now))
    return said


def test_a_server_in_step_keeps_its_bucket_times() -> None:
    clock = ServerClock()
    assert feed(clock, 0.0, 20) == [None] * 20 and clock.shift == 0


@pytest.mark.parametrize("offset", [AHEAD, -AHEAD, 40.0])
def test_a_server_far_off_or_ahead_is_measured_from_its_first_stats(offset: float) -> None:
    clock = ServerClock()
    said = feed(clock, offset, 6)
    assert said[0] is not None and abs(said[0] - offset) <= 3.0
    assert said[1:] == [None] * 5 and clock.shift == said[0]


def test_a_server_a_little_behind_is_measured_once_two_messages_agree() -> None:
    clock = ServerClock()
    said = feed(clock, -40.0, 4)
    assert said[0] is None, "one message is not enough: an idle server's bucket looks the same"
    assert said[1] is not None and abs(said[1] + 40.0) <= 3.0
    assert said[2:] == [None, None]


def test_one_old_bucket_from_an_idle_server_moves_nothing() -> None:
    clock = ServerClock()
    feed(clock, 0.0, 3)
    assert clock.observe(T0 + 6 - 40.0, T0 + 6) is None  # a bucket 40 s old, once
    assert clock.observe(float(int(T0 + 8 - 0.3)), T0 + 8) is None
    assert clock.shift == 0


def test_a_server_put_right_is_in_step_again() -> None:
    clock = ServerClock()
    feed(clock, -AHEAD, 3)
    assert clock.shift != 0
    said = feed(clock, 0.0, 3, start=T0 + 100)
    assert 0.0 in said and clock.shift == 0


def test_buckets_of_a_clock_hours_off_chart_at_the_receive_time() -> None:
    """Without the shift every bucket would be dropped as hours outside the window."""
    stream, rates = Stream(), Rates()
    now = T0
    for n in range(5):
        now = T0 + 2.0 * n
        rates.apply([stream.stats(stats(now, now + AHEAD - 1.3, now + AHEAD - 0.3, count=5))])
    assert rates.dropped == 0
    assert rates.total("packetsOut") == 50
    assert rates.newest is not None and abs(rates.newest - now) <= 3
    ((name, offset),) = [(m.server_id, m.offset) for m in stream.measured()]
    assert name == "web-1" and abs(offset - AHEAD) <= 3.0


def test_a_bucket_split_across_two_messages_lands_in_one_second() -> None:
    stream = Stream()
    second = T0 + AHEAD
    for n in range(3):  # settle the offset first
        stream.stats(stats(T0 + 2 * n, second + 2 * n - 0.5))
    now = T0 + 6
    first = stream.stats(stats(now, second + 6.0))
    again = stream.stats(stats(now + 0.9, second + 6.0))
    assert first.aggregated[0].timestamp == again.aggregated[0].timestamp


# --- the topology -------------------------------------------------------------------------


def test_the_topology_keeps_each_servers_offset_and_says_it_once() -> None:
    topology = Topology()
    stream = Stream()
    for n in range(4):
        stream.stats(stats(T0 + 2 * n, T0 + 2 * n + AHEAD - 0.3))
    changes = [topology.apply([event]) for event in stream.out]
    notices = [n for c in changes for n in c.notices]
    assert len(notices) == 1 and notices[0].startswith("web-1's clock is 3 h 02 min ahead of")
    server = topology.server("web-1")
    assert server is not None and topology.clock_of(server) is not None
    assert abs(topology.clock_of(server) - AHEAD) <= 3.0  # type: ignore[operator]
    assert topology.clock_sentence.said == notices[0]
    cleared = topology.apply([ev.ClockSkewMeasured("web-1", 0.0, T0 + 10)])
    assert cleared.notices == [CLOCKS_AGREE] and topology.clock_of(server) is None


def test_the_streams_offset_stands_for_a_lone_server() -> None:
    topology = Topology()
    topology.apply([stats(T0, T0 - 0.3)])
    changes = topology.apply([ev.ClockSkewMeasured(None, -AHEAD, T0 + 1)])
    assert changes.notices == [
        "web-1's clock is 3 h 02 min behind this computer; times shown are this computer's."
    ]
    server = topology.server("web-1")
    assert server is not None and topology.clock_of(server) == -AHEAD


def test_a_snapshot_taken_before_the_offset_was_known_is_moved_once() -> None:
    topology = Topology()
    now = T0 + 100
    snapshot = (socket("a", now + AHEAD - 60), socket("b", now + AHEAD - 5))
    topology.apply([ev.ConfigReceived(DEV, now), ev.AllSocketsReceived(snapshot, now)])
    changes = topology.apply([ev.ClockSkewMeasured(None, AHEAD, now + 1)])
    assert set(changes.sockets["/"].updated) == {"a", "b"}
    ages = {s.id: now - s.connected_at for s in topology.sockets("/")}
    assert ages == pytest.approx({"a": 60.0, "b": 5.0})
    topology.apply([ev.ClockSkewMeasured(None, AHEAD + 30, now + 20)])  # a revision later
    assert {s.id: now - s.connected_at for s in topology.sockets("/")} == pytest.approx(ages)


def test_a_snapshot_after_the_offset_is_known_is_moved_at_once() -> None:
    topology = Topology()
    now = T0 + 100
    topology.apply([ev.ConfigReceived(DEV, now), ev.ClockSkewMeasured(None, -AHEAD, now)])
    topology.apply([ev.AllSocketsReceived((socket("a", now - AHEAD - 60),), now + 1)])
    (state,) = topology.sockets("/")
    assert now - state.connected_at == pytest.approx(60.0)
