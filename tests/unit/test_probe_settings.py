"""Probe settings: each bad field is named in one sentence, and the handshake preview is exact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sio_monitor.domain.emit.probe_settings import ProbeSettings
from sio_monitor.domain.sensitive import MASK, every_name, is_sensitive_name, masked_pairs
from sio_monitor.domain.settings import SettingsError


@pytest.mark.parametrize(
    ("overrides", "said"),
    [
        ({"url": "ftp://host"}, "must start with http://, https://, ws:// or wss://"),
        ({"url": "http://"}, "has no host name"),
        ({"url": "http://host:99999"}, "has an invalid port"),
        ({"url": "http://host:3000/chat"}, "has the path /chat, which a Socket.IO client ignores"),
        ({"path": "socket.io"}, "The Socket.IO path must start with '/'"),
        ({"transport": "carrier-pigeon"}, "Unknown transport 'carrier-pigeon'"),
        ({"headers": {"Bad Name": "x"}}, "The header name 'Bad Name' is not a valid"),
        ({"namespaces": ()}, "Choose at least one namespace"),
        ({"namespaces": ("/", "chat")}, "The namespace 'chat' must start with '/'"),
        ({"namespaces": ("/a", "/a")}, "Each namespace may be listed only once"),
        ({"auth": [1, 2]}, "The auth payload must be a JSON object"),
        ({"auth": "token"}, "The auth payload must be a JSON object"),
        ({"auth": {"blob": b"\x00"}}, "must hold JSON values only"),
        ({"auth": {"n": float("nan")}}, "must hold JSON values only"),
        ({"query": {"EIO": "3"}}, "The query parameter 'EIO' is set by Engine.IO itself"),
        ({"query": {"": "x"}}, "A query parameter has no name"),
        ({"ca_file": "/no/such/bundle.pem"}, "The CA bundle '/no/such/bundle.pem' is not"),
        ({"connect_timeout": 0}, "The connect timeout must be more than 0 seconds"),
        ({"reconnection_delay": 0}, "The reconnection delay must be more than 0"),
        ({"reconnection_delay": 6.0}, "at most the maximum delay"),
    ],
)
def test_each_bad_field_is_named(overrides: dict[str, Any], said: str) -> None:
    values: dict[str, Any] = {"url": "http://127.0.0.1:3000", **overrides}
    with pytest.raises(SettingsError) as caught:
        ProbeSettings(**values).validated()
    message = str(caught.value)
    assert said in message
    assert message.endswith(".") and "\n" not in message


def test_good_settings_validate_to_themselves(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    settings = ProbeSettings(
        "https://example.test/",
        namespaces=("/", "/chat"),
        auth={"token": "x", "nested": {"list": [1, None]}},
        headers={"Authorization": "Bearer y"},
        query={"room": "a"},
        ca_file=str(bundle),
    )
    assert settings.validated() is settings


@pytest.mark.parametrize(
    ("url", "transport", "query", "expected"),
    [
        (
            "http://127.0.0.1:3000",
            "websocket",
            {"token": "x"},
            "ws://127.0.0.1:3000/socket.io/?token=x&transport=websocket&EIO=4",
        ),
        (
            "http://127.0.0.1:3000",
            "polling",
            {},
            "http://127.0.0.1:3000/socket.io/?transport=polling&EIO=4",
        ),
        (
            "https://api.example.test",
            "both",
            {"a": "1 2", "b": "x&y=z"},
            "https://api.example.test/socket.io/?a=1+2&b=x%26y%3Dz&transport=polling&EIO=4",
        ),
        (
            "wss://api.example.test:8443/?v=2",
            "websocket",
            {"room": "r"},
            "wss://api.example.test:8443/socket.io/?v=2&room=r&transport=websocket&EIO=4",
        ),
    ],
)
def test_handshake_url_per_transport(
    url: str, transport: str, query: dict[str, str], expected: str
) -> None:
    settings = ProbeSettings(url, transport=transport, query=query).validated()
    assert settings.handshake_url() == expected


def test_handshake_url_follows_the_path_and_a_chosen_transport() -> None:
    settings = ProbeSettings("http://h:1", path="/custom/io/", transport="both", query={"k": "v"})
    assert settings.handshake_url() == "http://h:1/custom/io/?k=v&transport=polling&EIO=4"
    assert (
        settings.handshake_url("websocket") == "ws://h:1/custom/io/?k=v&transport=websocket&EIO=4"
    )


def test_the_connect_url_carries_the_whole_query() -> None:
    settings = ProbeSettings("http://h:1/?v=2", query={"room": "a b"})
    assert settings.connect_url() == "http://h:1/?v=2&room=a+b"
    assert settings.where == "h:1"
    assert ProbeSettings("https://h").where == "h:443"


def test_repr_hides_secrets() -> None:
    settings = ProbeSettings(
        "http://h:1",
        auth={"token": "s3cret-auth"},
        headers={"Authorization": "Bearer s3cret-header"},
        query={"token": "s3cret-query"},
    )
    shown = repr(settings)
    assert "s3cret" not in shown
    assert "Authorization" in shown and "auth=<hidden>" in shown
    assert "auth=None" in repr(ProbeSettings("http://h:1"))


def test_admin_settings_view_shares_the_checks() -> None:
    settings = ProbeSettings(
        "https://h:9", path="/io", transport="polling", headers={"A": "b"}, verify_tls=False
    )
    admin = settings.connection_settings()
    assert (admin.url, admin.path, admin.transport, admin.headers, admin.verify_tls) == (
        "https://h:9",
        "/io",
        "polling",
        {"A": "b"},
        False,
    )
    assert settings.host_port == ("h", 9)


def test_the_previewed_handshake_masks_secret_query_values_only() -> None:
    settings = ProbeSettings(
        url="http://h:1/?api_key=k%201", query={"token": "t&x=1", "room": "a b", "auth": ""}
    )
    assert settings.handshake_url(masked=True) == (
        f"ws://h:1/socket.io/?api_key={MASK}&token={MASK}&room=a+b&auth=&transport=websocket&EIO=4"
    )
    assert "token=t%26x%3D1" in settings.handshake_url()  # what is sent stays whole


def test_masked_pairs_keep_names_spacing_and_lines_that_are_not_pairs() -> None:
    text = "Authorization: Bearer x\nX-Empty:\nno separator here\nroom=lobby"
    assert masked_pairs(text, ":", every_name) == (
        f"Authorization: {MASK}\nX-Empty:\nno separator here\nroom=lobby"
    )
    assert masked_pairs("token=a\nroom=b\n", "=", is_sensitive_name) == f"token={MASK}\nroom=b\n"
