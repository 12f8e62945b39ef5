"""Structural, partial matching of expected values against what a server sent.

An object matches when each listed key matches (extra keys are allowed), an
array when each listed position matches (extra trailing items are allowed),
a scalar by equality. Four operators stand in for a value: ``$regex`` (a
search, with a time limit so a hostile payload cannot hang the run),
``$type``, ``$any`` and ``$absent``. A mismatch names the first differing
path, so a failure says where, not only that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import regex

#: The names ``$type`` accepts, as JSON calls them (and binary, as Socket.IO carries it).
TYPE_NAMES = ("number", "string", "boolean", "null", "object", "array", "binary")
OPERATORS = frozenset({"$regex", "$type", "$any", "$absent"})
#: A pattern that runs longer than this on one value counts as not matching.
REGEX_TIMEOUT = 0.2

_MISSING = object()


@dataclass(frozen=True, slots=True)
class Mismatch:
    """Where and why an actual value differs: ``path`` is dotted (``0.user.name``)."""

    path: str
    expected: Any
    actual: Any
    reason: str

    @property
    def depth(self) -> int:
        return 0 if not self.path else self.path.count(".") + 1

    def sentence(self) -> str:
        where = self.path or "the value"
        return f"at {where}: {self.reason}"


def is_operator(value: Any) -> bool:
    """An object whose only keys are operators stands for a value; it is not matched as data."""
    return isinstance(value, dict) and bool(value) and all(k in OPERATORS for k in value)


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bytes | bytearray | memoryview):
        return "binary"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    return type(value).__name__


def match(expected: Any, actual: Any, path: str = "") -> Mismatch | None:
    """None when ``actual`` matches ``expected``; otherwise the first difference."""
    return _match(expected, actual, path)


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def _match(expected: Any, actual: Any, path: str) -> Mismatch | None:
    if is_operator(expected):
        return _operator(expected, actual, path)
    if actual is _MISSING:
        return Mismatch(path, expected, None, "missing")
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return Mismatch(path, expected, actual, f"expected an object, got {type_name(actual)}")
        for key, value in expected.items():
            found = _match(value, actual.get(key, _MISSING), _join(path, key))
            if found is not None:
                return found
        return None
    if isinstance(expected, list | tuple):
        if not isinstance(actual, list | tuple):
            return Mismatch(path, expected, actual, f"expected an array, got {type_name(actual)}")
        for index, value in enumerate(expected):
            item = actual[index] if index < len(actual) else _MISSING
            found = _match(value, item, _join(path, index))
            if found is not None:
                return found
        return None
    if _equal(expected, actual):
        return None
    return Mismatch(path, expected, actual, f"expected {_show(expected)}, got {_show(actual)}")


def _equal(expected: Any, actual: Any) -> bool:
    # True == 1 in Python, but not in JSON: a boolean matches only a boolean.
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, bytes | bytearray) and isinstance(
        actual, bytes | bytearray | memoryview
    ):
        return bytes(expected) == bytes(actual)
    return type_name(expected) == type_name(actual) and expected == actual


def _operator(spec: dict[str, Any], actual: Any, path: str) -> Mismatch | None:
    if "$absent" in spec:
        if bool(spec["$absent"]) == (actual is _MISSING):
            return None
        if actual is _MISSING:
            return Mismatch(path, spec, None, "missing")
        return Mismatch(path, spec, actual, f"expected nothing here, got {_show(actual)}")
    if actual is _MISSING:
        return Mismatch(path, spec, None, "missing")
    if "$type" in spec and type_name(actual) != spec["$type"]:
        return Mismatch(path, spec, actual, f"expected a {spec['$type']}, got {type_name(actual)}")
    if "$regex" in spec:
        if not isinstance(actual, str):
            return Mismatch(
                path,
                spec,
                actual,
                f"expected a string for /{spec['$regex']}/, got {type_name(actual)}",
            )
        try:
            found = regex.search(spec["$regex"], actual, timeout=REGEX_TIMEOUT)
        except TimeoutError:
            return Mismatch(path, spec, actual, f"/{spec['$regex']}/ took too long on this value")
        if found is None:
            return Mismatch(
                path, spec, actual, f"{_show(actual)} does not match /{spec['$regex']}/"
            )
    return None  # $any: anything present


def pattern_error(pattern: str) -> str | None:
    """Why a ``$regex`` pattern does not compile, or None."""
    try:
        regex.compile(pattern)
    except regex.error as exc:
        return str(exc)
    return None


def value_at(args: Any, path: str) -> Any:
    """The value at a dotted path (``0.id``) in the arguments; LookupError when there is none."""
    value = args
    for part in path.split(".") if path else ():
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list | tuple) and part.lstrip("-").isdigit():
            index = int(part)
            if not -len(value) <= index < len(value):
                raise LookupError(f"no item {index} at {path}")
            value = value[index]
        else:
            raise LookupError(f"nothing at {path}")
    return value


def _show(value: Any, limit: int = 120) -> str:
    """A short, plain-text rendering of a value for a sentence."""
    import json

    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(bytes(value))} bytes>"
    try:
        text = json.dumps(value, ensure_ascii=False, default=lambda v: f"<{type_name(v)}>")
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def show(value: Any, limit: int = 120) -> str:
    return _show(value, limit)
