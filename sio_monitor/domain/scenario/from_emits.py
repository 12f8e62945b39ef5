""" "Save as scenario": the emit console's history (or some of its entries) as a scenario file.

A person who has poked a server by hand has already written the test: the
emits, in order, with the acks they waited for. Each becomes an ``emit``
step on one client that connects as the console's probe did; an emit that
waited for an ack gets ``ack.expect`` set to the reply it got, so the file
checks that the server still answers the same way. Admin routes have no
client equivalent and are left out; the text is checked by the loader
before it is handed back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from sio_monitor.domain.emit.emit_args import ArgKind, ArgumentError, parse_argument
from sio_monitor.domain.emit.emit_requests import ROUTE_PROBE, EmitRequest
from sio_monitor.domain.emit.probe_settings import ProbeSettings
from sio_monitor.domain.scenario.loader import parse_scenario
from sio_monitor.domain.scenario.variables import REFERENCE, references

CLIENT = "probe"


@dataclass(frozen=True, slots=True)
class SavedEmit:
    """One history entry to save: the request as typed, and the ack's reply when one came."""

    request: EmitRequest
    reply: tuple[Any, ...] | None = None


def scenario_from_emits(
    emits: Sequence[SavedEmit], settings: ProbeSettings | None, name: str = "from the emit history"
) -> str:
    """YAML text of a scenario replaying ``emits`` on one client with ``settings``' options."""
    namespaces = list(settings.namespaces) if settings is not None else ["/"]
    variables: dict[str, str] = {}
    steps: list[dict[str, Any]] = [{"connect": CLIENT}]
    for saved in emits:
        request = saved.request
        if request.route != ROUTE_PROBE:
            continue
        if request.namespace not in namespaces:
            namespaces.append(request.namespace)
        step: dict[str, Any] = {"client": CLIENT, "event": request.event}
        if request.namespace != namespaces[0]:
            step["namespace"] = request.namespace
        args = [_value(arg.kind, arg.text, variables) for arg in request.args]
        if args:
            step["args"] = args
        if request.ack:
            ack: dict[str, Any] = {"within": request.ack_timeout}
            if saved.reply is not None:
                ack["expect"] = list(saved.reply)
            step["ack"] = ack
        steps.append({"emit": step})
    steps.append({"disconnect": CLIENT})
    client = _client(settings, namespaces)
    for reference in references(client):
        variables.setdefault(reference, "")
    document: dict[str, Any] = {"name": name}
    if settings is not None:
        document["target"] = settings.url
    if variables:
        document["variables"] = variables
    document["clients"] = {CLIENT: client}
    document["steps"] = steps
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    parse_scenario(text)  # what is handed back always loads
    return text


def _client(settings: ProbeSettings | None, namespaces: list[str]) -> dict[str, Any]:
    client: dict[str, Any] = {}
    if len(namespaces) == 1:
        client["namespace"] = namespaces[0]
    else:
        client["namespaces"] = namespaces
    if settings is None:
        return client
    client["transports"] = list(settings.transports)
    if settings.path != "/socket.io":
        client["path"] = settings.path
    if settings.query:
        client["query"] = dict(settings.query)
    # auth and header values are often tokens: their names stay, their values are left to fill in
    if settings.auth is not None:
        client["auth"] = {key: f"{{{{auth_{key}}}}}" for key in settings.auth}
    if settings.headers:
        client["headers"] = {key: f"{{{{header_{_slug(key)}}}}}" for key in settings.headers}
    return client


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name).lower()


def _value(kind: str, text: str, variables: dict[str, str]) -> Any:
    """The argument's value; text that uses ``{{variables}}`` stays text, and each is declared."""
    found = REFERENCE.findall(text)
    if found:
        for name in found:
            variables.setdefault(name, "")
        return text
    try:
        return parse_argument(ArgKind(kind), text)
    except (ArgumentError, ValueError):
        return text
