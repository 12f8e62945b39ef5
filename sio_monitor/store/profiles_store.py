"""Where profiles and recent connections live, and where their secrets go.

Profiles are one JSON document in the user config directory, written
atomically and re-read before every change, so two windows saving profiles do
not erase each other's. Secret values never reach that file unless a profile
opted in: they go to the system keyring when ``keyring`` has a real backend,
and otherwise nowhere (the app asks for them at connect time). A keyring that
refuses is said in a sentence; nothing then falls back to the disk.

A document that cannot be read is moved aside (``profiles.json.bak``) and
the readable profiles carry on; one written by a newer version is left alone
and the store refuses changes rather than drop what it does not understand.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from sio_monitor.domain.profiles import (
    NewerFormatError,
    Profile,
    ProfileError,
    RecentConnection,
    new_profile_id,
    profiles_document,
    read_profiles_document,
    read_recent_document,
    recent_document,
    remember_recent,
    unique_name,
)
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.store.json_files import (
    APP_NAME,
    DocumentError,
    config_dir,
    quarantine,
    read_json,
    write_json,
)

log = logging.getLogger(__name__)

PROFILES_FILE = "profiles.json"
RECENT_FILE = "recent.json"
IMPORT_LIMIT = 5_000_000  # bytes: a profiles export is a few kilobytes


class ProfilesError(Exception):
    """A profile operation failed; the message is the sentence to show."""


class SecretStore(Protocol):
    """Somewhere safe for secret values, keyed by text; tests use a real in-memory keyring."""

    def available(self) -> bool: ...
    def get(self, key: str) -> str | None: ...
    def put(self, key: str, value: str) -> None: ...  # raises ProfilesError
    def remove(self, key: str) -> None: ...


class KeyringSecrets:
    """The system keyring through ``keyring``, which follows ``keyring.set_keyring``."""

    service = APP_NAME

    def available(self) -> bool:
        try:
            import keyring  # here, not at start-up: its import and backend search take 0.1 s
            from keyring.backends import fail, null

            backend = keyring.get_keyring()
        except Exception:  # a broken keyring configuration must not stop the app
            return False
        if isinstance(backend, fail.Keyring | null.Keyring):
            return False
        if "plaintext" in type(backend).__name__.lower():  # keyrings.alt writes clear text
            return False
        try:
            return float(backend.priority) > 0
        except Exception:
            return False

    def get(self, key: str) -> str | None:
        import keyring

        try:
            return keyring.get_password(self.service, key)
        except Exception as exc:
            log.warning("The keyring did not give %s: %s", key, exc)
            return None

    def put(self, key: str, value: str) -> None:
        import keyring

        try:
            keyring.set_password(self.service, key, value)
        except Exception as exc:
            raise ProfilesError(f"The system keyring refused to store a secret ({exc}).") from None

    def remove(self, key: str) -> None:
        import keyring
        import keyring.errors

        try:
            keyring.delete_password(self.service, key)
        except keyring.errors.PasswordDeleteError:
            pass  # nothing was stored under this key
        except Exception as exc:
            log.warning("The keyring did not delete %s: %s", key, exc)


def _secret_key(profile_id: str, slot: str) -> str:
    return f"{profile_id}/{slot}"


class ProfileStore:
    """Profiles by id, as the file holds them (secrets only where the owner opted in)."""

    def __init__(self, directory: Path | None = None, secrets: SecretStore | None = None) -> None:
        self.directory = directory or config_dir()
        self.path = self.directory / PROFILES_FILE
        self.recent_path = self.directory / RECENT_FILE
        self.secrets: SecretStore = secrets or KeyringSecrets()
        self.problem: str | None = None  # the last load's sentence, for the window to show
        self._read_only: str | None = None  # why changes are refused, when they are
        self._profiles: dict[str, Profile] = {}
        self.load()

    # --- reading ------------------------------------------------------------------

    def load(self) -> str | None:
        """Re-read the file; returns (and keeps in ``problem``) a sentence if it was not whole."""
        self.problem = self._read_only = None
        profiles: list[Profile] = []
        try:
            document = read_json(self.path)
        except DocumentError as exc:  # unreadable: left in place; invalid JSON: moved aside
            self.problem = str(exc)
            self._read_only = self.problem if self.path.exists() else None
            document = None
        try:
            if document is not None:
                profiles = self._readable(document)
        except DocumentError as exc:
            self.problem = str(exc)
        except OSError as exc:  # a bad file that could not even be moved aside
            self.problem = self._read_only = f"{self.path} is damaged and stays as it is: {exc}."
        seen: set[str] = set()
        for index, profile in enumerate(profiles):  # hand-edited copies must not collapse
            if profile.id in seen:
                profiles[index] = replace(profile, id=new_profile_id())
            seen.add(profiles[index].id)
        self._profiles = {p.id: p for p in profiles}
        return self.problem

    def _readable(self, document: object) -> list[Profile]:
        """The profiles of a document; a bad one is set aside and only good ones written back."""
        try:
            profiles, problems = read_profiles_document(document)
        except NewerFormatError as exc:
            self._read_only = f"{self.path}: {exc} It is left untouched."
            raise DocumentError(self._read_only) from None
        except ProfileError as exc:
            backup = quarantine(self.path)
            raise DocumentError(f"{self.path}: {exc} It was kept as {backup}.") from None
        if problems:
            backup = quarantine(self.path)
            self.problem = (
                f"{len(problems)} profile(s) could not be read ({problems[0]}); "
                f"the original file was kept as {backup}."
            )
            write_json(self.path, profiles_document(profiles))
        return profiles

    def profiles(self) -> list[Profile]:
        return sorted(self._profiles.values(), key=lambda p: p.name.casefold())

    def names(self) -> list[str]:
        return [p.name for p in self.profiles()]

    def get(self, profile_id: str) -> Profile | None:
        return self._profiles.get(profile_id)

    def find(self, name: str) -> Profile | None:
        """The profile called ``name``; case is ignored when that leaves one candidate."""
        exact = [p for p in self._profiles.values() if p.name == name]
        loose = [p for p in self._profiles.values() if p.name.casefold() == name.casefold()]
        return exact[0] if exact else loose[0] if len(loose) == 1 else None

    def keyring_available(self) -> bool:
        return self.secrets.available()

    def secrets_note(self) -> str:
        if self.keyring_available():
            return "Passwords and tokens are kept in the system keyring."
        return (
            "No system keyring is available: passwords and tokens are asked for at "
            "connect time and never written to disk, unless a profile opts in."
        )

    def resolved(self, profile: Profile) -> Profile:
        """``profile`` with the secrets the keyring holds for it; any others stay missing."""
        missing = profile.missing_secrets()
        if profile.store_secrets or not missing or not self.keyring_available():
            return profile
        values = {}
        for slot in missing:
            value = self.secrets.get(_secret_key(profile.id, slot))
            if value is not None:
                values[slot] = value
        try:
            return profile.with_secrets(values)
        except ProfileError as exc:
            log.warning("Ignoring a stored secret of %s: %s", profile.name, exc)
            return profile

    # --- changing -------------------------------------------------------------------

    def save(self, profile: Profile) -> str:
        """Add or replace ``profile`` (by id); returns a sentence saying where its secrets went."""
        try:
            profile = profile.validated()
        except ProfileError as exc:
            raise ProfilesError(str(exc)) from None
        self._reload_for_change()
        for other in self._profiles.values():
            if other.id != profile.id and other.name.casefold() == profile.name.casefold():
                raise ProfilesError(
                    f"A profile named {other.name!r} exists already: choose another name."
                )
        previous = self._profiles.get(profile.id)
        on_disk = profile if profile.store_secrets else profile.without_secrets()
        self._write({**self._profiles, profile.id: on_disk})
        return self._place_secrets(profile, previous)

    def delete(self, profile_id: str) -> None:
        self._reload_for_change()
        gone = self._profiles.get(profile_id)
        if gone is None:
            return
        self._write({k: p for k, p in self._profiles.items() if k != profile_id})
        self._forget_secrets(gone.id, gone.secret_slots())

    def duplicate(self, profile_id: str) -> Profile:
        """A copy under a free name, with its own copy of the secrets."""
        original = self._profiles.get(profile_id)
        if original is None:
            raise ProfilesError("That profile no longer exists.")
        name = unique_name(f"{original.name} (copy)", self.names())
        copy = replace(self.resolved(original), id=new_profile_id(), name=name)
        self.save(copy)
        return self._profiles[copy.id]

    def export_to(self, path: Path, profiles: Iterable[Profile] | None = None) -> int:
        """Write the profiles, without any secret, to a file a user chose; returns how many."""
        chosen = [p.public() for p in (self.profiles() if profiles is None else profiles)]
        try:
            write_json(Path(path), profiles_document(chosen))
        except OSError as exc:
            raise ProfilesError(f"Could not write {path}: {exc.strerror or exc}.") from None
        return len(chosen)

    def import_from(self, path: Path) -> tuple[list[Profile], str | None]:
        """Add the profiles of an export under free names; returns them and any sentence."""
        path = Path(path)
        try:
            if path.stat().st_size > IMPORT_LIMIT:
                raise ProfilesError(f"{path.name} is too large to be a profiles export.")
            document = json.loads(path.read_text(encoding="utf-8"))
            incoming, problems = read_profiles_document(document)
        except OSError as exc:
            raise ProfilesError(f"Could not read {path}: {exc.strerror or exc}.") from None
        except (ValueError, ProfileError) as exc:  # JSONDecodeError and ProfileError alike
            raise ProfilesError(f"{path.name} cannot be imported: {exc}") from None
        self._reload_for_change()
        profiles = dict(self._profiles)
        imported: list[Profile] = []
        for profile in incoming:
            taken = [p.name for p in profiles.values()]
            fresh_id = profile.id if profile.id not in profiles else new_profile_id()
            public = replace(profile.public(), id=fresh_id, name=unique_name(profile.name, taken))
            profiles[public.id] = public
            imported.append(public)
        self._write(profiles)
        note = None
        if problems:
            note = f"{len(problems)} profile(s) in {path.name} were left out: {problems[0]}"
        return imported, note

    # --- recent connections -----------------------------------------------------------

    def recent(self) -> list[RecentConnection]:
        try:
            document = read_json(self.recent_path)
            return [] if document is None else read_recent_document(document)
        except DocumentError as exc:
            log.warning("%s", exc)
        except ProfileError as exc:
            log.warning("%s: %s It was kept as %s.", self.recent_path, exc, self._aside())
        return []

    def remember(self, settings: ConnectionSettings, at: float | None = None) -> None:
        """Put ``settings`` first among the recent connections, without its secrets."""
        recent = remember_recent(self.recent(), settings, time.time() if at is None else at)
        try:
            write_json(self.recent_path, recent_document(recent))
        except OSError as exc:
            log.warning("Could not remember the connection in %s: %s", self.recent_path, exc)

    # --- internals ---------------------------------------------------------------------

    def _aside(self) -> Path | None:
        return quarantine(self.recent_path) if self.recent_path.exists() else None

    def _reload_for_change(self) -> None:
        self.load()
        if self._read_only is not None:
            raise ProfilesError(f"Profiles cannot be changed now. {self._read_only}")

    def _write(self, profiles: dict[str, Profile]) -> None:
        ordered = sorted(profiles.values(), key=lambda p: p.name.casefold())
        try:
            write_json(self.path, profiles_document(ordered))
        except OSError as exc:
            raise ProfilesError(f"Could not save {self.path}: {exc.strerror or exc}.") from None
        self._profiles = {p.id: p for p in ordered}

    def _place_secrets(self, profile: Profile, previous: Profile | None) -> str:
        old = set(previous.secret_slots()) if previous is not None else set()
        slots = profile.secret_slots()
        if profile.store_secrets:
            self._forget_secrets(profile.id, old | set(slots))
            return f"The passwords and tokens of {profile.name!r} are in {self.path} in plain text."
        self._forget_secrets(profile.id, old - set(slots))
        if not slots:
            return f"Saved {profile.name!r}."
        if not self.keyring_available():
            return (
                f"Saved {profile.name!r}. No system keyring is available, so its passwords and "
                "tokens are not stored: they will be asked for at connect time."
            )
        values = profile.secret_values()
        try:
            for slot in slots:
                if slot in values:
                    self.secrets.put(_secret_key(profile.id, slot), values[slot])
                else:
                    self.secrets.remove(_secret_key(profile.id, slot))
        except ProfilesError as exc:
            return f"Saved {profile.name!r}, but not its secrets: {exc} They will be asked for."
        return f"Saved {profile.name!r}; its passwords and tokens are in the system keyring."

    def _forget_secrets(self, profile_id: str, slots: Iterable[str]) -> None:
        if not self.keyring_available():
            return
        for slot in slots:
            self.secrets.remove(_secret_key(profile_id, slot))
