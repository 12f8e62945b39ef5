"""Alert rules on live figures, and the engine that says when one fires and when it clears.

A rule watches one figure of a connection (clients, the sockets of a
namespace, the events per second of a name, disconnections per second, the
servers' health, the probe's ack round trip), compares it with a threshold,
and fires once the comparison has held for its whole "for" duration, so a
single bad second does not wake anyone. It clears as soon as the figure is
back on the right side. Everything here is plain Python, judged from the same
``MonitorState`` the views read, on a clock the caller passes in: the window
evaluates it from a timer, the tests from their own clock.
"""

from __future__ import annotations

import enum
import math
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sio_monitor.domain.monitor_state import MonitorState

#: Seconds over which rates are averaged (the last complete seconds).
RATE_SECONDS = 10


class AlertError(ValueError):
    """A rule that cannot work; the message says which part and why."""


class Figure(enum.Enum):
    """What a rule watches; some need a parameter (a namespace, an event name, a server)."""

    CLIENTS = "clients"
    SOCKETS = "sockets"
    EVENT_RATE = "event_rate"
    DISCONNECT_RATE = "disconnect_rate"
    UNHEALTHY_SERVERS = "unhealthy_servers"
    ACK_RTT = "ack_rtt"


#: How each figure is named in a sentence, what its parameter is, and its unit.
FIGURE_NAMES = {
    Figure.CLIENTS: "clients",
    Figure.SOCKETS: "sockets",
    Figure.EVENT_RATE: "events/s",
    Figure.DISCONNECT_RATE: "disconnections/s",
    Figure.UNHEALTHY_SERVERS: "unhealthy servers",
    Figure.ACK_RTT: "ack round trip",
}
PARAMETERS = {
    Figure.SOCKETS: "namespace",
    Figure.EVENT_RATE: "event name",
    Figure.UNHEALTHY_SERVERS: "server id (empty: any)",
}
UNITS = {Figure.ACK_RTT: " ms"}


class Comparison(enum.Enum):
    ABOVE = "above"
    BELOW = "below"

    def holds(self, value: float, threshold: float) -> bool:
        return value > threshold if self is Comparison.ABOVE else value < threshold


@dataclass(frozen=True)
class AlertRule:
    """One rule: ``figure`` (of ``parameter``) ``comparison`` ``threshold`` for ``for_seconds``."""

    figure: Figure
    comparison: Comparison
    threshold: float
    for_seconds: float = 0.0
    parameter: str = ""
    enabled: bool = True
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    def validated(self) -> AlertRule:
        if not math.isfinite(self.threshold):
            raise AlertError("The threshold must be a number.")
        if not math.isfinite(self.for_seconds) or self.for_seconds < 0:
            raise AlertError("The duration must be 0 seconds or more.")
        needs = PARAMETERS.get(self.figure)
        parameter = self.parameter.strip()
        if needs is not None and not parameter and self.figure is not Figure.UNHEALTHY_SERVERS:
            raise AlertError(f"Say which {needs} the rule watches.")
        return replace(self, parameter=parameter if needs is not None else "")

    def describe(self) -> str:
        """``sockets of /chat below 10 for 30 s``: the rule in words, for lists and sentences."""
        what = FIGURE_NAMES[self.figure]
        if self.parameter:
            what = f"{what} of {self.parameter}"
        wait = f" for {_number(self.for_seconds)} s" if self.for_seconds else ""
        unit = UNITS.get(self.figure, "")
        return f"{what} {self.comparison.value} {_number(self.threshold)}{unit}{wait}"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "figure": self.figure.value,
            "parameter": self.parameter,
            "comparison": self.comparison.value,
            "threshold": self.threshold,
            "for": self.for_seconds,
            "enabled": self.enabled,
        }

    @classmethod
    def from_json(cls, data: Any) -> AlertRule:
        if not isinstance(data, Mapping):
            raise AlertError("An alert rule must be a JSON object.")
        try:
            return cls(
                figure=Figure(data["figure"]),
                comparison=Comparison(data["comparison"]),
                threshold=float(data["threshold"]),
                for_seconds=float(data.get("for", 0.0)),
                parameter=str(data.get("parameter", "")),
                enabled=bool(data.get("enabled", True)),
                id=str(data.get("id") or uuid.uuid4().hex[:12]),
            ).validated()
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, AlertError):
                raise
            raise AlertError(f"An alert rule is malformed ({exc}).") from None


def _number(value: float) -> str:
    return f"{value:g}"


def format_value(figure: Figure, value: float) -> str:
    if figure in (Figure.CLIENTS, Figure.SOCKETS, Figure.UNHEALTHY_SERVERS):
        return f"{value:.0f}"
    return f"{value:.3g}{UNITS.get(figure, '')}"


# --- the figures, read from the monitor state ------------------------------------------


def read_figure(
    rule: AlertRule, state: MonitorState, now: float, ack_rtt_ms: float | None = None
) -> float | None:
    """The figure a rule watches, as the views show it; None while it is not known."""
    topology, rates = state.topology, state.rates
    figure = rule.figure
    if figure is Figure.ACK_RTT:
        return ack_rtt_ms
    servers = topology.servers()
    if figure is Figure.UNHEALTHY_SERVERS:
        watched = [s for s in servers if not rule.parameter or s.server_id == rule.parameter]
        if not watched:
            return None
        return float(sum(1 for s in watched if not topology.is_server_healthy(s, now)))
    if not servers:
        return None  # no stats yet: nothing is known
    admin = state.admin_namespace
    if figure is Figure.CLIENTS:
        # The admin connections (this one included) are engine clients too; not the app's.
        clients = sum(s.clients_count for s in servers) - topology.reported_socket_count(admin)
        return float(max(0, clients))
    if figure is Figure.SOCKETS:
        if topology.namespace(rule.parameter) is None:
            return 0.0
        if topology.is_complete():
            return float(topology.socket_count(rule.parameter))
        return float(topology.reported_socket_count(rule.parameter))
    if figure is Figure.DISCONNECT_RATE:
        end = rates.stats_complete_until()
        if end is None:
            return None
        return rates.latest_rate("rawDisconnection", seconds=RATE_SECONDS, now=end)
    # EVENT_RATE: in and out together, over the last seconds with data
    for name, rate_in, rate_out, _total in rates.top_events(
        n=rates.max_names, seconds=RATE_SECONDS
    ):
        if name == rule.parameter:
            return rate_in + rate_out
    return 0.0


# --- the engine ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertChanged:
    """A rule fired (``firing``) or cleared; ``message`` is the sentence to show and log."""

    rule: AlertRule
    firing: bool
    value: float | None
    at: float
    message: str


@dataclass
class _Watch:
    breached_since: float | None = None
    firing: AlertChanged | None = None


class AlertEngine:
    """Judges the rules of one connection each time it is given the figures."""

    def __init__(self, rules: Iterable[AlertRule] = ()) -> None:
        self.rules: list[AlertRule] = []
        self._watches: dict[str, _Watch] = {}
        self.set_rules(rules)

    def set_rules(self, rules: Iterable[AlertRule]) -> list[AlertChanged]:
        """Take a new rule list; a rule that was firing and is gone or changed is cleared."""
        old = {rule.id: rule for rule in self.rules}
        self.rules = [rule for rule in rules if rule.enabled]
        kept = {rule.id for rule in self.rules if old.get(rule.id) == rule}
        cleared = []
        for rule_id, watch in list(self._watches.items()):
            if rule_id not in kept:
                if watch.firing is not None:
                    fired = watch.firing
                    cleared.append(
                        AlertChanged(
                            fired.rule,
                            False,
                            None,
                            fired.at,
                            f"Alert removed: {fired.rule.describe()}.",
                        )
                    )
                del self._watches[rule_id]
        return cleared

    def firing(self) -> list[AlertChanged]:
        """The alerts firing now, oldest first."""
        alerts = [w.firing for w in self._watches.values() if w.firing is not None]
        return sorted(alerts, key=lambda alert: alert.at)

    def evaluate(
        self, state: MonitorState, now: float, ack_rtt_ms: float | None = None
    ) -> list[AlertChanged]:
        """Read every rule's figure now; return the rules that fired or cleared."""
        return self.judge(
            {rule.id: read_figure(rule, state, now, ack_rtt_ms) for rule in self.rules}, now
        )

    def judge(self, values: Mapping[str, float | None], now: float) -> list[AlertChanged]:
        """The same from figures already read (``rule id -> value``, None when unknown).

        An unknown figure neither fires nor clears: a monitor that lost its
        server keeps saying what it last knew.
        """
        changes: list[AlertChanged] = []
        for rule in self.rules:
            value = values.get(rule.id)
            watch = self._watches.setdefault(rule.id, _Watch())
            if value is None:
                watch.breached_since = None
                continue
            if rule.comparison.holds(value, rule.threshold):
                if watch.breached_since is None:
                    watch.breached_since = now
                due = now - watch.breached_since >= rule.for_seconds
                if watch.firing is None and due:
                    shown = format_value(rule.figure, value)
                    watch.firing = AlertChanged(
                        rule, True, value, now, f"Alert: {rule.describe()} (now {shown})."
                    )
                    changes.append(watch.firing)
            else:
                watch.breached_since = None
                if watch.firing is not None:
                    watch.firing = None
                    shown = format_value(rule.figure, value)
                    changes.append(
                        AlertChanged(
                            rule, False, value, now, f"Cleared: {rule.describe()} (now {shown})."
                        )
                    )
        return changes


def rules_from_json(document: Any) -> list[AlertRule]:
    if not isinstance(document, list):
        raise AlertError("The alert rules must be a JSON list.")
    return [AlertRule.from_json(item) for item in document]


def rules_to_json(rules: Iterable[AlertRule]) -> list[dict[str, Any]]:
    return [rule.to_json() for rule in rules]
