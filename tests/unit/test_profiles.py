"""Profiles: round trips through the file, the keyring and exports, and no secret on disk.

The keyring here is a real ``keyring`` backend that keeps entries in a dict,
installed with ``keyring.set_keyring`` as a user's configuration would install
one; the machine's own default (the fail backend) stands for "no keyring".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from keyring.backend import KeyringBackend
from keyring.backends import fail

from sio_monitor import cli
from sio_monitor.domain.emit.probe_settings import ProbeSettings
from sio_monitor.domain.profiles import (
    ADMIN_PASSWORD,
    PROBE_AUTH,
    RECENT_LIMIT,
    Profile,
    ProfileError,
    profile_from_dict,
    profile_to_dict,
)
from sio_monitor.domain.sensitive import is_sensitive_name
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.store.profiles_store import KeyringSecrets, ProfilesError, ProfileStore
from tests.support.keyrings import MemoryKeyring, installed

PASSWORD = "pw-Zq81-admin"
BEARER = "Bearer tok-Hx7-header"
TOKEN = "tok-Pq3-auth"
QUERY_TOKEN = "tok-Qm5-query"
SECRETS = (PASSWORD, BEARER, TOKEN, QUERY_TOKEN)


@pytest.fixture
def memory_keyring() -> Iterator[KeyringBackend]:
    with installed(MemoryKeyring({})) as backend:
        yield backend


@pytest.fixture
def no_keyring() -> Iterator[KeyringBackend]:
    with installed(fail.Keyring()) as backend:
        yield backend


def full_profile(name: str = "production", **changes: object) -> Profile:
    admin = ConnectionSettings(
        "https://prod.example:8443", path="/ws", username="ops", password=PASSWORD,
        headers={"Authorization": BEARER, "X-Trace": "on"}, transport="both",
    )  # fmt: skip
    probe = {
        "url": "https://prod.example:8443", "namespaces": ["/", "/chat"],
        "auth": {"token": TOKEN, "room": "lobby"}, "headers": {"X-Client": "monitor"},
        "query": {"token": QUERY_TOKEN, "v": "2"},
    }  # fmt: skip
    return replace(Profile(name, admin, probe=probe), **changes)  # type: ignore[arg-type]


def files_text(directory: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in directory.rglob("*") if p.is_file())


# --- the model ----------------------------------------------------------------------------


def test_secret_fields_are_the_password_auth_and_credential_headers() -> None:
    profile = full_profile()
    assert set(profile.secret_slots()) == {
        ADMIN_PASSWORD, "admin.headers.Authorization", PROBE_AUTH, "probe.query.token",
    }  # fmt: skip
    assert set(profile.secret_values().values()) == {
        PASSWORD, BEARER, json.dumps({"token": TOKEN, "room": "lobby"}), QUERY_TOKEN,
    }  # fmt: skip
    for name in ("Authorization", "Proxy-Authorization", "X-Api-Key", "Cookie", "access_token"):
        assert is_sensitive_name(name)
    for name in ("X-Trace", "Accept-Language", "room", "v"):
        assert not is_sensitive_name(name)


def test_without_secrets_holds_none_and_knows_what_it_lacks() -> None:
    profile = full_profile()
    bare = profile.without_secrets()
    text = json.dumps(profile_to_dict(bare))
    assert not any(secret in text for secret in SECRETS)
    assert bare.missing_secrets() == profile.secret_slots()
    assert bare.admin.headers["X-Trace"] == "on"
    assert bare.with_secrets(profile.secret_values()) == profile
    assert PASSWORD not in repr(profile) and TOKEN not in repr(profile)


def test_probe_section_becomes_probe_settings() -> None:
    settings = full_profile().probe_settings()
    assert isinstance(settings, ProbeSettings)
    assert settings.namespaces == ("/", "/chat")
    assert settings.auth == {"token": TOKEN, "room": "lobby"}
    assert settings.validated() is settings
    assert full_profile(probe=None).probe_settings() is None


def test_bad_entries_are_named_in_a_sentence() -> None:
    good = profile_to_dict(full_profile())
    with pytest.raises(ProfileError, match="'production': The URL 'ftp://x'"):
        profile_from_dict({**good, "admin": {**good["admin"], "url": "ftp://x"}})
    with pytest.raises(ProfileError, match="'verify_tls' has the wrong type"):
        profile_from_dict({**good, "admin": {**good["admin"], "verify_tls": "yes"}})
    with pytest.raises(ProfileError, match="Give the profile a name"):
        profile_from_dict({**good, "name": "  "})


names = st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,11}", fullmatch=True)


@given(
    headers=st.dictionaries(names, st.text(max_size=20), max_size=4),
    password=st.text(max_size=20),
    auth=st.none() | st.dictionaries(names, st.text(max_size=10) | st.integers(), max_size=3),
)
def test_serialised_form_round_trips_with_its_secrets_put_back(
    headers: dict[str, str], password: str, auth: dict[str, object] | None
) -> None:
    admin = ConnectionSettings("http://h:1", username="u", password=password, headers=headers)
    profile = Profile("p", admin, probe={"url": "http://h:1", "auth": auth})
    loaded = profile_from_dict(json.loads(json.dumps(profile_to_dict(profile))))
    assert loaded.with_secrets(profile.secret_values()) == profile
    assert loaded.secret_values() == {}


# --- the store: where secrets go ---------------------------------------------------------


def test_round_trip_through_file_and_keyring(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    profile = full_profile()
    note = ProfileStore(tmp_path).save(profile)
    assert "system keyring" in note
    assert not any(secret in files_text(tmp_path) for secret in SECRETS)
    assert set(memory_keyring.entries.values()) == set(profile.secret_values().values())
    loaded = ProfileStore(tmp_path).profiles()
    assert loaded == [profile.without_secrets()]
    assert ProfileStore(tmp_path).resolved(loaded[0]) == profile


def test_without_a_keyring_secrets_are_asked_for_and_never_written(
    tmp_path: Path, no_keyring: KeyringBackend
) -> None:
    store, profile = ProfileStore(tmp_path), full_profile()
    assert not store.keyring_available() and KeyringSecrets().get("x") is None
    with pytest.raises(ProfilesError, match="refused"):
        KeyringSecrets().put("x", "y")
    note = store.save(profile)
    assert "asked for at connect time" in note
    assert not any(secret in files_text(tmp_path) for secret in SECRETS)
    loaded = ProfileStore(tmp_path).profiles()[0]
    assert loaded.missing_secrets() == profile.secret_slots()
    assert store.resolved(loaded) == loaded
    assert loaded.with_secrets(profile.secret_values()) == profile


def test_a_refusing_keyring_keeps_secrets_off_the_disk_and_says_so(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    memory_keyring.refuse = True
    note = ProfileStore(tmp_path).save(full_profile())
    assert "not its secrets" in note and "locked" in note
    assert not any(secret in files_text(tmp_path) for secret in SECRETS)


def test_opt_in_stores_secrets_in_the_file_and_clears_the_keyring(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    store = ProfileStore(tmp_path)
    profile = full_profile()
    store.save(profile)
    assert memory_keyring.entries
    opted = replace(profile, store_secrets=True)
    assert "plain text" in store.save(opted)
    assert memory_keyring.entries == {}
    assert all(secret in files_text(tmp_path) for secret in SECRETS)
    assert ProfileStore(tmp_path).profiles() == [opted]


def test_rename_keeps_secrets_delete_forgets_them_duplicate_copies_them(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    store = ProfileStore(tmp_path)
    profile = full_profile()
    store.save(profile)
    store.save(replace(profile, name="prod"))
    assert store.resolved(store.find("PROD")) == replace(profile, name="prod")  # type: ignore[arg-type]
    copy = store.duplicate(profile.id)
    assert copy.name == "prod (copy)" and copy.id != profile.id
    assert store.duplicate(profile.id).name == "prod (copy) (2)"
    assert store.resolved(copy).secret_values() == profile.secret_values()
    store.delete(profile.id)
    assert store.names() == ["prod (copy)", "prod (copy) (2)"]
    assert not any(key.startswith(profile.id) for _, key in memory_keyring.entries)
    assert any(key.startswith(copy.id) for _, key in memory_keyring.entries)
    with pytest.raises(ProfilesError, match="exists already"):
        store.save(full_profile(name="Prod (Copy)"))


def test_export_and_import_round_trip_without_secrets(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    home, elsewhere = ProfileStore(tmp_path / "home"), ProfileStore(tmp_path / "elsewhere")
    first, second = full_profile(store_secrets=True), full_profile("staging")
    home.save(first)
    home.save(second)
    exported = tmp_path / "profiles-export.json"
    assert home.export_to(exported) == 2
    assert not any(secret in exported.read_text() for secret in SECRETS)
    imported, problem = elsewhere.import_from(exported)
    assert problem is None
    assert sorted(imported, key=lambda p: p.name) == [first.public(), second.public()]
    assert ProfileStore(tmp_path / "elsewhere").profiles() == [first.public(), second.public()]
    again, _ = elsewhere.import_from(exported)
    assert sorted(p.name for p in again) == ["production (2)", "staging (2)"]
    assert len({p.id for p in elsewhere.profiles()}) == 4


def test_import_of_a_file_that_is_not_an_export_is_refused_in_a_sentence(
    tmp_path: Path, no_keyring: KeyringBackend
) -> None:
    bad = tmp_path / "notes.json"
    bad.write_text('{"hello": 1}')
    with pytest.raises(ProfilesError, match=r"notes\.json cannot be imported: It is not a SIO"):
        ProfileStore(tmp_path / "store").import_from(bad)
    bad.write_text("{oops")
    with pytest.raises(ProfilesError, match=r"notes\.json cannot be imported"):
        ProfileStore(tmp_path / "store").import_from(bad)


# --- the store: files that cannot be read ---------------------------------------------


def test_a_corrupt_file_is_kept_aside_never_overwritten(
    tmp_path: Path, no_keyring: KeyringBackend
) -> None:
    path = tmp_path / "profiles.json"
    path.write_text("{not json")
    store = ProfileStore(tmp_path)
    assert store.problem is not None and "profiles.json.bak" in store.problem
    assert (tmp_path / "profiles.json.bak").read_text() == "{not json"
    store.save(full_profile())
    path.write_text("[still not a profiles file]")
    second = ProfileStore(tmp_path)
    assert second.problem is not None and "profiles.json.1.bak" in second.problem
    assert (tmp_path / "profiles.json.bak").read_text() == "{not json"
    assert (tmp_path / "profiles.json.1.bak").read_text() == "[still not a profiles file]"


def test_a_bad_entry_leaves_the_others_usable_and_the_original_kept(
    tmp_path: Path, no_keyring: KeyringBackend
) -> None:
    store = ProfileStore(tmp_path)
    store.save(full_profile())
    document = json.loads((tmp_path / "profiles.json").read_text())
    document["profiles"].append({"name": "broken", "admin": {"path": "/socket.io"}})
    original = json.dumps(document)
    (tmp_path / "profiles.json").write_text(original)
    reread = ProfileStore(tmp_path)
    assert reread.names() == ["production"]
    assert reread.problem is not None and "'broken': The admin section has no URL" in reread.problem
    assert (tmp_path / "profiles.json.bak").read_text() == original
    assert ProfileStore(tmp_path).problem is None


def test_a_newer_format_is_left_untouched_and_not_changed(
    tmp_path: Path, no_keyring: KeyringBackend
) -> None:
    newer = json.dumps({"format": "sio-monitor-profiles", "version": 99, "profiles": []})
    (tmp_path / "profiles.json").write_text(newer)
    store = ProfileStore(tmp_path)
    assert store.problem is not None and "newer SIO Monitor" in store.problem
    with pytest.raises(ProfilesError, match="cannot be changed"):
        store.save(full_profile())
    assert (tmp_path / "profiles.json").read_text() == newer
    assert not (tmp_path / "profiles.json.bak").exists()


def test_an_unreadable_file_stays_and_refuses_changes_while_all_bad_entries_do_not(
    tmp_path: Path, no_keyring: KeyringBackend
) -> None:
    (tmp_path / "profiles.json").mkdir()  # reading it fails as a damaged disk would
    store = ProfileStore(tmp_path)
    assert store.problem is not None and store.problem.startswith("Could not read")
    with pytest.raises(ProfilesError, match="cannot be changed now"):
        store.save(full_profile())
    (tmp_path / "profiles.json").rmdir()
    only_bad = {"format": "sio-monitor-profiles", "version": 1, "profiles": [{"name": "x"}]}
    (tmp_path / "profiles.json").write_text(json.dumps(only_bad))
    store = ProfileStore(tmp_path)
    assert store.problem is not None and store.names() == []
    store.save(full_profile())
    assert ProfileStore(tmp_path).names() == ["production"]
    assert json.loads((tmp_path / "profiles.json.bak").read_text()) == only_bad


# --- recent connections --------------------------------------------------------------------


def test_recent_connections_keep_ten_newest_first_without_secrets(
    tmp_path: Path, no_keyring: KeyringBackend
) -> None:
    store = ProfileStore(tmp_path)
    admin = full_profile().admin
    for port in range(12):
        store.remember(replace(admin, url=f"http://h:{3000 + port}"), at=float(port))
    store.remember(replace(admin, url="http://h:3005"), at=100.0)
    recent = store.recent()
    assert len(recent) == RECENT_LIMIT
    assert [r.settings.url for r in recent[:2]] == ["http://h:3005", "http://h:3011"]
    assert [r.settings.url for r in recent].count("http://h:3005") == 1
    assert recent[0].settings.password == "" and recent[0].settings.headers["X-Trace"] == "on"
    assert not any(secret in files_text(tmp_path) for secret in SECRETS)
    assert recent[0].label == "http://h:3005 as ops"


def test_a_password_inside_a_url_is_neither_saved_nor_remembered(
    tmp_path: Path, no_keyring: KeyringBackend
) -> None:
    store = ProfileStore(tmp_path)
    with_password = ConnectionSettings(f"http://ops:{PASSWORD}@h:3000")
    with pytest.raises(ProfilesError, match="not in the URL"):
        store.save(Profile("inline", with_password))
    store.remember(with_password)
    assert store.recent() == []
    assert PASSWORD not in files_text(tmp_path)


# --- the command line ------------------------------------------------------------------------


def test_unknown_profile_on_the_command_line_lists_the_known_ones(
    tmp_path: Path,
    no_keyring: KeyringBackend,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--profile", "prod"])
    assert exit_.value.code == 2
    assert "No profile is named 'prod'. No profile is saved yet." in capsys.readouterr().err
    store = ProfileStore()
    assert store.path.is_relative_to(tmp_path)
    store.save(full_profile("staging"))
    store.save(full_profile("production-eu"))
    with pytest.raises(SystemExit):
        cli.main(["--profile", "prod"])
    assert "Known profiles: 'production-eu', 'staging'." in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["http://h:1", "--profile", "staging"])
    assert "give only one of them" in capsys.readouterr().err
