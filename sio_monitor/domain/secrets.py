"""Which values of a connection's settings are secrets: never logged, recorded or saved.

One answer for every writer (the log file, recordings, the terminal
recorder), so a token that one of them masks is masked by all of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sio_monitor.domain.emit.probe_settings import ProbeSettings
from sio_monitor.domain.sensitive import is_sensitive_name
from sio_monitor.domain.settings import ConnectionSettings

#: How deep an auth payload is searched for strings: auth payloads are small.
MAX_DEPTH = 8


def settings_secrets(settings: ConnectionSettings | ProbeSettings | None) -> list[str]:
    """Every value of a connection's settings that must never be written down."""
    if settings is None:
        return []
    values = list(settings.headers.values())  # admin headers may all carry tokens
    if isinstance(settings, ConnectionSettings):
        values.append(settings.password)
    else:
        values.extend(v for k, v in settings.query.items() if is_sensitive_name(k))
        values.extend(_strings(settings.auth))
    return [v for v in values if v]


def _strings(value: Any, depth: int = 0) -> Iterable[str]:
    """The strings inside a JSON-like value (an auth payload), shallowly bounded."""
    if depth > MAX_DEPTH:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item, depth + 1)
