"""The connection tabs open at exit, reopened at the next start: never with their secrets.

Kept in the window settings (QSettings) beside the geometry, as the same
secret-free settings the recent-connections list holds: a password, a token
in a header, a password inside a URL never reach the file.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

from PySide6.QtCore import QSettings

from sio_monitor.domain.profiles import (
    Profile,
    settings_from_dict,
    settings_to_dict,
    url_has_password,
)
from sio_monitor.domain.settings import ConnectionSettings

log = logging.getLogger(__name__)

KEY = "mainWindow/openConnections"
LIMIT = 12


def save_open_connections(open_now: Iterable[ConnectionSettings]) -> None:
    entries = [
        settings_to_dict(Profile("open", settings).without_secrets().admin, password=False)
        for settings in open_now
        if not url_has_password(settings.url)
    ]
    QSettings().setValue(KEY, json.dumps(entries[:LIMIT]))


def load_open_connections() -> list[ConnectionSettings]:
    """The tabs of the last run; an unreadable entry is skipped (and logged), never fatal."""
    raw = QSettings().value(KEY)
    if not isinstance(raw, str) or not raw:
        return []
    try:
        entries = json.loads(raw)
    except json.JSONDecodeError:
        log.warning("The saved connection tabs are not valid JSON; starting with none.")
        return []
    found: list[ConnectionSettings] = []
    for entry in entries if isinstance(entries, list) else []:
        try:
            found.append(settings_from_dict(entry))
        except ValueError as exc:
            log.warning("Skipped a saved connection tab: %s", exc)
    return found[:LIMIT]
