"""The event log ring and its filters: wrap-around, what each event becomes, filters combined.

Filters are checked against a plain per-row reference over the same rows, so
each of the search strategies (candidates one by one, one pass over an arena,
rows split out when matches are dense) must give exactly the reference rows.
"""

from __future__ import annotations

import json
import random
import re

import numpy as np
import pytest

from sio_monitor.domain.emit.emit_args import preview
from sio_monitor.domain.emit.probe_events import (
    ProbeAckReceived,
    ProbeAckTimedOut,
    ProbeEmitted,
    ProbeEventReceived,
    ProbeState,
    ProbeStateChanged,
)
from sio_monitor.domain.eventlog.entries import encode_args
from sio_monitor.domain.eventlog.filter import LogFilter, Selection, check_filter
from sio_monitor.domain.eventlog.log import EventLog, LogRow
from sio_monitor.domain.eventlog.rows import PREVIEW_MARK, Kind
from sio_monitor.domain.eventlog.search import TextSearch
from sio_monitor.domain.events import (
    AllSocketsReceived,
    ConnectionChanged,
    ConnectionState,
    EventReceived,
    EventSent,
    PayloadRejected,
    RoomJoined,
    RoomLeft,
    SocketConnected,
    SocketDisconnected,
    SocketInfo,
)
from tests.support import events as build

T0 = 1_800_000_000.0


def received(
    n: int, name: str = "msg", nsp: str = "/chat", sid: str | None = None
) -> EventReceived:
    return EventReceived(
        nsp, sid or f"sock-{n % 5}", name, ({"n": n, "text": f"hello {n}"},), T0 + n
    )


def held(log: EventLog) -> list[LogRow]:
    return [log.row(seq) for seq in range(log.first_seq, log.next_seq)]


# --- the ring ---------------------------------------------------------------------------------


def test_the_ring_keeps_the_newest_rows_with_their_sequence_numbers() -> None:
    log = EventLog(capacity=10, chunk_rows=4)
    for start, size in ((0, 3), (3, 1), (4, 9), (13, 12)):  # batches across chunk edges
        assert log.append_admin([received(n) for n in range(start, start + size)]) == size
    assert (len(log), log.first_seq, log.next_seq) == (10, 15, 25)
    rows = held(log)
    assert [r.seq for r in rows] == list(range(15, 25))
    assert [json.loads(r.text)[0]["n"] for r in rows] == list(range(15, 25))
    assert all(r.at == T0 + r.seq for r in rows)
    with pytest.raises(IndexError):
        log.row(14)
    with pytest.raises(IndexError):
        log.row(25)
    # whole chunks below the front are let go: at most one partly stale chunk remains
    assert len(log._chunks) <= 10 // 4 + 2


def test_clear_forgets_rows_but_sequence_numbers_go_on() -> None:
    log = EventLog(capacity=100, chunk_rows=8)
    log.append_admin([received(n) for n in range(13)])
    log.clear()
    assert (len(log), log.first_seq, log.next_seq) == (0, 13, 13)
    log.append_admin([received(n) for n in range(13, 30)])
    assert [r.seq for r in held(log)] == list(range(13, 30))
    assert [json.loads(r.text)[0]["n"] for r in held(log)] == list(range(13, 30))


def test_big_payloads_shorten_the_ring_to_its_byte_budget() -> None:
    log = EventLog(capacity=1000, chunk_rows=10, byte_budget=50_000)
    big = "x" * 1000
    log.append_admin([EventSent("/", "s", "blob", (big,), T0 + n) for n in range(200)])
    assert log.bytes_held <= 50_000 + 10 * 1100  # the newest chunk may overshoot
    assert log.next_seq == 200 and log.first_seq % 10 == 0 and len(log) < 200
    assert log.row(199).text == json.dumps([big])


def test_a_snapshot_reads_rows_that_fell_off_the_ring_afterwards() -> None:
    log = EventLog(capacity=6, chunk_rows=3)
    log.append_admin([received(n) for n in range(6)])
    rows = log.snapshot()
    log.append_admin([received(n) for n in range(6, 20)])
    assert log.first_seq == 14
    assert [json.loads(r.text)[0]["n"] for r in rows] == list(range(6))


# --- what each event becomes -------------------------------------------------------------------


def socket(sid: str, nsp: str = "/") -> SocketInfo:
    return build.info(sid, nsp, at=None, data={"user": "ann"})


def test_admin_events_become_rows_and_the_monitors_own_namespace_is_left_out() -> None:
    log = EventLog()
    log.append_admin(
        [
            ConnectionChanged(ConnectionState.CONNECTED, "Connected to a.example.", T0),
            AllSocketsReceived((socket("old"),), T0),
            SocketConnected(socket("old"), T0 + 1),  # python re-sends known sockets at each ping
            SocketConnected(socket("new"), T0 + 2),
            SocketConnected(socket("new"), T0 + 3),
            SocketConnected(socket("me", "/admin"), T0 + 3),
            EventReceived("/admin", "me", "emit", (), T0 + 3),
            RoomJoined("/", "lobby", "new", T0 + 4),
            EventSent("/", "new", "welcome", ("hi", 2), T0 + 5),
            RoomLeft("/", "lobby", "new", T0 + 6),
            SocketDisconnected("/", "new", "client namespace disconnect", T0 + 7),
            SocketConnected(socket("new"), T0 + 8),  # back after a disconnect: a new connection
            PayloadRejected("socket_connected", "no id", T0 + 9),
        ],
        server="a.example:3000",
    )
    rows = held(log)
    assert [(r.kind, r.namespace, r.socket, r.event) for r in rows] == [
        (Kind.CONNECTION, "", "", ""),
        (Kind.CONNECT, "/", "new", ""),
        (Kind.JOIN, "/", "new", ""),
        (Kind.EVENT_OUT, "/", "new", "welcome"),
        (Kind.LEAVE, "/", "new", ""),
        (Kind.DISCONNECT, "/", "new", ""),
        (Kind.CONNECT, "/", "new", ""),
        (Kind.REJECTED, "", "", ""),
    ]
    assert {r.server for r in rows} == {"a.example:3000"}
    texts = [r.text for r in rows]
    assert texts[0] == "Connected to a.example."
    assert texts[1] == 'transport websocket, client c-new, data {"user": "ann"}'
    assert texts[2] == texts[4] == "lobby"
    assert texts[3] == '["hi", 2]' and rows[3].size == len('["hi", 2]')
    assert texts[5] == "client namespace disconnect"
    assert texts[7] == "socket_connected: no id"
    assert "Reason: client namespace disconnect" in rows[5].details()
    assert log.namespaces() == ["/"] and log.event_names() == ["welcome"]


def test_probe_events_name_their_acks_and_carry_the_probes_socket_id() -> None:
    log = EventLog()
    log.append_probe(
        [
            ProbeStateChanged(ProbeState.CONNECTED, "Probe connected.", T0, sid="probe-1"),
            ProbeEmitted(1, "/chat", "ping", ({"n": 1},), T0 + 1, 5.0),
            ProbeEmitted(2, "/chat", "slow", (), T0 + 1, 0.5),
            ProbeAckReceived(1, ("pong",), 3.2, T0 + 2),
            ProbeEventReceived("/chat", "news", ("flash",), T0 + 3),
            ProbeAckTimedOut(2, 0.5, T0 + 4),
            ProbeStateChanged(ProbeState.DISCONNECTED, "Probe disconnected.", T0 + 5),
            ProbeEventReceived("/chat", "late", (), T0 + 6),
        ],
        server="b:1",
    )
    got = [(r.kind, r.namespace, r.socket, r.event, r.text) for r in held(log)]
    assert got == [
        (Kind.PROBE_STATE, "", "probe-1", "", "Probe connected."),
        (Kind.PROBE_OUT, "/chat", "probe-1", "ping", '[{"n": 1}]'),
        (Kind.PROBE_OUT, "/chat", "probe-1", "slow", "[]"),
        (Kind.PROBE_ACK, "/chat", "probe-1", "ping", '["pong"]'),
        (Kind.PROBE_IN, "/chat", "probe-1", "news", '["flash"]'),
        (Kind.PROBE_TIMEOUT, "/chat", "probe-1", "slow", "no ack within 0.5 s"),
        (Kind.PROBE_STATE, "", "probe-1", "", "Probe disconnected."),
        (Kind.PROBE_IN, "/chat", "", "late", "[]"),
    ]


def test_binary_arguments_count_their_raw_size_preview_and_show_as_hex() -> None:
    blob = bytes(range(256)) * 4
    log = EventLog()
    log.append_admin([EventSent("/", "s", "file", ("name.bin", blob), T0)])
    row = log.row(0)
    assert row.has_binary and not row.truncated
    assert row.size == len('["name.bin", null]') - 4 + len(blob)
    assert row.preview == preview(("name.bin", blob))
    details = row.details()
    assert "Argument 2: binary, 1,024 bytes" in details
    assert (
        "00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  |................|" in details
    )


def test_a_users_marker_like_object_is_not_mistaken_for_binary() -> None:
    log = EventLog()
    log.append_admin([EventReceived("/", "s", "odd", ({"$binary": "AAEC"},), T0)])
    details = log.row(0).details()
    assert '"$binary": "AAEC"' in details and "binary," not in details


def test_a_huge_payload_is_kept_cut_with_its_true_size_and_said_so() -> None:
    text = "é" * 50_000  # two bytes each: the cut may fall inside a character
    log = EventLog(payload_limit=1000)
    log.append_admin([EventReceived("/", "s", "essay", (text,), T0)])
    row = log.row(0)
    assert row.truncated and row.size == len(json.dumps([text], ensure_ascii=False).encode())
    assert len(row.text.encode()) <= 1003 and row.text.startswith('["éé')
    assert row.preview.endswith("…") and len(row.preview) <= 200
    assert "Only the first" in row.details() and "100,004 bytes" in row.details()
    big_binary = bytes(5000)
    log.append_admin([EventReceived("/", "s", "upload", (big_binary,), T0)])
    upload = log.row(1)
    assert upload.truncated and upload.size == len("[]") + 5000


def test_line_breaks_in_sentences_never_split_a_row() -> None:
    log = EventLog()
    log.append_admin([SocketDisconnected("/", "s", "bye\nnow\r\n", T0), received(1)])
    assert log.row(0).text == "bye\\nnow\\r\\n" and log.row(1).event == "msg"


# --- filters --------------------------------------------------------------------------------------

NAMES = ("chat:message", "typing", "presence", "ping", "file")
WORDS = ("hello", "Lobby", "lobby", "ping", "x", "naïve", "ok")


def random_log(count: int, seed: int, chunk_rows: int = 64) -> EventLog:
    rng = random.Random(seed)
    log = EventLog(capacity=count, chunk_rows=chunk_rows)
    batch: list[object] = []
    for n in range(count + 37):  # some rows fall off the front
        at = T0 + n
        sid = f"sock{rng.randrange(40):04d}"
        nsp = rng.choice(("/", "/chat", "/admin-ish"))
        roll = rng.random()
        if roll < 0.7:
            words = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(0, 4)))
            args: tuple[object, ...] = ({"user": sid[-2:], "text": words},)
            if rng.random() < 0.05:
                args = (*args, bytes([n % 256]) * 20)
            cls = EventReceived if rng.random() < 0.6 else EventSent
            batch.append(cls(nsp, sid, rng.choice(NAMES), args, at))
        elif roll < 0.85:
            batch.append(
                SocketDisconnected(nsp, sid, rng.choice(("ping timeout", "lobby closed")), at)
            )
        else:
            batch.append(RoomJoined(nsp, rng.choice(("lobby", "Lobby-2")), sid, at))
        if len(batch) == rng.randrange(1, 90):
            log.append_admin(batch)
            batch = []
    log.append_admin(batch)
    return log


def stored_line(row: LogRow) -> bytes:
    text = row.text.encode()
    return text + PREVIEW_MARK + row.preview.encode() if row.has_binary else text


def reference(log: EventLog, flt: LogFilter) -> list[int]:
    """The plain per-row answer the fast paths must agree with."""
    out = []
    pattern = re.compile(flt.text.encode(), re.MULTILINE) if flt.regex else None
    for row in held(log):
        if flt.kinds and row.kind not in flt.kinds:
            continue
        if flt.namespace is not None and row.namespace != flt.namespace:
            continue
        if flt.events and row.event not in flt.events:
            continue
        if flt.socket and flt.socket not in row.socket:
            continue
        line = stored_line(row)
        if pattern is not None and not pattern.search(line):
            continue
        if flt.text and not flt.regex and flt.text.encode().lower() not in line.lower():
            continue
        out.append(row.seq)
    return out


FILTERS = [
    LogFilter(),
    LogFilter(kinds=frozenset({Kind.DISCONNECT, Kind.JOIN})),
    LogFilter(namespace="/chat"),
    LogFilter(namespace="/nowhere"),
    LogFilter(events=frozenset({"typing", "ping"})),
    LogFilter(socket="sock001"),
    LogFilter(socket="sock0007"),
    LogFilter(text="lobby"),  # dense: about half the rows
    LogFilter(text="LOBBY"),  # any case
    LogFilter(text='{"user": "'),  # dense and too long for byte comparisons: rows split out
    LogFilter(text="naïve"),
    LogFilter(text="nothing like it"),
    LogFilter(text='"text": ""'),
    LogFilter(text="binary 20 B"),  # in the stored preview of binary rows
    LogFilter(text=r"lobby\b", regex=True),
    LogFilter(text=r"^\[\{", regex=True),
    LogFilter(text=r'ok"\}\]$', regex=True),
    LogFilter(text=r"(?i)HELLO\s+x", regex=True),
    LogFilter(text=r"timeout\s+.", regex=True),  # \s could match a row's end
    LogFilter(text=r"x*", regex=True),  # matches the empty string: every row
    LogFilter(text=r"lobby|ping", regex=True),  # only words: answered by literal searches
    LogFilter(text=r"(?i)LOBBY|naïve", regex=True),
    LogFilter(text=r"(?:ok|timeout)", regex=True),
    LogFilter(text=r"Lobby|lobby-", regex=True),
    LogFilter(text=r"lobby|", regex=True),  # an empty alternative matches every row
    LogFilter(kinds=frozenset({Kind.EVENT_IN}), namespace="/", events=frozenset(NAMES[:2])),
    LogFilter(
        kinds=frozenset({Kind.EVENT_IN, Kind.EVENT_OUT}),
        namespace="/chat",
        events=frozenset({"chat:message"}),
        socket="sock00",
        text="hello",
    ),
    LogFilter(events=frozenset({"typing"}), text="ok"),  # few candidates: tested one by one
    LogFilter(socket="sock0003", text=r"l.bby", regex=True),
]


@pytest.mark.parametrize("flt", FILTERS, ids=lambda f: repr(f)[9:60])
@pytest.mark.parametrize("seed", [1, 2])
def test_filters_combined_select_exactly_the_reference_rows(flt: LogFilter, seed: int) -> None:
    log = random_log(3000, seed)
    selection = Selection.build(log, flt)
    assert isinstance(selection, Selection)
    assert selection.seqs.view().tolist() == reference(log, flt)


@pytest.mark.parametrize("flt", FILTERS[5:12:2] + FILTERS[-4:], ids=lambda f: repr(f)[9:60])
def test_a_filter_tests_new_rows_alone_and_trims_what_falls_off(flt: LogFilter) -> None:
    source = random_log(2400, 5)
    rows = [source.row(s) for s in range(source.first_seq, source.next_seq)]
    log = EventLog(capacity=1000, chunk_rows=64)
    batches = [rows[i : i + 50] for i in range(0, len(rows), 50)]

    def replay(part: list[LogRow]) -> None:
        entries = []
        for r in part:
            data = stored_line(r)
            entries.append(
                (
                    r.at,
                    r.kind,
                    r.namespace,
                    r.socket,
                    r.event,
                    data,
                    len(r.text.encode()),
                    r.size,
                    r.flags,
                )
            )
        log.append_entries(entries)  # type: ignore[arg-type]

    replay(batches[0])
    selection = Selection.build(log, flt)
    assert isinstance(selection, Selection)
    for part in batches[1:]:
        tested_before = selection.tested_to
        replay(part)
        selection.drop_stale(selection.stale())
        new = selection.pending()
        assert all(seq >= tested_before for seq in new.tolist())
        selection.seqs.extend(new)
        assert selection.seqs.view().tolist() == reference(log, flt)


def test_a_bad_regular_expression_is_a_sentence_not_an_exception() -> None:
    log = random_log(100, 3)
    for text in ("[lobby", "(a", "*x", "a{2,1}", "(?<name", "(?i"):
        flt = LogFilter(text=text, regex=True)
        result = Selection.build(log, flt)
        assert isinstance(result, str)
        assert result.startswith("The regular expression does not parse at position")
        assert result.endswith("untick Regex to search for the text as typed.")
        assert check_filter(flt) == result
        assert isinstance(Selection.build(log, LogFilter(text=text)), Selection)  # as plain text
    assert check_filter(LogFilter(text="[lobby")) is None


def test_a_line_break_typed_in_the_search_finds_the_escaped_one() -> None:
    log = EventLog()
    log.append_admin([SocketDisconnected("/", "s", "bye\nnow", T0), received(1)])
    selection = Selection.build(log, LogFilter(text="bye\nnow"))
    assert isinstance(selection, Selection) and selection.seqs.view().tolist() == [0]


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ("lobby|ping", ((b"lobby", b"ping"), False)),
        ("(?i)Lobby|PING", ((b"lobby", b"ping"), True)),
        ("(?:ok|no)", ((b"ok", b"no"), False)),
        ("hello", ((b"hello",), False)),
        (r"a\.b", ((b"a.b",), False)),
        ("lob+y|ping", None),
        ("^lobby", None),
        ("lobby|", None),
        (r"a\nb", None),
        ("(?i:x)|y", None),
    ],
)
def test_regexes_of_words_alone_take_the_literal_path(
    pattern: str, words: tuple[tuple[bytes, ...], bool] | None
) -> None:
    search = TextSearch(pattern, regex=True)
    got = (search.needles, search.fold) if search.pattern is None else None
    assert got == words


def test_encode_args_round_trips_through_json() -> None:
    args = ({"a": [1, 2.5, None, True]}, "x\ny", 3)
    data, length, size, flags = encode_args(args)
    assert json.loads(data[:length]) == [{"a": [1, 2.5, None, True]}, "x\ny", 3]
    assert (size, flags) == (len(data), 0) and b"\n" not in data
    assert np.array_equal(np.frombuffer(data, np.uint8) == 10, np.zeros(len(data), bool))
