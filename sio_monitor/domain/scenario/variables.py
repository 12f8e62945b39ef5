"""``{{name}}`` variables: substituted into every string of a step just before it runs.

A string that is exactly one reference takes the variable's value with its
type (a captured number stays a number); a reference inside a longer string
is replaced by the value's text. Substitution happens at run time because
captures fill variables as the scenario goes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

REFERENCE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}")


class UndefinedVariableError(LookupError):
    """A step refers to a variable nobody set; the message is the sentence to show."""


def render(value: Any, variables: Mapping[str, Any]) -> Any:
    """A copy of ``value`` with every reference replaced (UndefinedVariableError: one unknown)."""
    if isinstance(value, str):
        return _render_string(value, variables)
    if isinstance(value, dict):
        return {render(k, variables): render(v, variables) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [render(item, variables) for item in value]
    return value


def _render_string(text: str, variables: Mapping[str, Any]) -> Any:
    whole = REFERENCE.fullmatch(text)
    if whole is not None:
        return _lookup(whole.group(1), variables)

    def replace(found: re.Match[str]) -> str:
        value = _lookup(found.group(1), variables)
        return value if isinstance(value, str) else json.dumps(value, default=str)

    return REFERENCE.sub(replace, text)


def _lookup(name: str, variables: Mapping[str, Any]) -> Any:
    if name not in variables:
        raise UndefinedVariableError(
            f"The variable {name!r} is not defined: set it under variables, with --var "
            f"{name}=VALUE, or capture it in an earlier step."
        )
    return variables[name]


def references(value: Any) -> Iterator[str]:
    """Every variable name a value refers to, in order."""
    if isinstance(value, str):
        for found in REFERENCE.finditer(value):
            yield found.group(1)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from references(key)
            yield from references(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from references(item)


def parse_assignment(text: str) -> tuple[str, str]:
    """``K=V`` from the command line; V is always a string, so ``--var room=42`` is "42"."""
    name, sep, raw = text.partition("=")
    if not sep or not name.strip():
        raise ValueError(f"--var {text!r} must look like NAME=VALUE.")
    return name.strip(), raw
