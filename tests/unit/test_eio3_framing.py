"""Engine.IO 3's polling framing and the parser setting: pure logic, no network."""

from __future__ import annotations

import pytest

from sio_monitor.domain.compatibility import names_socketio_2, socketio_2_message
from sio_monitor.domain.profiles import settings_from_dict, settings_to_dict
from sio_monitor.domain.settings import ConnectionSettings, SettingsError
from sio_monitor.net.eio3 import decode_payload, encode_payload, to_engineio_3, to_engineio_4
from sio_monitor.net.parsers import parser_mismatch_message


def test_lengths_count_utf16_units_as_javascript_does() -> None:
    packets = ['42["a","😀"]', "b4AAH/", "3", '40/chat,"é"']
    framed = encode_payload(packets)
    assert framed.startswith("12:42[")  # the emoji counts twice, as in JavaScript
    assert decode_payload(framed) == packets


def test_translation_both_ways_keeps_binary_as_base64() -> None:
    eio3 = encode_payload(["2", "b4AQI=", '42["x"]'])
    assert to_engineio_4(eio3) == '2\x1ebAQI=\x1e42["x"]'
    assert to_engineio_3('2\x1ebAQI=\x1e42["x"]') == eio3
    assert to_engineio_3("") == ""


@pytest.mark.parametrize("broken", ["5:42", "x:42", "42", "3:42[]x:"])
def test_broken_framing_is_refused(broken: str) -> None:
    with pytest.raises(ValueError):
        decode_payload(broken)


def test_the_parser_is_a_validated_setting_kept_by_profiles() -> None:
    settings = ConnectionSettings("http://h:1", parser="msgpack").validated()
    assert settings_from_dict(settings_to_dict(settings, password=False)).parser == "msgpack"
    assert settings_from_dict({"url": "http://h:1"}).parser == "default"
    with pytest.raises(SettingsError, match="Unknown parser 'cbor'"):
        ConnectionSettings("http://h:1", parser="cbor").validated()


def test_sentences_name_what_to_pick() -> None:
    said = parser_mismatch_message("h:1", "default")
    assert said.startswith("The server at h:1 uses the msgpack parser")
    assert said.endswith("choose the msgpack parser (--parser msgpack) and connect again.")
    assert "(--parser default)" in parser_mismatch_message("h:1", "msgpack")
    assert names_socketio_2(socketio_2_message("h:1"))
