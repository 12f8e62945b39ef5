"""The command line: version, connection flags, and the password never taken from argv."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from sio_monitor import __version__
from sio_monitor.cli import add_connection_arguments, settings_from_arguments
from sio_monitor.domain.settings import SettingsError


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "sio_monitor", "--version"],
        [str(Path(sys.executable).with_name("sio-monitor")), "--version"],
    ],
    ids=["python -m sio_monitor", "sio-monitor script"],
)
def test_version_is_printed(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert result.stdout.strip() == f"sio-monitor {__version__}"


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    add_connection_arguments(parser)
    return parser.parse_args(argv)


def test_connection_flags_become_settings() -> None:
    args = parse(
        "https://staging.example:8443",
        "--user", "ops",
        "--path", "/ws",
        "--admin-namespace", "/monitor",
        "--transport", "both",
        "--header", "X-Api-Key: abc:def",
        "--insecure",
        "--timeout", "3",
    )  # fmt: skip
    settings = settings_from_arguments(args, password="s3cret")
    assert settings.url == "https://staging.example:8443"
    assert settings.username == "ops"
    assert settings.password == "s3cret"
    assert settings.path == "/ws"
    assert settings.admin_namespace == "/monitor"
    assert settings.transports == ["polling", "websocket"]
    assert settings.headers == {"X-Api-Key": "abc:def"}
    assert settings.verify_tls is False
    assert settings.connect_timeout == 3
    assert "s3cret" not in repr(settings)


def test_there_is_no_password_flag() -> None:
    with pytest.raises(SystemExit):
        parse("http://localhost:3000", "--password", "visible-to-everyone")


@pytest.mark.parametrize(
    ("url", "fragment"),
    [("localhost:3000", "must start with"), ("http://", "no host"), ("http://h:99999", "port")],
)
def test_bad_urls_are_explained(url: str, fragment: str) -> None:
    with pytest.raises(SettingsError, match=fragment):
        settings_from_arguments(parse(url), password="")


def test_a_header_without_colon_is_explained() -> None:
    with pytest.raises(SettingsError, match="Name:value"):
        settings_from_arguments(parse("http://localhost:3000", "--header", "nocolon"), "")


def test_the_demo_server_runs_from_a_bundle_as_the_bundle_itself(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sio_monitor.qt.demo_process import demo_server_command

    assert demo_server_command() == (sys.executable, ["-m", "sio_monitor"])
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "/opt/sio-monitor/sio-monitor")
    assert demo_server_command() == ("/opt/sio-monitor/sio-monitor", [])
