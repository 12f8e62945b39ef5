"""A scenario as plain dataclasses: what the loader builds and every runner reads.

The classes hold the file's values as written, ``{{variables}}`` included:
a runner renders each step with the variables of the moment just before it
runs (``variables.render``), because captures fill them as it goes. Nothing
here touches the network, so a Locust user or any other runner can take a
scenario's client steps and drive them with its own client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sio_monitor.domain.emit.probe_settings import ProbeSettings
from sio_monitor.domain.settings import DEFAULT_ADMIN_NAMESPACE

#: How long ``expect``, ``expect_disconnect`` and ``admin_expect`` wait when the file says not.
DEFAULT_WITHIN = 5.0
#: How long an emit waits for its ack when the file asks for one without a time.
DEFAULT_ACK_WITHIN = 5.0


@dataclass(frozen=True, slots=True)
class Count:
    """A count to check: exactly ``min`` when ``exact``, else between ``min`` and ``max``."""

    min: int = 0
    max: int | None = None

    @classmethod
    def of(cls, value: Any) -> Count | None:
        if value is None:
            return None
        if isinstance(value, int):
            return cls(value, value)
        return cls(int(value.get("min", 0)), value.get("max"))

    def holds(self, actual: int) -> bool:
        return actual >= self.min and (self.max is None or actual <= self.max)

    def describe(self) -> str:
        if self.max == self.min:
            return str(self.min)
        if self.max is None:
            return f"at least {self.min}"
        return f"{self.min} to {self.max}"


@dataclass(frozen=True, slots=True)
class ClientSpec:
    """One probe connection of the scenario: any option of the emit console's probe."""

    name: str
    namespaces: tuple[str, ...] = ("/",)
    path: str = "/socket.io"
    auth: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    transports: tuple[str, ...] = ("websocket",)
    timeout: float = 10.0
    reconnection: bool = False  # a check wants to see a loss, not hide it
    verify_tls: bool = True
    ca_file: str | None = None
    ack_replies: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def namespace(self) -> str:
        """The namespace steps use when they name none: the first one listed."""
        return self.namespaces[0]

    @property
    def transport(self) -> str:
        """The probe's transport choice: websocket, polling or both (polling, then upgrade)."""
        if len(self.transports) > 1:
            return "both"
        return self.transports[0]

    def probe_settings(self, target: str, rendered: dict[str, Any] | None = None) -> ProbeSettings:
        """The probe's settings against ``target``; ``rendered``: auth, headers and query with
        their variables already substituted."""
        values = rendered or {"auth": self.auth, "headers": self.headers, "query": self.query}
        return ProbeSettings(
            url=target,
            path=self.path,
            namespaces=self.namespaces,
            transport=self.transport,
            auth=values["auth"],
            headers={str(k): str(v) for k, v in values["headers"].items()},
            query={str(k): _text(v) for k, v in values["query"].items()},
            verify_tls=self.verify_tls,
            ca_file=self.ca_file,
            connect_timeout=self.timeout,
            reconnection=self.reconnection,
        )


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True, slots=True)
class AdminSpec:
    """The admin connection ``admin_expect`` reads; the password never comes from the file."""

    user: str = ""
    namespace: str = DEFAULT_ADMIN_NAMESPACE
    path: str | None = None  # None: the first client's path, else /socket.io


# --- steps -------------------------------------------------------------------------
# Each step keeps the line it starts on, so a timeline and a report can point at it.


@dataclass(frozen=True, slots=True)
class Connect:
    clients: tuple[str, ...]
    line: int = 0


@dataclass(frozen=True, slots=True)
class Disconnect:
    clients: tuple[str, ...]
    line: int = 0


@dataclass(frozen=True, slots=True)
class Wait:
    seconds: float
    line: int = 0


@dataclass(frozen=True, slots=True)
class AckSpec:
    """Wait ``within`` seconds for the ack; ``expect`` matches its arguments by position."""

    within: float = DEFAULT_ACK_WITHIN
    expect: list[Any] | None = None
    capture: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Emit:
    client: str
    event: str
    args: list[Any] = field(default_factory=list)
    namespace: str | None = None  # None: the client's first namespace
    ack: AckSpec | None = None
    line: int = 0


@dataclass(frozen=True, slots=True)
class Expect:
    """An event the server sends ``client``; with ``negate``, one that must not come."""

    client: str
    event: str
    args: list[Any] | None = None
    namespace: str | None = None
    within: float = DEFAULT_WITHIN
    capture: dict[str, str] = field(default_factory=dict)
    negate: bool = False
    line: int = 0


@dataclass(frozen=True, slots=True)
class ExpectDisconnect:
    """The server closes ``client``'s connection within the time (``negate``: it does not)."""

    client: str
    within: float = DEFAULT_WITHIN
    negate: bool = False
    line: int = 0


@dataclass(frozen=True, slots=True)
class AdminExpect:
    """What the monitor's topology must show within the time.

    ``socket_of`` names a client whose socket is looked up (on ``namespace``,
    else the client's first); ``in_room``/``not_in_room`` and ``connected``
    apply to it. ``room`` with ``members``, ``sockets`` and ``rooms`` count in
    ``namespace``; ``servers`` counts healthy servers, ``healthy`` wants every
    server healthy.
    """

    socket_of: str | None = None
    namespace: str | None = None
    in_room: str | None = None
    not_in_room: str | None = None
    connected: bool | None = None
    room: str | None = None
    members: Count | None = None
    sockets: Count | None = None
    rooms: Count | None = None
    servers: Count | None = None
    healthy: bool | None = None
    within: float = DEFAULT_WITHIN
    line: int = 0


@dataclass(frozen=True, slots=True)
class Repeat:
    times: int
    steps: tuple[Step, ...]
    line: int = 0


Step = Connect | Disconnect | Wait | Emit | Expect | ExpectDisconnect | AdminExpect | Repeat


@dataclass(frozen=True, slots=True)
class Scenario:
    """One loaded file: ``variables`` already holds the overrides given at load time."""

    name: str
    steps: tuple[Step, ...]
    clients: dict[str, ClientSpec] = field(default_factory=dict)
    target: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    admin: AdminSpec | None = None
    continue_on_failure: bool = False
    description: str = ""
    source: str = "<text>"

    def uses_admin(self) -> bool:
        return self.admin is not None or any(
            isinstance(step, AdminExpect) for step in walk(self.steps)
        )


def walk(steps: tuple[Step, ...]) -> list[Step]:
    """Every step, those inside ``repeat`` included, in file order."""
    found: list[Step] = []
    for step in steps:
        found.append(step)
        if isinstance(step, Repeat):
            found.extend(walk(step.steps))
    return found


def describe(step: Step) -> str:
    """A step in a few words, for a terminal line and the timeline."""
    if isinstance(step, Connect):
        return f"connect {', '.join(step.clients)}"
    if isinstance(step, Disconnect):
        return f"disconnect {', '.join(step.clients)}"
    if isinstance(step, Wait):
        return f"wait {step.seconds:g} s"
    if isinstance(step, Emit):
        ack = f" (ack within {step.ack.within:g} s)" if step.ack is not None else ""
        return f"{step.client} emits {step.event}{ack}"
    if isinstance(step, Expect):
        verb = "gets no" if step.negate else "gets"
        return f"{step.client} {verb} {step.event} within {step.within:g} s"
    if isinstance(step, ExpectDisconnect):
        verb = "stays connected" if step.negate else "is disconnected"
        return f"{step.client} {verb} within {step.within:g} s"
    if isinstance(step, AdminExpect):
        return f"admin sees {_admin_words(step)} within {step.within:g} s"
    return f"repeat {step.times} times"


def _admin_words(step: AdminExpect) -> str:
    parts: list[str] = []
    if step.socket_of is not None:
        socket = f"{step.socket_of}'s socket"
        if step.in_room is not None:
            parts.append(f"{socket} in {step.in_room}")
        if step.not_in_room is not None:
            parts.append(f"{socket} not in {step.not_in_room}")
        if step.connected is not None or (step.in_room is None and step.not_in_room is None):
            parts.append(f"{socket} {'gone' if step.connected is False else 'connected'}")
    where = f" in {step.namespace}" if step.namespace else ""
    if step.room is not None:
        count = f"{step.members.describe()} members" if step.members else "present"
        parts.append(f"room {step.room}{where} {count}")
    if step.sockets is not None:
        parts.append(f"{step.sockets.describe()} sockets{where}")
    if step.rooms is not None:
        parts.append(f"{step.rooms.describe()} rooms{where}")
    if step.servers is not None:
        parts.append(f"{step.servers.describe()} healthy servers")
    if step.healthy is not None:
        parts.append("every server healthy" if step.healthy else "an unhealthy server")
    return ", ".join(parts) or "the server"
