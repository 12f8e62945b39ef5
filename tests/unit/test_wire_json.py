"""The admin stream's decoder gives exactly what python-engineio's stock decoder gives."""

from __future__ import annotations

import math

import pytest
from engineio import json as engineio_json
from hypothesis import given, settings
from hypothesis import strategies as st

from sio_monitor.net.wire_codec import wire_json

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=300)
@given(json_values)
def test_any_json_decodes_as_the_stock_decoder_does(value: object) -> None:
    text = engineio_json.dumps(value)
    assert wire_json.loads(text) == engineio_json.loads(text)


@pytest.mark.parametrize(
    "text",
    [
        '["n", NaN, Infinity, -Infinity]',  # not JSON, but the stock decoder takes it
        '["\\ud800 lone surrogate"]',
        '{"a": 1, "a": 2}',
        "[-0, 0.0, -0.0, 1e400]",
        "[18446744073709551616, -18446744073709551617]",  # past 64 bits: exact, not floats
    ],
)
def test_what_orjson_refuses_goes_to_the_stock_decoder(text: str) -> None:
    ours, stock = wire_json.loads(text), engineio_json.loads(text)
    assert repr(ours) == repr(stock)  # repr: NaN != NaN, and -0.0 must stay negative
    assert type(ours) is type(stock)


def test_long_integers_are_read_up_to_python_s_own_limit_and_refused_beyond() -> None:
    assert wire_json.loads("[" + "9" * 101 + "]") == [int("9" * 101)]
    with pytest.raises(ValueError):
        wire_json.loads("[" + "9" * 5000 + "]")


def test_malformed_text_still_raises_a_value_error() -> None:
    for text in ("[1,", "{'a': 1}", ""):
        with pytest.raises(ValueError):
            wire_json.loads(text)
    assert math.isnan(wire_json.loads("NaN"))


def test_nesting_deeper_than_the_recursive_codecs_go_still_round_trips() -> None:
    deep: object = "bottom"
    for _ in range(10_000):
        deep = [deep]
    text = wire_json.dumps(deep, separators=(",", ":"))
    assert text == "[" * 10_000 + '"bottom"' + "]" * 10_000
    # Compared as text: == on 10,000 nested lists would itself recurse too deep.
    assert wire_json.dumps(wire_json.loads(text), separators=(",", ":")) == text
