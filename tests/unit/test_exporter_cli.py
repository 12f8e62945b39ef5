"""``sio-monitor exporter``'s command line: targets from URLs and profiles, mistakes said."""

from __future__ import annotations

import pytest

from sio_monitor.cli import main
from sio_monitor.domain.profiles import Profile
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.store.profiles_store import ProfileStore
from sio_monitor.terminal.exporter import profile_settings


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exited:
        main(["exporter", *argv])
    assert exited.value.code == 2
    return capsys.readouterr().err


def test_a_target_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    assert "give at least one URL or --profile NAME." in refused(capsys)


def test_a_bad_listen_address_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    error = refused(capsys, "http://a:3000", "--listen", "9798")
    assert "must look like HOST:PORT" in error


def test_a_user_without_a_password_is_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SIO_MONITOR_PASSWORD", raising=False)
    error = refused(capsys, "http://a:3000", "--user", "admin")
    assert "No admin password for admin: set SIO_MONITOR_PASSWORD." in error


def test_an_unknown_profile_names_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    ProfileStore().save(Profile("staging", ConnectionSettings("http://staging:3000")))
    error = refused(capsys, "--profile", "prod")
    assert "No profile is named 'prod'. Known profiles: 'staging'." in error


def test_a_profile_brings_its_settings_and_the_password_from_the_environment() -> None:
    admin = ConnectionSettings("http://qa:4000", username="admin", admin_namespace="/ops")
    ProfileStore().save(Profile("qa", admin))
    settings = profile_settings("qa", "from-env")
    assert (settings.url, settings.admin_namespace) == ("http://qa:4000", "/ops")
    assert (settings.username, settings.password) == ("admin", "from-env")
