"""Admin actions (join, leave, disconnect, emit) and their results as seen in the event stream.

The admin protocol has no acknowledgements: a command is sent and its effect
shows up, or does not, among the ordinary ``room_*``, ``socket_*`` and
``event_sent`` events. ``ActionTracker`` is fed the same batches as the
topology, settles each pending action once its effect has been seen on every
targeted socket, and gives up after a timeout, so a server that ignores a
command (python in production mode advertises actions it does not handle)
can never leave a user waiting.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sio_monitor.domain.events import (
    ConnectionChanged,
    ConnectionState,
    DomainEvent,
    EventSent,
    RoomJoined,
    RoomLeft,
    SocketDisconnected,
)
from sio_monitor.domain.format import counted
from sio_monitor.domain.settings import DEFAULT_ADMIN_NAMESPACE
from sio_monitor.domain.topology.topology import Topology

DEFAULT_TIMEOUT = 10.0  # python flushes room events one stats interval late (2 s by default)
# socket.io 4 throws on emitting these; thrown inside admin-ui's handler, it ends the Node process.
RESERVED_EVENTS = frozenset(
    {"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"}
)


class ActionError(ValueError):
    """An action that must not be sent; the message is the sentence to show."""


class ActionKind(enum.Enum):
    JOIN = "join"
    LEAVE = "leave"
    DISCONNECT = "disconnect"
    EMIT = "emit"


class Scope(enum.Enum):
    """What a command's filter names: one socket, a room's members, or the whole namespace."""

    SOCKET = "socket"
    ROOM = "room"
    NAMESPACE = "namespace"


class Outcome(enum.Enum):
    OBSERVED = "observed"  # the effect showed on every targeted socket (or none was needed)
    UNOBSERVABLE = "unobservable"  # sent; production mode has no events to watch for
    TIMED_OUT = "timed_out"  # no effect, or only part of it, within the timeout
    CONNECTION_LOST = "connection_lost"  # the stream broke before the effect showed


@dataclass(frozen=True, slots=True)
class ActionType:
    """One entry of an actions menu: a kind of action on a kind of target."""

    kind: ActionKind
    scope: Scope

    @property
    def feature(self) -> str:
        """The ``supportedFeatures`` entry a server advertises when it handles this."""
        if self.kind is ActionKind.EMIT:
            return "EMIT"
        prefix = "M" if self.scope is not Scope.SOCKET else ""
        return prefix + self.kind.name

    @property
    def label(self) -> str:
        return _LABELS[(self.kind, self.scope)]


_LABELS = {
    (ActionKind.JOIN, Scope.SOCKET): "making a socket join a room",
    (ActionKind.JOIN, Scope.ROOM): "making a whole room join another room",
    (ActionKind.LEAVE, Scope.SOCKET): "making a socket leave a room",
    (ActionKind.LEAVE, Scope.ROOM): "making a whole room leave a room",
    (ActionKind.DISCONNECT, Scope.SOCKET): "disconnecting a socket",
    (ActionKind.DISCONNECT, Scope.ROOM): "disconnecting a whole room",
    (ActionKind.EMIT, Scope.SOCKET): "emitting to a socket",
    (ActionKind.EMIT, Scope.ROOM): "emitting to a room",
    (ActionKind.EMIT, Scope.NAMESPACE): "emitting to a whole namespace",
}
ACTION_TYPES: tuple[ActionType, ...] = tuple(ActionType(k, s) for k, s in _LABELS)
ACTION_FEATURES = frozenset(t.feature for t in ACTION_TYPES)
_ROOM_KINDS = (ActionKind.JOIN, ActionKind.LEAVE)


def available_actions(features: Iterable[str], *, read_only: bool = False) -> list[ActionType]:
    """The action types to offer: only those the server's ``config`` advertises."""
    features = frozenset(features)
    return [t for t in ACTION_TYPES if why_unavailable(t, features, read_only=read_only) is None]


def why_unavailable(
    action: ActionType | Action, features: Iterable[str], *, read_only: bool = False
) -> str | None:
    """The tooltip sentence saying why an action is disabled, or None when it is allowed."""
    kind = action.type if isinstance(action, Action) else action
    features = frozenset(features)
    if read_only:
        return "The monitor is in read-only mode: it sends no actions."
    if not features:
        return "Actions become available once the server has sent its configuration."
    if not features & ACTION_FEATURES:
        return "This server's admin instrumentation is read-only: it accepts no actions."
    if kind.feature not in features:
        return f"This server does not allow {kind.label} (it does not advertise {kind.feature})."
    return None


@dataclass(frozen=True, slots=True)
class Target:
    """Whom a command applies to: the wire's ``filter`` is a socket id, a room, or absent."""

    scope: Scope
    name: str | None = None

    @classmethod
    def socket(cls, sid: str) -> Target:
        return cls(Scope.SOCKET, sid)

    @classmethod
    def room(cls, name: str) -> Target:
        return cls(Scope.ROOM, name)

    @classmethod
    def namespace(cls) -> Target:
        return cls(Scope.NAMESPACE, None)

    def describe(self, nsp: str) -> str:
        if self.scope is Scope.SOCKET:
            return f"socket {self.name}"
        if self.scope is Scope.ROOM:
            return f"room {self.name!r} of {nsp}"
        return f"every socket of {nsp}"


@dataclass(frozen=True, slots=True)
class Action:
    """One admin command, with what it needs to be sent and to be recognised when it works."""

    kind: ActionKind
    nsp: str
    target: Target
    room: str = ""  # JOIN and LEAVE: the room joined or left
    close: bool = False  # DISCONNECT: also close the engine connection
    event: str = ""  # EMIT
    args: tuple[Any, ...] = ()

    @property
    def type(self) -> ActionType:
        return ActionType(self.kind, self.target.scope)

    @property
    def key(self) -> str:
        """What an event must name to be this action's effect: the room or the event name."""
        return self.event if self.kind is ActionKind.EMIT else self.room

    def command(self) -> tuple[Any, ...]:
        """Command name then arguments, for ``await client.send(*action.command())``."""
        nsp, where = self.nsp, self.target.name
        if self.kind is ActionKind.EMIT:
            return ("emit", nsp, where, self.event, *self.args)
        if self.kind is ActionKind.JOIN:
            return ("join", nsp, self.room, where)
        if self.kind is ActionKind.LEAVE:
            return ("leave", nsp, self.room, where)
        return ("_disconnect", nsp, self.close, where)

    def describe(self) -> str:
        """A phrase for result sentences: what was asked, of whom."""
        whom = self.target.describe(self.nsp)
        if self.kind is ActionKind.JOIN:
            return f"join room {self.room!r} for {whom}"
        if self.kind is ActionKind.LEAVE:
            return f"leave room {self.room!r} for {whom}"
        if self.kind is ActionKind.DISCONNECT:
            closing = ", closing the connection" if self.close else ""
            return f"disconnect {whom}{closing}"
        return f"emit {self.event!r} to {whom}"


def join(nsp: str, room: str, target: Target) -> Action:
    return Action(ActionKind.JOIN, nsp, target, room=room)


def leave(nsp: str, room: str, target: Target) -> Action:
    return Action(ActionKind.LEAVE, nsp, target, room=room)


def disconnect(nsp: str, target: Target, *, close: bool = False) -> Action:
    return Action(ActionKind.DISCONNECT, nsp, target, close=close)


def emit(nsp: str, target: Target, event: str, *args: Any) -> Action:
    return Action(ActionKind.EMIT, nsp, target, event=event, args=args)


@dataclass(frozen=True, slots=True)
class ActionResult:
    """How an action ended; ``message`` is the sentence to show."""

    action: Action
    outcome: Outcome
    message: str
    observed: int  # targeted sockets the effect was seen on
    expected: int  # targeted sockets it was awaited on
    at: float

    @property
    def ok(self) -> bool:
        return self.outcome in (Outcome.OBSERVED, Outcome.UNOBSERVABLE)


@dataclass(eq=False, slots=True)
class PendingAction:
    """An action sent and not settled yet; ``result`` is set at once when nothing is awaited."""

    id: int
    action: Action
    started_at: float
    deadline: float
    awaiting: set[str] = field(default_factory=set)  # socket ids
    expected: int = 0
    observed: int = 0
    gone: int = 0  # targets that disconnected before the effect showed on them
    result: ActionResult | None = None


def check(
    action: Action, topology: Topology, *, admin_namespace: str = DEFAULT_ADMIN_NAMESPACE
) -> None:
    """Raise ActionError when the action must not be sent: the servers do not validate it.

    A namespace the monitor has not seen would be created on a Node server by
    the command itself, and a reserved event name throws inside its handler.
    """
    if action.nsp == admin_namespace:
        raise ActionError(
            f"{admin_namespace} is the admin namespace, the monitor's own connection: "
            "act on an application namespace."
        )
    if action.nsp not in topology.namespaces():
        raise ActionError(
            f"The namespace {action.nsp} has not been seen on this server; "
            "the monitor only acts on namespaces it has seen."
        )
    reason = why_unavailable(action, topology.features)
    if reason is not None:
        raise ActionError(reason)
    if action.kind in _ROOM_KINDS and not action.room:
        raise ActionError(f"Give the name of the room to {action.kind.value}.")
    if action.kind is ActionKind.EMIT:
        if not action.event:
            raise ActionError("Give the name of the event to emit.")
        if action.event in RESERVED_EVENTS:
            raise ActionError(f"{action.event!r} is reserved by Socket.IO and cannot be emitted.")
    target = action.target
    if target.scope is not Scope.NAMESPACE and not target.name:
        raise ActionError(f"Choose the {target.scope.value} to act on.")
    if target.scope is Scope.NAMESPACE and action.kind is not ActionKind.EMIT:
        raise ActionError(f"Only emit can target a whole namespace, not {action.kind.value}.")
    if topology.is_production is not False:
        return  # production mode knows no sockets or rooms to check against
    if target.scope is Scope.SOCKET and topology.socket(action.nsp, target.name or "") is None:
        raise ActionError(f"Socket {target.name} is not connected to {action.nsp}.")
    if target.scope is Scope.ROOM and topology.room(action.nsp, target.name or "") is None:
        raise ActionError(f"No socket of {action.nsp} is known to be in room {target.name!r}.")


def _awaited(action: Action, topology: Topology) -> set[str]:
    """The targeted sockets an effect will show on: joins and leaves that change nothing send
    nothing, so a socket already in (or out of) the room is not waited for."""
    nsp, target = action.nsp, action.target
    if target.scope is Scope.SOCKET:
        sockets = [topology.socket(nsp, target.name or "")]
    elif target.scope is Scope.ROOM:
        room = topology.room(nsp, target.name or "")
        sockets = [topology.socket(nsp, sid) for sid in (room.members if room else ())]
    else:
        sockets = list(topology.sockets(nsp))
    joining = action.kind is ActionKind.JOIN
    return {
        s.id
        for s in sockets
        if s is not None and (action.kind not in _ROOM_KINDS or (action.room in s.rooms) != joining)
    }


class ActionTracker:
    """The actions sent and not settled yet, settled by the events that prove their effect."""

    def __init__(
        self, timeout: float = DEFAULT_TIMEOUT, *, admin_namespace: str = DEFAULT_ADMIN_NAMESPACE
    ) -> None:
        self.timeout = timeout
        self.admin_namespace = admin_namespace
        self._pending: dict[int, PendingAction] = {}
        self._ids = itertools.count(1)

    def pending(self) -> list[PendingAction]:
        return list(self._pending.values())

    def next_deadline(self) -> float | None:
        """When ``expire`` next has something to do: for a view's single-shot timer."""
        return min((p.deadline for p in self._pending.values()), default=None)

    def start(self, action: Action, topology: Topology, now: float) -> PendingAction:
        """Check the action and note what will prove it worked; send ``action.command()`` next.

        Raises ActionError with the sentence to show. The targets are read
        from the topology now, before the command changes them.
        """
        check(action, topology, admin_namespace=self.admin_namespace)
        pending = PendingAction(next(self._ids), action, now, now + self.timeout)
        if topology.is_production is not False:
            sentence = (
                f"Sent: {action.describe()}. There is no effect to observe in production mode."
            )
            self._settle(pending, Outcome.UNOBSERVABLE, sentence, now)
            return pending
        pending.awaiting = _awaited(action, topology)
        pending.expected = len(pending.awaiting)
        if not pending.awaiting:
            self._settle(pending, Outcome.OBSERVED, _nothing_to_do(action), now)
        else:
            self._pending[pending.id] = pending
        return pending

    def apply(self, batch: Iterable[DomainEvent], now: float) -> list[ActionResult]:
        """Fold in the batch the topology got; return the actions it settled."""
        if not self._pending:
            return []
        touched: dict[int, PendingAction] = {}
        lost = False
        for event in batch:
            if isinstance(event, RoomJoined):
                self._see(ActionKind.JOIN, event.nsp, event.room, event.id, touched)
            elif isinstance(event, RoomLeft):
                self._see(ActionKind.LEAVE, event.nsp, event.room, event.id, touched)
            elif isinstance(event, EventSent):
                self._see(ActionKind.EMIT, event.nsp, event.name, event.id, touched)
            elif isinstance(event, SocketDisconnected):
                self._see(ActionKind.DISCONNECT, event.nsp, "", event.id, touched)
                for p in self._pending.values():
                    if p.action.nsp == event.nsp and event.id in p.awaiting:
                        p.awaiting.discard(event.id)  # gone before its effect showed
                        p.gone += 1
                        touched[p.id] = p
            elif isinstance(event, ConnectionChanged) and event.state in _BROKEN:
                lost = True
        results = [
            self._settle(p, Outcome.OBSERVED, _observed(p), now)
            for p in touched.values()
            if not p.awaiting and p.id in self._pending
        ]
        if lost:
            sentence = "The connection to the server broke before the effect showed; check again."
            results += [
                self._settle(p, Outcome.CONNECTION_LOST, sentence, now)
                for p in list(self._pending.values())
            ]
        return results

    def expire(self, now: float) -> list[ActionResult]:
        """Give up on the actions past their deadline, saying how much of the effect showed."""
        results = []
        for p in [p for p in self._pending.values() if p.deadline <= now]:
            results.append(self._settle(p, Outcome.TIMED_OUT, _timed_out(p, self.timeout), now))
        return results

    def _see(
        self, kind: ActionKind, nsp: str, key: str, sid: str, touched: dict[int, PendingAction]
    ) -> None:
        for p in self._pending.values():
            action = p.action
            if (
                action.kind is kind
                and action.key == key
                and action.nsp == nsp
                and sid in p.awaiting
            ):
                p.awaiting.discard(sid)
                p.observed += 1
                touched[p.id] = p

    def _settle(
        self, pending: PendingAction, outcome: Outcome, message: str, now: float
    ) -> ActionResult:
        self._pending.pop(pending.id, None)
        p = pending
        p.result = ActionResult(p.action, outcome, message, p.observed, p.expected, now)
        return p.result


_BROKEN = (ConnectionState.RECONNECTING, ConnectionState.FAILED, ConnectionState.DISCONNECTED)

_DONE = {
    ActionKind.JOIN: "joined room {room!r}",
    ActionKind.LEAVE: "left room {room!r}",
    ActionKind.DISCONNECT: "disconnected",
    ActionKind.EMIT: "received {event!r}",
}


def _sockets(count: int) -> str:
    return counted(count, "socket")


def _nothing_to_do(action: Action) -> str:
    if action.kind is ActionKind.JOIN:
        return f"Nothing to do: every targeted socket is already in room {action.room!r}."
    if action.kind is ActionKind.LEAVE:
        return f"Nothing to do: no targeted socket is in room {action.room!r}."
    return f"Sent: {action.describe()}, which has no socket to reach right now."


def _observed(p: PendingAction) -> str:
    action = p.action
    done = _DONE[action.kind].format(room=action.room, event=action.event)
    target = action.target
    if target.scope is Scope.SOCKET and p.observed == 1:
        sentence = f"Socket {target.name} {done}."
    elif p.gone == 0:
        group = action.nsp if target.scope is Scope.NAMESPACE else f"room {target.name!r}"
        every = "the only socket" if p.observed == 1 else f"all {p.observed} sockets"
        sentence = f"{every} of {group} {done}."
    else:
        sentence = f"{p.observed} of {_sockets(p.expected)} {done}; {p.gone} disconnected first."
    return sentence[0].upper() + sentence[1:]


def _timed_out(p: PendingAction, timeout: float) -> str:
    action = p.action
    if p.observed == 0:
        return (
            f"No effect observed within {timeout:g} s after asking to {action.describe()}; "
            "the server may not handle this action."
        )
    done = _DONE[action.kind].format(room=action.room, event=action.event)
    missing = p.expected - p.observed - p.gone
    return (
        f"{p.observed} of {_sockets(p.expected)} {done}; no effect observed on the other "
        f"{missing} within {timeout:g} s."
    )
