"""Connection profiles: a named admin connection, and the emit console's probe connection.

The model decides which values are secrets (the admin password, the probe's
``auth`` payload, and header or query values whose names say they carry
credentials), so that the store can keep every one of them out of the files it
writes. On disk a profile lists the names of its secrets under ``secrets``,
never their values, unless its owner opted in to ``store_secrets``; exports
never carry them. A loaded profile therefore knows which secrets it lacks and
the app can ask for exactly those at connect time.

The probe section is a plain JSON object with the fields of ``ProbeSettings``,
so a profile stays readable and writable whatever version of the emit console
is installed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any
from urllib.parse import urlsplit

from sio_monitor.domain.emit.probe_settings import ProbeSettings
from sio_monitor.domain.sensitive import is_sensitive_name
from sio_monitor.domain.settings import (
    DEFAULT_ADMIN_NAMESPACE,
    DEFAULT_PATH,
    ConnectionSettings,
    SettingsError,
)

FORMAT = "sio-monitor-profiles"
FORMAT_VERSION = 1
NAME_LIMIT = 80

ADMIN_PASSWORD = "admin.password"
PROBE_AUTH = "probe.auth"
_ADMIN_FIELDS = (
    "url", "path", "admin_namespace", "username", "transport", "verify_tls", "ca_file",
    "headers", "connect_timeout", "parser",
)  # fmt: skip


class ProfileError(ValueError):
    """A profile cannot be used as given; the message is one sentence saying why."""


class NewerFormatError(ProfileError):
    """The document was written by a newer version: reading it could lose what it holds."""


def new_profile_id() -> str:
    """A stable identity: secrets are filed under it, so renaming a profile moves nothing."""
    return uuid.uuid4().hex


def _json_copy(value: Any, what: str) -> Any:
    """A deep copy through JSON: tuples become lists, so equality survives a round trip."""
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError) as exc:
        raise ProfileError(f"The {what} cannot be stored as JSON ({exc}).") from None


def _named_slots(prefix: str, values: Any) -> set[str]:
    if not isinstance(values, Mapping):
        return set()
    return {f"{prefix}.{name}" for name in values if is_sensitive_name(str(name))}


@dataclass(frozen=True)
class Profile:
    """Named settings; ``declared`` lists secrets known to exist, present here or not."""

    name: str
    admin: ConnectionSettings
    probe: dict[str, Any] | None = field(default=None, repr=False)
    store_secrets: bool = False  # the owner chose plain-text storage in the profile file
    id: str = field(default_factory=new_profile_id)
    declared: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.probe is not None:
            if not isinstance(self.probe, Mapping):
                raise ProfileError("The probe section of a profile must be a JSON object.")
            object.__setattr__(self, "probe", _json_copy(dict(self.probe), "probe section"))
        object.__setattr__(self, "declared", frozenset(self.declared) | self._slots_in_values())

    def _slots_in_values(self) -> set[str]:
        slots = _named_slots("admin.headers", self.admin.headers)
        if self.admin.username or self.admin.password:
            slots.add(ADMIN_PASSWORD)
        probe = self.probe or {}
        if probe.get("auth") is not None:
            slots.add(PROBE_AUTH)
        slots |= _named_slots("probe.headers", probe.get("headers"))
        slots |= _named_slots("probe.query", probe.get("query"))
        return slots

    def secret_slots(self) -> tuple[str, ...]:
        return tuple(sorted(self.declared))

    def secret_values(self) -> dict[str, str]:
        """Every secret this profile holds, as text, by slot name."""
        values: dict[str, str] = {}
        if self.admin.password:
            values[ADMIN_PASSWORD] = self.admin.password
        for name, value in self.admin.headers.items():
            if value and is_sensitive_name(name):
                values[f"admin.headers.{name}"] = value
        probe = self.probe or {}
        if probe.get("auth") is not None:
            values[PROBE_AUTH] = json.dumps(probe["auth"])
        for section in ("headers", "query"):
            items = probe.get(section)
            for name, value in items.items() if isinstance(items, Mapping) else ():
                if value and is_sensitive_name(str(name)):
                    values[f"probe.{section}.{name}"] = str(value)
        return values

    def missing_secrets(self) -> tuple[str, ...]:
        """The secrets to ask for before connecting: declared, but not held."""
        held = self.secret_values()
        return tuple(slot for slot in self.secret_slots() if slot not in held)

    def with_secrets(self, values: Mapping[str, str]) -> Profile:
        """This profile with the given secrets filled in; slots it does not declare are ignored."""
        admin, probe = self.admin, dict(self.probe) if self.probe is not None else None
        for slot, value in values.items():
            if slot not in self.declared:
                continue
            section, _, rest = slot.partition(".")
            kind, _, name = rest.partition(".")
            if slot == ADMIN_PASSWORD:
                admin = replace(admin, password=value)
            elif section == "admin" and kind == "headers":
                admin = replace(admin, headers={**admin.headers, name: value})
            elif probe is not None and slot == PROBE_AUTH:
                try:
                    probe["auth"] = json.loads(value)
                except ValueError:
                    raise ProfileError("The stored probe auth payload is not JSON.") from None
            elif probe is not None and section == "probe" and kind in ("headers", "query"):
                probe[kind] = {**(probe.get(kind) or {}), name: value}
        return replace(self, admin=admin, probe=probe)

    def without_secrets(self) -> Profile:
        """The same profile holding no secret value, still declaring every secret it has."""
        headers = {k: "" if is_sensitive_name(k) else v for k, v in self.admin.headers.items()}
        probe = dict(self.probe) if self.probe is not None else None
        if probe is not None:
            if probe.get("auth") is not None:
                probe["auth"] = None
            for section in ("headers", "query"):
                items = probe.get(section)
                if isinstance(items, Mapping):
                    probe[section] = {
                        k: "" if is_sensitive_name(str(k)) else v for k, v in items.items()
                    }
        admin = replace(self.admin, password="", headers=headers)
        return replace(self, admin=admin, probe=probe, declared=self.declared)

    def public(self) -> Profile:
        """What an export holds: no secrets, and no opt-in, which belongs to one computer."""
        return replace(self.without_secrets(), store_secrets=False)

    def validated(self) -> Profile:
        """Return self, or raise ProfileError naming what cannot work."""
        name = self.name.strip()
        if not name:
            raise ProfileError("Give the profile a name.")
        if len(name) > NAME_LIMIT or any(ord(c) < 32 for c in name):
            raise ProfileError(f"A profile name is one line of {NAME_LIMIT} characters at most.")
        try:
            self.admin.validated()
        except SettingsError as exc:
            raise ProfileError(str(exc)) from None
        if url_has_password(self.admin.url) or url_has_password(
            str((self.probe or {}).get("url", ""))
        ):
            raise ProfileError("Type the password in its field, not in the URL (saved as is).")
        return self if name == self.name else replace(self, name=name)

    def probe_settings(self) -> ProbeSettings | None:
        """The probe section as ``ProbeSettings``; None when the profile has no probe."""
        if self.probe is None:
            return None
        known = {f.name for f in fields(ProbeSettings)}
        section = {k: v for k, v in self.probe.items() if k in known}  # newer keys stay on disk
        section.setdefault("url", self.admin.url)
        if isinstance(section.get("namespaces"), list):
            section["namespaces"] = tuple(section["namespaces"])
        try:
            return ProbeSettings(**section)
        except TypeError as exc:
            raise ProfileError(f"The probe section is incomplete ({exc}).") from None


def probe_section(settings: ProbeSettings, keep: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The JSON section for a ``ProbeSettings``; unknown keys of ``keep`` stay as they were."""
    return {**(keep or {}), **_json_copy(asdict(settings), "probe section")}


def url_has_password(url: str) -> bool:
    try:
        return bool(urlsplit(url).password)
    except ValueError:
        return False


def unique_name(wanted: str, taken: Iterable[str]) -> str:
    """``wanted``, or ``wanted (2)``, ``(3)``…: the first that no profile uses yet."""
    used = {name.casefold() for name in taken}
    if wanted.casefold() not in used:
        return wanted
    number = 2
    while f"{wanted} ({number})".casefold() in used:
        number += 1
    return f"{wanted} ({number})"


def settings_to_dict(settings: ConnectionSettings, *, password: bool) -> dict[str, Any]:
    data = {name: getattr(settings, name) for name in _ADMIN_FIELDS}
    data["headers"] = dict(settings.headers)
    if password and settings.password:
        data["password"] = settings.password
    return data


def _typed(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], default: Any) -> Any:
    value = data.get(key, default)
    if value is default or isinstance(value, kind):
        return value
    raise ProfileError(f"The field {key!r} has the wrong type ({type(value).__name__}).")


def settings_from_dict(data: Any) -> ConnectionSettings:
    """Admin settings from their JSON form; ProfileError says which field is wrong."""
    if not isinstance(data, Mapping):
        raise ProfileError("The admin section is not a JSON object.")
    headers = _typed(data, "headers", dict, {})
    if not all(isinstance(v, str) for v in headers.values()):
        raise ProfileError("Header values must be strings.")
    url = _typed(data, "url", str, None)
    if url is None:
        raise ProfileError("The admin section has no URL.")
    settings = ConnectionSettings(
        url=url,
        path=_typed(data, "path", str, DEFAULT_PATH),
        admin_namespace=_typed(data, "admin_namespace", str, DEFAULT_ADMIN_NAMESPACE),
        username=_typed(data, "username", str, ""),
        password=_typed(data, "password", str, ""),
        transport=_typed(data, "transport", str, "websocket"),
        verify_tls=_typed(data, "verify_tls", bool, True),
        ca_file=_typed(data, "ca_file", (str, type(None)), None),
        headers=dict(headers),
        connect_timeout=float(_typed(data, "connect_timeout", (int, float), 10.0)),
        parser=_typed(data, "parser", str, "default"),
    )
    try:
        return settings.validated()
    except SettingsError as exc:
        raise ProfileError(str(exc)) from None


def profile_to_dict(profile: Profile) -> dict[str, Any]:
    """The JSON form; secret values are in it only when the profile opted in."""
    source = profile if profile.store_secrets else profile.without_secrets()
    return {
        "id": profile.id,
        "name": profile.name,
        "admin": settings_to_dict(source.admin, password=profile.store_secrets),
        "probe": source.probe,
        "store_secrets": profile.store_secrets,
        "secrets": list(profile.secret_slots()),
    }


def profile_from_dict(data: Any) -> Profile:
    if not isinstance(data, Mapping):
        raise ProfileError("A profile entry is not a JSON object.")
    name = _typed(data, "name", str, "")
    try:
        secrets = _typed(data, "secrets", list, [])
        profile = Profile(
            name=name,
            admin=settings_from_dict(data.get("admin")),
            probe=_typed(data, "probe", (dict, type(None)), None),
            store_secrets=_typed(data, "store_secrets", bool, False),
            id=_typed(data, "id", str, "") or new_profile_id(),
            declared=frozenset(str(slot) for slot in secrets),
        )
        return profile.validated()
    except ProfileError as exc:
        raise ProfileError(f"Profile {name or '(unnamed)'!r}: {exc}") from None


def profiles_document(profiles: Iterable[Profile]) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "profiles": [profile_to_dict(p) for p in profiles],
    }


def read_profiles_document(document: Any) -> tuple[list[Profile], list[str]]:
    """The profiles a document holds, and one sentence per entry that could not be read.

    Raises ProfileError when the document as a whole is not a profiles file, and
    NewerFormatError when a newer version wrote it.
    """
    if not isinstance(document, Mapping) or document.get("format") != FORMAT:
        raise ProfileError("It is not a SIO Monitor profiles file.")
    version = document.get("version")
    if not isinstance(version, int) or version < 1:
        raise ProfileError(f"Its format version {version!r} is not a positive number.")
    if version > FORMAT_VERSION:
        raise NewerFormatError(
            f"It was written by a newer SIO Monitor (format {version}; this one reads "
            f"{FORMAT_VERSION})."
        )
    entries = document.get("profiles")
    if not isinstance(entries, list):
        raise ProfileError("Its 'profiles' field is not a list.")
    profiles: list[Profile] = []
    problems: list[str] = []
    for entry in entries:
        try:
            profiles.append(profile_from_dict(entry))
        except ProfileError as exc:
            problems.append(str(exc))
    return profiles, problems


RECENT_FORMAT = "sio-monitor-recent"
RECENT_LIMIT = 10


@dataclass(frozen=True)
class RecentConnection:
    """A connection made lately, with every secret value blanked."""

    settings: ConnectionSettings
    at: float  # epoch seconds

    @property
    def label(self) -> str:
        user = f" as {self.settings.username}" if self.settings.username else ""
        return f"{self.settings.url}{user}"


def _recent_key(settings: ConnectionSettings) -> tuple[str, str, str, str]:
    return settings.url, settings.path, settings.admin_namespace, settings.username


def remember_recent(
    recent: Iterable[RecentConnection], settings: ConnectionSettings, at: float
) -> list[RecentConnection]:
    """``settings`` first, without secrets, then the others minus its older entry, ten at most."""
    if url_has_password(settings.url):  # a URL with a password in it is not kept at all
        return list(recent)
    bare = Profile("recent", settings).without_secrets().admin
    others = [entry for entry in recent if _recent_key(entry.settings) != _recent_key(bare)]
    return [RecentConnection(bare, at), *others][:RECENT_LIMIT]


def recent_document(recent: Iterable[RecentConnection]) -> dict[str, Any]:
    entries = [
        {"at": entry.at, "admin": settings_to_dict(entry.settings, password=False)}
        for entry in recent
    ]
    return {"format": RECENT_FORMAT, "version": FORMAT_VERSION, "recent": entries}


def read_recent_document(document: Any) -> list[RecentConnection]:
    """The recent connections; ProfileError when the document is not a recent list."""
    if not isinstance(document, Mapping) or document.get("format") != RECENT_FORMAT:
        raise ProfileError("It is not a SIO Monitor list of recent connections.")
    entries = document.get("recent")
    if not isinstance(entries, list):
        raise ProfileError("Its 'recent' field is not a list.")
    recent: list[RecentConnection] = []
    for entry in entries[:RECENT_LIMIT]:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("at"), int | float):
            raise ProfileError("A recent connection lacks its time.")
        settings = Profile("recent", settings_from_dict(entry.get("admin"))).without_secrets()
        recent.append(RecentConnection(settings.admin, float(entry["at"])))
    return recent
