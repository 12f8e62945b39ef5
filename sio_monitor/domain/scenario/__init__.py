"""Scenarios: scripted Socket.IO checks with expectations, read from ``*.sio.yaml`` files.

The public API, for the runner, the command line and any other driver (a
Locust user replaying a scenario's client steps with python-socketio's sync
client, for instance)::

    from sio_monitor.domain.scenario import load_scenario, match, render, value_at

    scenario = load_scenario("examples/chat.sio.yaml", {"room": "general"})
    for step in scenario.steps:          # plain dataclasses: Connect, Emit, Expect, ...
        ...
        rendered = render(step.args, variables)      # {{variables}} filled in
        mismatch = match(expected, actual_args)      # None, or the first differing path
        variables[name] = value_at(actual_args, "0.id")   # a capture

Nothing here touches the network or Qt. The names load on first use, so that importing
a part (the results, for a view) does not pay for the YAML and schema machinery.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sio_monitor.domain.scenario.loader import (
        ScenarioError,
        load_scenario,
        parse_scenario,
        schema,
    )
    from sio_monitor.domain.scenario.matching import Mismatch, match, value_at
    from sio_monitor.domain.scenario.model import (
        AckSpec,
        AdminExpect,
        AdminSpec,
        ClientSpec,
        Connect,
        Count,
        Disconnect,
        Emit,
        Expect,
        ExpectDisconnect,
        Repeat,
        Scenario,
        Step,
        Wait,
        describe,
        walk,
    )
    from sio_monitor.domain.scenario.variables import UndefinedVariableError, render

_HOMES = {
    "loader": ("ScenarioError", "load_scenario", "parse_scenario", "schema"),
    "matching": ("Mismatch", "match", "value_at"),
    "model": (
        "AckSpec", "AdminExpect", "AdminSpec", "ClientSpec", "Connect", "Count", "Disconnect",
        "Emit", "Expect", "ExpectDisconnect", "Repeat", "Scenario", "Step", "Wait", "describe",
        "walk",
    ),
    "variables": ("UndefinedVariableError", "render"),
}  # fmt: skip
_MODULE_OF = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "AckSpec",
    "AdminExpect",
    "AdminSpec",
    "ClientSpec",
    "Connect",
    "Count",
    "Disconnect",
    "Emit",
    "Expect",
    "ExpectDisconnect",
    "Mismatch",
    "Repeat",
    "Scenario",
    "ScenarioError",
    "Step",
    "UndefinedVariableError",
    "Wait",
    "describe",
    "load_scenario",
    "match",
    "parse_scenario",
    "render",
    "schema",
    "value_at",
    "walk",
]
