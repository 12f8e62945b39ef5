"""Where alert rules live between runs: one list per profile (or per server without one)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sio_monitor.domain.alerts import AlertError, AlertRule, rules_from_json, rules_to_json
from sio_monitor.store.json_files import (
    DocumentError,
    config_dir,
    quarantine,
    read_json,
    write_json,
)

FILE_NAME = "alerts.json"
VERSION = 1


def profile_key(name: str) -> str:
    return f"profile:{name}"


def server_key(url: str, admin_namespace: str) -> str:
    """A connection made without a profile keeps its rules by server and admin namespace."""
    return f"server:{url.rstrip('/')}{admin_namespace}"


class AlertStore:
    """Reads the file on each load and rewrites it whole on each save (it is small)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / FILE_NAME
        self.problem: str | None = None  # the last reading problem, for the status bar

    def _document(self) -> dict[str, Any]:
        try:
            document = read_json(self.path)
        except DocumentError as exc:
            self.problem = str(exc)
            return {}
        if document is None:
            return {}
        if not isinstance(document, dict) or not isinstance(document.get("rules"), dict):
            backup = quarantine(self.path)
            self.problem = f"{self.path} held no alert rules; it was kept as {backup}."
            return {}
        return document

    def load(self, key: str) -> list[AlertRule]:
        """The rules saved under ``key``; a malformed list is reported and skipped."""
        self.problem = None
        saved = self._document().get("rules", {}).get(key)
        if saved is None:
            return []
        try:
            return rules_from_json(saved)
        except AlertError as exc:
            self.problem = f"The alert rules of {key.partition(':')[2]} could not be read: {exc}"
            return []

    def save(self, key: str, rules: list[AlertRule]) -> None:
        document = self._document()
        stored = dict(document.get("rules", {}))
        if rules:
            stored[key] = rules_to_json(rules)
        else:
            stored.pop(key, None)
        write_json(self.path, {"version": VERSION, "rules": stored})
