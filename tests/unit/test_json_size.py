"""The log measures a long string as ``json`` would write it, without writing it."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from sio_monitor.domain.eventlog.entries import PAYLOAD_LIMIT, _json_size, encode_args


def written(text: str) -> int:
    return len(json.dumps(text, ensure_ascii=False).encode("utf-8", "surrogatepass"))


def test_every_character_of_the_basic_plane_is_counted_as_json_writes_it() -> None:
    wrong = [hex(c) for c in range(0x10000) if _json_size(chr(c)) != written(chr(c))]
    assert wrong == []


def test_the_other_planes_are_counted_as_json_writes_them() -> None:
    astral = "".join(map(chr, range(0x10000, 0x110000, 7)))
    assert _json_size(astral) == written(astral) == 2 + 4 * len(astral)


@given(st.text())  # lone surrogates included: the slow path counts those
def test_any_text_is_counted_as_json_writes_it(text: str) -> None:
    assert _json_size(text) == written(text)


def test_a_long_argument_with_a_lone_surrogate_keeps_its_true_size() -> None:
    text = "\ud800" + '\n"\\é' * PAYLOAD_LIMIT
    _, _, size, _ = encode_args((text,))
    assert size == len(json.dumps([text], ensure_ascii=False).encode("utf-8", "surrogatepass"))
