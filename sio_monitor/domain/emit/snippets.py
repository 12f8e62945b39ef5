"""Named snippets and per-connection variables: the emit console's saved work.

Both live in one versioned JSON document so that a user can carry a set of
test emits between machines with one export. Variables are kept per
connection (the probe URL) because the same snippet usually runs against
staging and production with different ids and tokens; a variable marked secret
is kept for this run only and never written anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sio_monitor.domain.emit.emit_requests import EmitRequest, RequestError

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Snippet:
    name: str
    request: EmitRequest


@dataclass(frozen=True, slots=True)
class Variable:
    name: str
    value: str
    secret: bool = False  # this run only: never saved, never exported


@dataclass
class SnippetBook:
    """Snippets by name (names are unique), and the variable table of each connection."""

    snippets: dict[str, Snippet] = field(default_factory=dict)
    variables: dict[str, dict[str, Variable]] = field(default_factory=dict)

    def put(self, snippet: Snippet) -> None:
        name = snippet.name.strip()
        if not name:
            raise RequestError("Give the snippet a name.")
        self.snippets[name] = Snippet(name, snippet.request)

    def remove(self, name: str) -> None:
        self.snippets.pop(name, None)

    def names(self) -> list[str]:
        return sorted(self.snippets, key=str.casefold)

    def values_for(self, connection: str) -> dict[str, str]:
        """Name to value, for filling ``{{name}}`` in an emit to ``connection``."""
        return {v.name: v.value for v in self.variables.get(connection, {}).values()}

    def set_variables(self, connection: str, variables: list[Variable]) -> None:
        table = {v.name: v for v in variables if v.name.strip()}
        if table:
            self.variables[connection] = table
        else:
            self.variables.pop(connection, None)

    def merge(self, other: SnippetBook) -> int:
        """Take every snippet of ``other`` (same name: the imported one wins); return the count."""
        for snippet in other.snippets.values():
            self.put(snippet)
        for connection, table in other.variables.items():
            self.variables.setdefault(connection, {}).update(table)
        return len(other.snippets)


def book_to_json(book: SnippetBook, *, include_variables: bool = True) -> dict[str, Any]:
    """The document to save or export; secret variables are left out."""
    document: dict[str, Any] = {
        "format": "sio-monitor-snippets",
        "version": FORMAT_VERSION,
        "snippets": [
            {"name": s.name, "emit": s.request.to_json()}
            for s in sorted(book.snippets.values(), key=lambda s: s.name.casefold())
        ],
    }
    if include_variables:
        document["variables"] = {
            connection: {v.name: v.value for v in table.values() if not v.secret}
            for connection, table in sorted(book.variables.items())
            if any(not v.secret for v in table.values())
        }
    return document


def book_from_json(data: Any) -> SnippetBook:
    """Read a saved or imported document; RequestError says what is wrong with it."""
    if not isinstance(data, Mapping) or data.get("format") != "sio-monitor-snippets":
        raise RequestError("This file is not a SIO Monitor snippets file.")
    version = data.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise RequestError(
            f"This snippets file has format version {version!r}; this version of SIO Monitor "
            f"reads up to {FORMAT_VERSION}. Update SIO Monitor to open it."
        )
    book = SnippetBook()
    snippets = data.get("snippets", [])
    if not isinstance(snippets, list):
        raise RequestError("The snippets file's 'snippets' must be a list.")
    for number, item in enumerate(snippets, start=1):
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            raise RequestError(f"Snippet {number} has no name.")
        try:
            request = EmitRequest.from_json(item.get("emit"))
        except RequestError as exc:
            raise RequestError(f"Snippet {item['name']!r}: {exc}") from None
        book.put(Snippet(item["name"], request))
    variables = data.get("variables", {})
    if not isinstance(variables, Mapping):
        raise RequestError("The snippets file's 'variables' must be an object.")
    for connection, table in variables.items():
        if not isinstance(table, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in table.items()
        ):
            raise RequestError(f"The variables of {connection!r} must map names to strings.")
        book.set_variables(str(connection), [Variable(k, v) for k, v in table.items()])
    return book
