"""The emit console's work without its widgets: check, fill, parse, route, send, remember, say.

A request is checked, its ``{{variables}}`` filled and every argument parsed
before anything goes out, so an invalid argument blocks the send and is named
with its position. It then goes through the probe (an ordinary client of the
application) or the admin connection (the ``emit`` command, to a namespace, a
room or a socket). The history keeps every request as typed, and each entry
ends with one sentence: the ack with its round trip, a timeout, a refusal, or
"Sent". An admin emit is said to be sent only once the command went out.

Both connections come in as small ports (``ProbePort``, ``AdminPort``): the
window gives its ``ProbeSession`` and ``ActionRunner``, a test gives fakes.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sio_monitor.domain import actions as act
from sio_monitor.domain.emit.emit_args import (
    ArgKind,
    ArgumentError,
    describe_error,
    parse_argument,
    preview,
)
from sio_monitor.domain.emit.emit_requests import (
    ROUTE_PROBE,
    ROUTE_ROOM,
    ROUTE_SOCKET,
    EmitRequest,
    History,
    HistoryEntry,
    RequestError,
    fill_variables,
)
from sio_monitor.domain.emit.probe_events import EmitResult
from sio_monitor.domain.emit.probe_rows import ack_sentence, no_ack_sentence

PROBE_NOT_CONNECTED = "The probe is not connected: press Connect above, then send again."
ADMIN_NOT_CONNECTED = "Not connected to a server: connect first (Ctrl+K), then send again."
SENDING = "Sending…"


class ProbePort(Protocol):
    """The emit console's own connection (``ProbeSession``)."""

    @property
    def connected(self) -> bool: ...

    async def emit(
        self, namespace: str, event: str, args: Sequence[Any], *, ack_timeout: float | None = None
    ) -> EmitResult: ...


class AdminPort(Protocol):
    """The admin connection's commands (``ActionRunner``)."""

    @property
    def connected(self) -> bool: ...

    def why_unavailable(self, action_type: act.ActionType) -> str | None: ...

    def start(self, action: act.Action) -> Awaitable[Exception | None] | None:
        """Start sending: None when refused, else what ends with the send's error or None."""
        ...


# --- the pure steps ----------------------------------------------------------------------


def parse_arguments(request: EmitRequest) -> tuple[Any, ...]:
    """Every argument's value; RequestError names the first bad one and where it goes wrong."""
    values: list[Any] = []
    for number, spec in enumerate(request.args, start=1):
        try:
            values.append(parse_argument(ArgKind(spec.kind), spec.text))
        except ArgumentError as error:
            raise RequestError(f"Argument {number}: {describe_error(error)}") from None
    return tuple(values)


@dataclass(frozen=True, slots=True)
class PreparedEmit:
    """A request as typed, and as it goes out: variables filled, arguments parsed."""

    typed: EmitRequest
    filled: EmitRequest
    values: tuple[Any, ...]

    @property
    def through_probe(self) -> bool:
        return self.typed.route == ROUTE_PROBE

    def target(self) -> act.Target:
        """Whom an admin emit goes to."""
        route, name = self.typed.route, self.filled.target
        if route == ROUTE_ROOM:
            return act.Target.room(name)
        if route == ROUTE_SOCKET:
            return act.Target.socket(name)
        return act.Target.namespace()

    def action(self) -> act.Action:
        """The admin ``emit`` command this request becomes on an admin route."""
        return act.emit(self.filled.namespace, self.target(), self.filled.event, *self.values)

    def where(self) -> str:
        """``room 'lobby' of /chat``: whom an admin emit reached, for sentences and the log."""
        return self.target().describe(self.filled.namespace)


def prepare(request: EmitRequest, variables: Mapping[str, str]) -> PreparedEmit:
    """Check, fill and parse ``request``; RequestError is the sentence saying why not."""
    filled = fill_variables(request.checked(), variables)
    return PreparedEmit(request, filled, parse_arguments(filled))


def probe_outcome(result: EmitResult, timeout: float | None) -> tuple[str, bool]:
    """The sentence for how a probe emit ended, and whether it went well."""
    if result.timed_out:
        return f"{_capital(no_ack_sentence(timeout or 0.0))}.", False
    if result.acked:
        rtt = result.rtt_ms if result.rtt_ms is not None else 0.0
        sentence = _capital(ack_sentence(rtt, len(result.reply)))
        return f"{sentence}: {preview(result.reply, 160)}", True
    return "Sent.", True


def admin_sent(where: str) -> str:
    return f"Sent to {where} through the admin connection."


def not_sent(error: BaseException) -> str:
    return f"Not sent: {error}"


def _capital(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


# --- the service -------------------------------------------------------------------------


@dataclass(slots=True)
class Sending:
    """One emit on its way: its history entry, and the one it pushed out of the history."""

    emit: PreparedEmit
    entry: HistoryEntry
    dropped: HistoryEntry | None
    send: Callable[[], Awaitable[Any]]  # the probe's emit, or the admin command under way
    #: When an admin emit went out (epoch seconds); None until then, and if it did not.
    sent_at: float | None = None


class EmitService:
    """Sends the emit console's requests through the probe or the admin connection."""

    def __init__(
        self,
        probe: ProbePort,
        admin: AdminPort,
        *,
        clock: Callable[[], float] = time.time,
        history: History | None = None,
    ) -> None:
        self.probe = probe
        self.admin = admin
        self.clock = clock
        self.history = history if history is not None else History()

    def start(self, request: EmitRequest, variables: Mapping[str, str]) -> Sending:
        """Check, fill, parse and route ``request``, then start sending it.

        RequestError is the sentence saying why nothing went out; nothing is
        remembered then. Otherwise the request is in the history as "sending…"
        until ``finish`` settles it.
        """
        emit = prepare(request, variables)
        send: Callable[[], Awaitable[Any]]
        if emit.through_probe:
            if not self.probe.connected:
                raise RequestError(PROBE_NOT_CONNECTED)
            filled = emit.filled
            timeout = filled.ack_timeout if filled.ack else None

            def send() -> Awaitable[EmitResult]:
                return self.probe.emit(
                    filled.namespace, filled.event, emit.values, ack_timeout=timeout
                )

        else:
            action = emit.action()
            why_not = self.admin.why_unavailable(action.type)
            if why_not is None and not self.admin.connected:
                why_not = ADMIN_NOT_CONNECTED
            if why_not is not None:
                raise RequestError(why_not)
            started = self.admin.start(action)  # checked and under way, or refused now
            if started is None:
                raise RequestError(f"Could not {action.describe()}; the status bar says why.")

            def send() -> Awaitable[Exception | None]:
                return started

        history = self.history
        dropped = history[0] if len(history) >= history.limit else None
        entry = history.add(request, self.clock())
        return Sending(emit, entry, dropped, send)

    async def finish(self, sending: Sending) -> HistoryEntry:
        """Wait for the send to end; the entry's outcome then says how it ended."""
        entry, emit = sending.entry, sending.emit
        if emit.through_probe:
            try:
                result = await sending.send()
            except Exception as error:  # the client's refusal, in its own words
                return _settle(entry, not_sent(error), ok=False)
            filled = emit.filled
            outcome, ok = probe_outcome(result, filled.ack_timeout if filled.ack else None)
            return _settle(entry, outcome, ok=ok)
        error = await sending.send()  # the runner says its own failure in the status bar
        if error is not None:
            return _settle(entry, not_sent(error), ok=False)
        sending.sent_at = self.clock()
        return _settle(entry, admin_sent(emit.where()), ok=True)


def _settle(entry: HistoryEntry, outcome: str, *, ok: bool) -> HistoryEntry:
    entry.outcome, entry.ok = outcome, ok
    return entry
