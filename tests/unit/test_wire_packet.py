"""A long message's header read from its head decodes exactly as the stock parser reads it."""

from __future__ import annotations

from typing import Any

import pytest
import socketio
from engineio import json as engineio_json
from hypothesis import given, settings
from hypothesis import strategies as st

from sio_monitor.net.engine import MonitorClient
from sio_monitor.net.wire_codec import HEAD_CHARS, LONG_PACKET, LongText, WirePacket, wire_json


class StockPacket(socketio.packet.Packet):  # type: ignore[misc]
    """python-socketio's own parser, with the same JSON decoder."""

    json = wire_json


def decoded(cls: type[socketio.packet.Packet], text: str | LongText) -> tuple[Any, ...]:
    try:
        packet = cls(encoded_packet=text)
    except ValueError as exc:
        return ("ValueError", str(exc))
    return (packet.packet_type, packet.namespace, packet.id, packet.data, packet.attachment_count)


def as_frame(text: str) -> LongText:
    """``text`` as the read loop hands a long text frame over: its UTF-8 bytes."""
    return LongText(memoryview(text.encode("utf-8")))


def same_as_stock(text: str) -> None:
    stock = decoded(StockPacket, text)
    assert decoded(WirePacket, text) == stock
    assert decoded(WirePacket, as_frame(text)) == stock


def body(chars: int = LONG_PACKET) -> str:
    return '["big", "' + "x" * chars + '"]'


# Headers as the stock parser meets them: sometimes well-formed, sometimes long or broken
# (digits where a dash never comes, namespaces without a comma, ids of over 100 digits),
# some of them ending near or past the head the long path reads.
digits = st.text(alphabet="0123456789", max_size=12)
headers = st.builds(
    "".join,
    st.tuples(
        st.sampled_from("0123456x"),
        st.one_of(st.just(""), st.builds(lambda d: d + "-", digits), digits),
        st.one_of(
            st.just(""),
            st.builds(lambda n: "/" + n + ",", st.text(alphabet="adimné€😀?=&,-", max_size=20)),
            st.builds(lambda n: "/" + "n" * n + ",", st.integers(HEAD_CHARS - 300, HEAD_CHARS)),
            st.just("/admin"),
        ),
        st.one_of(st.just(""), st.text(alphabet="0123456789", min_size=1, max_size=120)),
    ),
)


@settings(max_examples=400, deadline=None)
@given(headers, st.sampled_from(["", "[1]", "x", body(), '["é€😀' + "ü" * LONG_PACKET + '"]']))
def test_every_header_reads_as_the_stock_parser_reads_it(header: str, payload: str) -> None:
    same_as_stock(header + payload + " " * max(0, LONG_PACKET - len(header) - len(payload)))


@pytest.mark.parametrize(
    "header",
    [
        "2/admin,",
        "2/admin,17",
        "51-/admin,",
        "2",
        "3/a?b=c,1234",
        "2" + "1" * 11 + "-",  # too many attachments
        "2" + "7" * 101,  # an id of over 100 digits
        "2/" + "n" * HEAD_CHARS,  # a namespace longer than the head, without a comma
        "2/" + "€" * (HEAD_CHARS - 200) + ",",  # a head of three-byte characters
        "2/" + "😀" * (HEAD_CHARS - 100) + ",",  # past the head, in four-byte characters
    ],
)
def test_long_messages_with_each_kind_of_header(header: str) -> None:
    same_as_stock(header + body())


def test_a_long_frame_that_is_not_utf_8_raises_a_value_error_wherever_it_breaks() -> None:
    good = ("2/admin," + body()).encode("utf-8")
    for at in (3, len(good) // 2, len(good) - 3):  # header, body string, body's end
        frame = LongText(memoryview(good[:at] + b"\xff" + good[at:]))
        with pytest.raises(ValueError):
            WirePacket(encoded_packet=frame)


def test_short_and_non_text_messages_take_the_stock_path() -> None:
    assert decoded(WirePacket, '2/admin,["a",1]') == (2, "/admin", None, ["a", 1], 0)
    assert decoded(WirePacket, "2" + body(10)) == decoded(StockPacket, "2" + body(10))


def test_the_monitor_decodes_with_it_and_leaves_the_stock_packet_class_alone() -> None:
    client = MonitorClient()
    assert client.packet_class is WirePacket
    assert socketio.packet.Packet.json is engineio_json
    assert "json" not in vars(WirePacket(encoded_packet="2" + body()))  # the head's stand-in went
