"""What a user asked the emit console to send, and the history of what was sent.

A request keeps every argument as the kind and text the user typed, not as
the parsed value: re-sending from the history, saving as a snippet and filling
``{{variables}}`` all work on the text, and parsing happens once, just before
sending, so an argument that stopped being valid (a file moved, a variable
changed) is reported then instead of being sent stale.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

#: Where an emit goes: the console's own probe connection, or the admin ``emit`` command.
ROUTE_PROBE = "probe"
ROUTE_NAMESPACE = "namespace"  # admin: every socket of the namespace
ROUTE_ROOM = "room"  # admin: every member of a room
ROUTE_SOCKET = "socket"  # admin: one socket
ROUTES = (ROUTE_PROBE, ROUTE_NAMESPACE, ROUTE_ROOM, ROUTE_SOCKET)

DEFAULT_ACK_TIMEOUT = 5.0
HISTORY_LIMIT = 500

_VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}")


class RequestError(ValueError):
    """A request that cannot be sent as it stands; the message is the sentence to show."""


@dataclass(frozen=True, slots=True)
class ArgSpec:
    """One argument as typed: a kind (a value of ``emit_args.ArgKind``) and its text."""

    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class EmitRequest:
    event: str
    namespace: str = "/"
    args: tuple[ArgSpec, ...] = ()
    ack: bool = False
    ack_timeout: float = DEFAULT_ACK_TIMEOUT
    route: str = ROUTE_PROBE
    target: str = ""  # the room name or socket id of an admin route

    def describe(self) -> str:
        """A short plain-text line for lists: where, what, how many arguments."""
        count = len(self.args)
        noun = "argument" if count == 1 else "arguments"
        where = {
            ROUTE_PROBE: self.namespace,
            ROUTE_NAMESPACE: f"{self.namespace} (all sockets)",
            ROUTE_ROOM: f"{self.namespace} room {self.target}",
            ROUTE_SOCKET: f"{self.namespace} socket {self.target}",
        }.get(self.route, self.namespace)
        ack = ", ack" if self.ack and self.route == ROUTE_PROBE else ""
        return f"{self.event} → {where}, {count} {noun}{ack}"

    def checked(self) -> EmitRequest:
        """Return self, or raise RequestError naming what is missing."""
        if not self.event.strip():
            raise RequestError("Enter an event name to emit.")
        if not self.namespace.startswith("/"):
            raise RequestError("The namespace must start with '/', as in /chat.")
        if self.route not in ROUTES:
            raise RequestError(f"Unknown route {self.route!r}.")
        if self.route in (ROUTE_ROOM, ROUTE_SOCKET) and not self.target.strip():
            what = "room name" if self.route == ROUTE_ROOM else "socket id"
            raise RequestError(f"Enter the {what} to emit to.")
        if self.ack and not self.ack_timeout > 0:
            raise RequestError("The ack timeout must be more than 0 seconds.")
        return self

    def to_json(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "namespace": self.namespace,
            "args": [{"kind": a.kind, "text": a.text} for a in self.args],
            "ack": self.ack,
            "ack_timeout": self.ack_timeout,
            "route": self.route,
            "target": self.target,
        }

    @classmethod
    def from_json(cls, data: Any) -> EmitRequest:
        """Read one request back; raises RequestError with a sentence for a bad shape."""
        if not isinstance(data, Mapping):
            raise RequestError("A saved emit must be a JSON object.")
        args = data.get("args", [])
        if not isinstance(args, list) or not all(
            isinstance(a, Mapping)
            and isinstance(a.get("kind"), str)
            and isinstance(a.get("text"), str)
            for a in args
        ):
            raise RequestError("A saved emit's args must be a list of {kind, text} objects.")
        event, namespace = data.get("event"), data.get("namespace", "/")
        if not isinstance(event, str) or not isinstance(namespace, str):
            raise RequestError("A saved emit needs an event name and a namespace as strings.")
        timeout = data.get("ack_timeout", DEFAULT_ACK_TIMEOUT)
        route, target = data.get("route", ROUTE_PROBE), data.get("target", "")
        if not isinstance(timeout, int | float) or isinstance(timeout, bool):
            raise RequestError("A saved emit's ack_timeout must be a number of seconds.")
        if route not in ROUTES or not isinstance(target, str):
            raise RequestError(f"A saved emit names an unknown route {route!r}.")
        return cls(
            event=event,
            namespace=namespace,
            args=tuple(ArgSpec(a["kind"], a["text"]) for a in args),
            ack=bool(data.get("ack", False)),
            ack_timeout=float(timeout),
            route=route,
            target=target,
        )


def _is_arg(data: Any) -> bool:
    return (
        isinstance(data, Mapping)
        and isinstance(data.get("kind"), str)
        and isinstance(data.get("text"), str)
    )


# --- variables -----------------------------------------------------------------------


def variables_in(request: EmitRequest) -> list[str]:
    """The ``{{names}}`` a request uses, in order of first appearance."""
    seen: dict[str, None] = {}
    for text in _texts(request):
        for match in _VARIABLE.finditer(text):
            seen.setdefault(match.group(1), None)
    return list(seen)


def fill_variables(request: EmitRequest, variables: Mapping[str, str]) -> EmitRequest:
    """The request with every ``{{name}}`` replaced; RequestError names the undefined ones."""
    missing = [name for name in variables_in(request) if name not in variables]
    if missing:
        names = ", ".join(f"{{{{{name}}}}}" for name in missing)
        raise RequestError(f"Define {names} in the variables table, or remove it from the emit.")

    def fill(text: str) -> str:
        return _VARIABLE.sub(lambda m: variables[m.group(1)], text)

    return replace(
        request,
        event=fill(request.event),
        target=fill(request.target),
        args=tuple(ArgSpec(a.kind, fill(a.text)) for a in request.args),
    )


def _texts(request: EmitRequest) -> Iterator[str]:
    yield request.event
    yield request.target
    for arg in request.args:
        yield arg.text


# --- history -------------------------------------------------------------------------


@dataclass(slots=True)
class HistoryEntry:
    request: EmitRequest
    at: float
    outcome: str = "sending…"  # replaced by the result sentence when it is known
    ok: bool | None = None  # None while pending


@dataclass
class History:
    """Every emit of this run, newest last, bounded; with a shell-like Up/Down cursor."""

    limit: int = HISTORY_LIMIT
    _entries: deque[HistoryEntry] = field(default_factory=deque)
    _cursor: int | None = None  # index into _entries while browsing, None at the prompt

    def add(self, request: EmitRequest, at: float) -> HistoryEntry:
        entry = HistoryEntry(request, at)
        self._entries.append(entry)
        if len(self._entries) > self.limit:
            self._entries.popleft()
        self._cursor = None
        return entry

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[HistoryEntry]:
        return iter(self._entries)

    def __getitem__(self, index: int) -> HistoryEntry:
        return self._entries[index]

    def older(self) -> EmitRequest | None:
        """Up arrow: the previous request, staying on the oldest; None with no history."""
        if not self._entries:
            return None
        self._cursor = len(self._entries) - 1 if self._cursor is None else max(0, self._cursor - 1)
        return self._entries[self._cursor].request

    def newer(self) -> EmitRequest | None:
        """Down arrow: the next request, or None once back past the newest (an empty prompt)."""
        if self._cursor is None:
            return None
        self._cursor += 1
        if self._cursor >= len(self._entries):
            self._cursor = None
            return None
        return self._entries[self._cursor].request
