"""A load run's plan: how many virtual users, for how long, and what each of them does.

The window, the ``load`` command and the Locust child all read this one
object: the parent validates it (caps included) and hands it to the child as
JSON in an environment variable, which other users of the machine cannot read,
unlike a command line, so the probe's auth payload and headers stay private.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, field, replace
from typing import Any

from sio_monitor.domain.emit.probe_settings import ProbeSettings
from sio_monitor.domain.scenario import ScenarioError, load_scenario
from sio_monitor.domain.settings import SettingsError

#: Every run is bounded: at most this many virtual users...
MAX_USERS = 5000
#: ...for at most this long (seconds).
MAX_DURATION = 3600.0
#: Local worker processes at most (each one is a Python process on gevent).
MAX_PROCESSES = 32
#: The environment variable carrying the plan to the Locust child.
PLAN_VARIABLE = "SIO_MONITOR_LOAD_PLAN"


@dataclass(frozen=True)
class LoadPlan:
    """``event`` None: users connect and listen only; ``scenario``: a scenario file's steps."""

    probe: ProbeSettings
    users: int = 10
    spawn_rate: float = 10.0
    duration: float = 30.0
    event: str | None = None
    args: tuple[Any, ...] = ()
    every: float = 1.0
    ack: bool = False
    ack_timeout: float = 5.0
    scenario: str | None = None
    processes: int = 1
    extra: dict[str, Any] = field(default_factory=dict)

    def validated(self) -> LoadPlan:
        """Return self, or raise SettingsError with one sentence naming the bad value."""
        self.probe.validated()
        if not 1 <= self.users <= MAX_USERS:
            raise SettingsError(f"Users must be between 1 and {MAX_USERS:,}, not {self.users}.")
        if not self.spawn_rate > 0:
            raise SettingsError("The spawn rate must be more than 0 users per second.")
        if not 0 < self.duration <= MAX_DURATION:
            raise SettingsError(
                f"The duration must be more than 0 and at most {MAX_DURATION:g} s, "
                f"not {self.duration:g}."
            )
        if not self.every > 0:
            raise SettingsError("The interval between emits must be more than 0 seconds.")
        if not self.ack_timeout > 0:
            raise SettingsError("The ack timeout must be more than 0 seconds.")
        if not 1 <= self.processes <= MAX_PROCESSES:
            raise SettingsError(f"Worker processes must be between 1 and {MAX_PROCESSES}.")
        if self.event is not None and not self.event:
            raise SettingsError("The event name is empty.")
        if self.scenario is not None:
            if self.event is not None:
                raise SettingsError("Give either a scenario or an event to emit, not both.")
            try:
                load_scenario(self.scenario)
            except ScenarioError as exc:
                raise SettingsError(f"The scenario cannot run: {exc}") from None
        return self

    @property
    def is_local(self) -> bool:
        """Whether the target is this machine (a loopback name or address)."""
        return is_loopback(self.probe.host_port[0])

    def describe(self) -> str:
        """What each user does, in a sentence."""
        if self.scenario:
            return (
                f"Each user runs the client steps of {self.scenario} over and over, one pass "
                f"every {self.every:g} s at most (admin_expect steps are left out)."
            )
        if self.event is None:
            return "Each user connects and listens."
        ack = f", waiting up to {self.ack_timeout:g} s for its ack" if self.ack else ""
        return f'Each user connects and emits "{self.event}" every {self.every:g} s{ack}.'

    # --- to and from the child ----------------------------------------------------

    def to_json(self) -> str:
        probe = self.probe
        return json.dumps(
            {
                "probe": {
                    "url": probe.url,
                    "path": probe.path,
                    "namespaces": list(probe.namespaces),
                    "transport": probe.transport,
                    "auth": probe.auth,
                    "headers": probe.headers,
                    "query": probe.query,
                    "verify_tls": probe.verify_tls,
                    "ca_file": probe.ca_file,
                    "connect_timeout": probe.connect_timeout,
                    "parser": probe.parser,
                },
                "users": self.users,
                "spawn_rate": self.spawn_rate,
                "duration": self.duration,
                "event": self.event,
                "args": list(self.args),
                "every": self.every,
                "ack": self.ack,
                "ack_timeout": self.ack_timeout,
                "scenario": self.scenario,
                "processes": self.processes,
                "extra": self.extra,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> LoadPlan:
        raw = json.loads(text)
        probe_raw = dict(raw.pop("probe"))
        probe_raw["namespaces"] = tuple(probe_raw["namespaces"])
        probe = ProbeSettings(**probe_raw, reconnection=False)
        raw["args"] = tuple(raw["args"])
        return cls(probe=probe, **raw)

    def with_users(self, users: int) -> LoadPlan:
        return replace(self, users=users)


def is_loopback(host: str) -> bool:
    """``localhost``, 127.0.0.0/8 and ::1 are this machine; any other name is not."""
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
