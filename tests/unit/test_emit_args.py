"""Typed emit arguments: each kind parses or says what is wrong; values show plainly."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sio_monitor.domain.emit.emit_args import (
    ArgKind,
    ArgumentError,
    from_jsonable,
    guess_argument,
    hex_dump,
    json_error,
    parse_argument,
    preview,
    to_jsonable,
)


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        (ArgKind.JSON, '{"a": [1, 2.5, null, true, "x"]}', {"a": [1, 2.5, None, True, "x"]}),
        (ArgKind.JSON, '  "text"  ', "text"),
        (ArgKind.JSON, "[]", []),
        (ArgKind.STRING, '  {"not": json} ', '  {"not": json} '),
        (ArgKind.STRING, "", ""),
        (ArgKind.NUMBER, " 42 ", 42),
        (ArgKind.NUMBER, "-3.5", -3.5),
        (ArgKind.NUMBER, "1e3", 1000.0),
        (ArgKind.NUMBER, ".5", 0.5),
        (ArgKind.BOOLEAN, "True", True),
        (ArgKind.BOOLEAN, " false", False),
        (ArgKind.NULL, "", None),
        (ArgKind.NULL, "null", None),
        (ArgKind.BINARY_HEX, "00 ff\n0A:1b-2C", b"\x00\xff\x0a\x1b\x2c"),
        (ArgKind.BINARY_HEX, "0xdeadBEEF", b"\xde\xad\xbe\xef"),
        (ArgKind.BINARY_HEX, "", b""),
        (
            ArgKind.BINARY_BASE64,
            base64.b64encode(b"\x00\x01\xfe\xff").decode(),
            b"\x00\x01\xfe\xff",
        ),
        (ArgKind.BINARY_BASE64, "AAH-_w", b"\x00\x01\xfe\xff"),  # URL-safe, unpadded
        (ArgKind.BINARY_BASE64, "SGVs\nbG8=", b"Hello"),
    ],
)
def test_each_kind_parses(kind: ArgKind, text: str, value: Any) -> None:
    parsed = parse_argument(kind, text)
    assert parsed == value and type(parsed) is type(value)


def test_a_binary_file_is_read_whole(tmp_path: Path) -> None:
    data = bytes(range(256)) * 3
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    assert parse_argument(ArgKind.BINARY_FILE, f" {path} ") == data
    with pytest.raises(ArgumentError, match="does not exist"):
        parse_argument(ArgKind.BINARY_FILE, str(tmp_path / "missing.bin"))
    with pytest.raises(ArgumentError, match="is a folder"):
        parse_argument(ArgKind.BINARY_FILE, str(tmp_path))
    with pytest.raises(ArgumentError, match="Choose a file"):
        parse_argument(ArgKind.BINARY_FILE, "  ")


@pytest.mark.parametrize(
    ("kind", "text", "said"),
    [
        (ArgKind.NUMBER, "12abc", "'12abc' is not a number"),
        (ArgKind.NUMBER, "nan", "is not a number"),
        (ArgKind.NUMBER, "", "is not a number"),
        (ArgKind.BOOLEAN, "yes", "A boolean is true or false, not 'yes'."),
        (ArgKind.NULL, "0", "A null argument takes no text"),
        (ArgKind.BINARY_HEX, "abc", "Hex digits come in pairs, but 3 were given."),
        (ArgKind.BINARY_BASE64, "ab$d", "Not valid base64"),
        (ArgKind.BINARY_BASE64, "é", "Not valid base64"),
    ],
)
def test_bad_values_say_why(kind: ArgKind, text: str, said: str) -> None:
    with pytest.raises(ArgumentError) as caught:
        parse_argument(kind, text)
    assert said in caught.value.message and said in str(caught.value)


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ('{"a": 1,}', 1, 9),
        ('{\n  "a": 1\n  "b": 2\n}', 3, 3),
        ("[1, 2", 1, 6),
        ("{'a': 1}", 1, 2),
        ("   ", 1, 1),
    ],
)
def test_json_errors_give_the_line_and_column(text: str, line: int, column: int) -> None:
    error = json_error(text)
    assert error is not None
    assert (error.line, error.column) == (line, column)
    with pytest.raises(ArgumentError) as caught:
        parse_argument(ArgKind.JSON, text)
    assert (caught.value.line, caught.value.column) == (line, column)
    if text.strip():
        assert f"line {line}, column {column}" in caught.value.message


def test_json_rejects_what_no_server_can_parse() -> None:
    for text in ("NaN", "[Infinity]", '{"a": -Infinity}'):
        error = json_error(text)
        assert error is not None and "not JSON" in error.message
    assert json_error('{"ok": [1, "two"]}') is None


def test_a_bad_hex_digit_is_placed() -> None:
    with pytest.raises(ArgumentError) as caught:
        parse_argument(ArgKind.BINARY_HEX, "00 11\n2g")
    assert (caught.value.line, caught.value.column) == (2, 2)
    assert "'g' at line 2, column 2 is not a hex digit" in caught.value.message


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("42", 42),
        ("-5", -5),
        ("true", True),
        ("null", None),
        ('"42"', "42"),
        ('{"a": 1}', {"a": 1}),
        ("hello", "hello"),
        ("{oops", "{oops"),
        ("NaN", "NaN"),
        ("", ""),
    ],
)
def test_the_command_line_rule(text: str, value: Any) -> None:
    guessed = guess_argument(text)
    assert guessed == value and type(guessed) is type(value)


def test_previews_are_one_line_with_binary_anywhere() -> None:
    blob = bytes(range(1234 % 256)) + bytes(1234 - 1234 % 256)
    value = ["line\nbreak", 1.5, None, {"file": blob, "parts": [b"\x0a\x1b"]}, b""]
    shown = preview(value, 500)
    assert "\n" not in shown
    assert shown == (
        '["line\\nbreak", 1.5, null, {"file": <binary 1,234 B: 00 01 02 03 04 05 06 07 …>, '
        '"parts": [<binary 2 B: 0a 1b>]}, <binary 0 B>]'
    )
    assert preview(("a", 1)) == '["a", 1]'
    assert preview(True) == "true"


def test_previews_stop_at_the_limit_however_big_the_value() -> None:
    huge = {"items": [{"n": i, "text": "x" * 1000} for i in range(100_000)]}
    shown = preview(huge, 80)
    assert len(shown) == 80 and shown.endswith("…")
    assert shown.startswith('{"items": [{"n": 0, "text": "xxx')
    assert len(preview("y" * 10_000, 10)) == 10


def test_hex_dump_has_offsets_hex_and_ascii() -> None:
    data = b"Hello, Socket.IO\x00\x01\x02"
    lines = hex_dump(data).splitlines()
    assert lines == [
        "00000000  48 65 6c 6c 6f 2c 20 53  6f 63 6b 65 74 2e 49 4f  |Hello, Socket.IO|",
        "00000010  00 01 02                                          |...|",
    ]
    cut = hex_dump(bytes(5000), limit=32).splitlines()
    assert len(cut) == 3 and cut[-1] == "… 4,968 more bytes"
    assert hex_dump(b"") == ""


def test_jsonable_round_trip_keeps_binary_and_marker_lookalikes() -> None:
    value = [
        b"\x00\xff",
        {"nested": [b"", {"deep": b"abc"}], "n": 1},
        {"$binary": "not really binary"},
        {"$literal": {"x": 1}},
        "text",
    ]
    stored = to_jsonable(value)
    assert json.loads(json.dumps(stored)) == stored  # plain JSON
    assert stored[0] == {"$binary": "AP8="}
    assert from_jsonable(stored) == value
    assert to_jsonable(("a", b"\x01")) == ["a", {"$binary": "AQ=="}]


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.binary(max_size=64),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(_json)
def test_jsonable_round_trip_for_any_value(value: Any) -> None:
    stored = to_jsonable(value)
    assert json.loads(json.dumps(stored)) == stored
    assert from_jsonable(stored) == value
