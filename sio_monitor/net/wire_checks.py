"""Bounded type checks for admin payloads, shared by the codec's decoders.

Each check returns the value in the type the domain wants or raises
PayloadError with a short reason. They compare exact types (``type(x) is
int``) on purpose: ``bool`` is an ``int`` to ``isinstance``, and a JSON
``true`` where a count belongs is garbage, not 1.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

# Bounds that no sane server reaches; past them a payload is garbage or hostile.
MAX_NAME = 1024  # namespace, socket id, room, event name, reason
MAX_TEXT = 65536  # header and query values, handshake strings
MAX_ROOMS_PER_SOCKET = 1_000_000
MAX_SOCKETS = 1_000_000
MAX_NAMESPACES = 10_000
MAX_BUCKETS = 100_000
MAX_FEATURES = 256
MAX_HEADERS = 1_000
MAX_COUNT = 2**53  # beyond this a JSON number no longer counts exactly
# Epoch seconds between 2000-01-01 and 2100-01-01: anything else is not a clock.
MIN_EPOCH = 946_684_800.0
MAX_EPOCH = 4_102_444_800.0
# A bare number at or above this is epoch milliseconds (it would be year 5138 in s).
MS_THRESHOLD = 1e11


class PayloadError(ValueError):
    """A payload that cannot be trusted; the message is a short reason for the log."""


# --- scalar checks -----------------------------------------------------------


def as_name(value: Any, what: str) -> str:
    """A non-empty bounded string; Socket.IO allows numeric rooms and event names."""
    if type(value) is str:
        if not value or len(value) > MAX_NAME:
            raise PayloadError(f"{what} is empty or too long")
        return value
    if type(value) is int and abs(value) < MAX_COUNT:
        return str(value)
    raise PayloadError(f"{what} is not a string")


def as_event_name(value: Any) -> str:
    """An event name: non-empty, and as long as the message that carries it."""
    if type(value) is str and value:
        return value
    return as_name(value, "event name")


def as_text(value: Any, what: str, default: str = "") -> str:
    if value is None:
        return default
    if type(value) is not str:
        raise PayloadError(f"{what} is not a string")
    if len(value) > MAX_TEXT:
        raise PayloadError(f"{what} is too long")
    return value


def as_count(value: Any, what: str, default: int | None = None) -> int:
    if value is None and default is not None:
        return default
    if type(value) is int:
        if 0 <= value <= MAX_COUNT:
            return value
        raise PayloadError(f"{what} is out of range")
    if type(value) is float and value.is_integer() and 0 <= value <= MAX_COUNT:
        return int(value)
    raise PayloadError(f"{what} is not a count")


def as_number(value: Any, what: str) -> float:
    kind = type(value)
    if kind is float:
        if math.isfinite(value):
            return value
    elif kind is int and -MAX_COUNT <= value <= MAX_COUNT:
        return float(value)
    raise PayloadError(f"{what} is not a finite number")


def as_epoch(seconds: float, what: str) -> float:
    if MIN_EPOCH <= seconds <= MAX_EPOCH:
        return seconds
    raise PayloadError(f"{what} is not a plausible time")


def as_timestamp(value: Any, received_at: float) -> float:
    """Epoch seconds from an ISO string (``Z`` or ``+00:00``), epoch ms, or nothing.

    Older servers omit the timestamp and custom parsers may turn dates into
    numbers or datetimes; the receive time stands in when there is none.
    """
    if value is None:
        return received_at
    kind = type(value)
    if kind is str:
        if len(value) > 64:
            raise PayloadError("timestamp is too long")
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise PayloadError("timestamp is not ISO-8601") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return as_epoch(parsed.timestamp(), "timestamp")
    if kind is int or kind is float:
        number = as_number(value, "timestamp")
        return as_epoch(number / 1000.0 if number >= MS_THRESHOLD else number, "timestamp")
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return as_epoch(value.timestamp(), "timestamp")
    raise PayloadError("timestamp has the wrong type")


def check_arity(args: tuple[Any, ...], low: int, high: int, event: str) -> None:
    if not low <= len(args) <= high:
        raise PayloadError(f"{event} wants {low}-{high} arguments, got {len(args)}")


def as_dict(value: Any, what: str) -> dict[str, Any]:
    if type(value) is not dict:
        raise PayloadError(f"{what} is not an object")
    return value


def as_list(value: Any, what: str, limit: int) -> list[Any]:
    if type(value) is not list:
        raise PayloadError(f"{what} is not a list")
    if len(value) > limit:
        raise PayloadError(f"{what} has too many items")
    return value


def as_string_map(value: Any, what: str) -> dict[str, str]:
    """Headers and query strings; repeated values (lists) are joined with ", "."""
    if value is None:
        return {}
    if type(value) is not dict:
        raise PayloadError(f"{what} is not an object")
    if len(value) > MAX_HEADERS:
        raise PayloadError(f"{what} has too many entries")
    result: dict[str, str] = {}
    for key, item in value.items():
        if type(key) is not str or len(key) > MAX_NAME:
            raise PayloadError(f"{what} has a bad key")
        if type(item) is str:
            if len(item) > MAX_TEXT:
                raise PayloadError(f"{what} value is too long")
            result[key] = item
        elif type(item) is list and all(type(part) is str for part in item):
            joined = ", ".join(item)
            if len(joined) > MAX_TEXT:
                raise PayloadError(f"{what} value is too long")
            result[key] = joined
        elif type(item) in (int, float, bool):
            result[key] = str(item)
        elif item is None:
            result[key] = ""
        else:
            raise PayloadError(f"{what} value has the wrong type")
    return result
