"""Runs a scenario on asyncio: probe clients for its clients, the topology for admin steps.

Each step has its own time and verdict. A client's events wait in an inbox
until an ``expect`` takes the first one that matches, so an event that came
before its step (the server answered faster than the file reads) still
counts. A failure records expected against actual (for an event, the closest
one seen, with the first differing path) and ends the scenario unless it
says ``continue_on_failure``. The admin side is anything with a topology and
a way to wait for its next change (``AdminView``): the terminal hands over
its feed, the window its monitoring session, so both judge from the same
monitor state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sio_monitor.domain.emit.probe_events import (
    ProbeEventReceived,
    ProbeState,
    ProbeStateChanged,
)
from sio_monitor.domain.events import FailureKind
from sio_monitor.domain.scenario import (
    AdminExpect,
    Connect,
    Disconnect,
    Emit,
    Expect,
    ExpectDisconnect,
    Repeat,
    Scenario,
    Step,
    UndefinedVariableError,
    Wait,
    describe,
    match,
    render,
    value_at,
)
from sio_monitor.domain.scenario.matching import Mismatch
from sio_monitor.domain.scenario.results import ScenarioResult, StepResult, Verdict
from sio_monitor.domain.topology.topology import Topology
from sio_monitor.net.probe import EmitError, ProbeClient

log = logging.getLogger(__name__)

#: Events kept per client for ``expect`` to look through; older ones are dropped first.
INBOX_LIMIT = 5000
_UNREACHABLE = (FailureKind.UNREACHABLE, FailureKind.TIMEOUT)


class AdminView(Protocol):
    """The monitor's view of the server, as ``admin_expect`` reads it."""

    @property
    def topology(self) -> Topology: ...

    def refresh(self) -> None:
        """Fold in whatever arrived since the last look."""

    async def changed(self, timeout: float) -> None:
        """Return when something may have changed, or after ``timeout`` seconds."""


class StepFailedError(Exception):
    """A step's verdict is not a pass; carries what to report."""

    def __init__(
        self,
        message: str,
        *,
        expected: Any = None,
        actual: Any = None,
        mismatch: Mismatch | None = None,
        has_diff: bool = False,
        unreachable: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.expected, self.actual = expected, actual
        self.diff_path = mismatch.path if mismatch is not None else None
        self.has_diff = has_diff or mismatch is not None
        self.unreachable = unreachable


@dataclass(slots=True)
class _Inbox:
    """One client's unconsumed events and whether the server dropped it."""

    events: deque[ProbeEventReceived] = field(default_factory=lambda: deque(maxlen=INBOX_LIMIT))
    lost: ProbeStateChanged | None = None
    closing: bool = False
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    sids: dict[str, str] = field(default_factory=dict)  # the last sid per namespace

    def push(self, event: object) -> None:
        if isinstance(event, ProbeEventReceived):
            self.events.append(event)
        elif (
            isinstance(event, ProbeStateChanged)
            and event.state in (ProbeState.DISCONNECTED, ProbeState.RECONNECTING)
            and not self.closing
            and event.failure is None
        ):
            self.lost = event
        self.changed.set()


Sink = Callable[[str, object], None]  # (client name, probe event)


class ScenarioRunner:
    """One run of one scenario; ``run()`` once, ``stop()`` from anywhere on the loop."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        target: str | None = None,
        admin: AdminView | None = None,
        sink: Sink | None = None,
        on_step: Callable[[StepResult], None] | None = None,
        on_step_started: Callable[[int, str, int], None] | None = None,
        admin_missing: str = (
            "No admin connection: add admin: {user: NAME} to the file "
            "(the password comes from SIO_MONITOR_PASSWORD)."
        ),
    ) -> None:
        self.scenario = scenario
        self.target = target or scenario.target or ""
        self.admin = admin
        self.variables: dict[str, Any] = dict(scenario.variables)
        self._sink = sink
        self._on_step = on_step
        self._on_started = on_step_started
        self._admin_missing = admin_missing
        self._probes: dict[str, ProbeClient] = {}
        self._inboxes: dict[str, _Inbox] = {name: _Inbox() for name in scenario.clients}
        self._number = 0
        self._current: asyncio.Future[None] | None = None
        self._stopping = False

    # --- public ------------------------------------------------------------------

    async def run(self) -> ScenarioResult:
        result = ScenarioResult(self.scenario.name, self.scenario.source, self.target)
        started = time.perf_counter()
        try:
            await self._run_steps(self.scenario.steps, result, "")
        finally:
            await self.close()
            result.duration = time.perf_counter() - started
        return result

    def stop(self) -> None:
        """End the run at the current step, which is reported as stopped."""
        self._stopping = True
        if self._current is not None:
            self._current.cancel()

    async def close(self) -> None:
        for name, probe in list(self._probes.items()):
            self._inboxes[name].closing = True
            await probe.close()
        self._probes.clear()

    # --- steps -------------------------------------------------------------------

    async def _run_steps(
        self, steps: tuple[Step, ...], result: ScenarioResult, prefix: str
    ) -> bool:
        """Run steps in order; False once the scenario must end."""
        for step in steps:
            if self._stopping:
                return False
            if isinstance(step, Repeat):
                for turn in range(step.times):
                    inner = f"{prefix}repeat {turn + 1}/{step.times}: "
                    if not await self._run_steps(step.steps, result, inner):
                        return False
                continue
            outcome = await self._run_one(step, prefix)
            result.steps.append(outcome)
            if self._on_step is not None:
                self._on_step(outcome)
            if outcome.verdict is Verdict.ERROR:
                result.unreachable = result.unreachable or outcome.message.startswith("Unreachable")
                result.stopped = self._stopping
                result.message = outcome.message
                return False
            if outcome.verdict is Verdict.FAILED and not self.scenario.continue_on_failure:
                result.message = outcome.message
                return False
        return True

    async def _run_one(self, step: Step, prefix: str) -> StepResult:
        self._number += 1
        label = describe(step)
        with contextlib.suppress(UndefinedVariableError):
            label = str(render(label, self.variables))
        outcome = StepResult(self._number, prefix + label, step.line)
        if self._on_started is not None:
            self._on_started(outcome.number, outcome.label, outcome.line)
        started = time.perf_counter()
        self._current = asyncio.ensure_future(self._perform(step, outcome))
        try:
            await self._current
        except StepFailedError as failed:
            outcome.verdict = Verdict.ERROR if failed.unreachable else Verdict.FAILED
            outcome.message = failed.message
            outcome.expected, outcome.actual = failed.expected, failed.actual
            outcome.diff_path, outcome.has_diff = failed.diff_path, failed.has_diff
        except UndefinedVariableError as exc:
            outcome.verdict, outcome.message = Verdict.FAILED, str(exc)
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            outcome.verdict, outcome.message = Verdict.ERROR, "Stopped."
        finally:
            self._current = None
            outcome.duration = time.perf_counter() - started
        if outcome.verdict is Verdict.PASSED and not outcome.message:
            outcome.message = "ok"
        return outcome

    async def _perform(self, step: Step, outcome: StepResult) -> None:
        if isinstance(step, Connect):
            await self._connect(step.clients, outcome)
        elif isinstance(step, Disconnect):
            for name in step.clients:
                self._inboxes[name].closing = True
                probe = self._probes.pop(name, None)
                if probe is not None:
                    await probe.close()
        elif isinstance(step, Wait):
            await asyncio.sleep(step.seconds)
        elif isinstance(step, Emit):
            await self._emit(step, outcome)
        elif isinstance(step, Expect):
            await self._expect(step, outcome)
        elif isinstance(step, ExpectDisconnect):
            await self._expect_disconnect(step)
        elif isinstance(step, AdminExpect):
            await self._admin_expect(step, outcome)

    async def _connect(self, names: tuple[str, ...], outcome: StepResult) -> None:
        if not self.target:
            raise StepFailedError(
                "No target: give the file a target: URL, or run it with --target URL."
            )
        probes = []
        for name in names:
            spec = self.scenario.clients[name]
            rendered = render(
                {"auth": spec.auth, "headers": spec.headers, "query": spec.query}, self.variables
            )
            inbox = self._inboxes[name] = _Inbox()
            probe = ProbeClient(
                spec.probe_settings(render(self.target, self.variables), rendered),
                self._sink_for(name, inbox),
            )
            probe.ack_replies = {
                event: tuple(render(args, self.variables))
                for event, args in spec.ack_replies.items()
            }
            self._probes[name] = probe
            probes.append((name, probe))
        results = await asyncio.gather(*(probe.connect() for _, probe in probes))
        for (name, probe), connected in zip(probes, results, strict=True):
            if not connected:
                unreachable = probe.failure in _UNREACHABLE
                said = probe.failure_message or "the connection failed"
                prefix = "Unreachable: " if unreachable else ""
                raise StepFailedError(f"{prefix}{name}: {said}", unreachable=unreachable)
            for ns in probe.connected_namespaces:
                sid = probe.sid_of(ns)
                if sid is not None:
                    self._inboxes[name].sids[ns] = sid
        outcome.message = ", ".join(f"{name} as {probe.sid}" for name, probe in probes)

    def _sink_for(self, name: str, inbox: _Inbox) -> Callable[[object], None]:
        def receive(event: object) -> None:
            inbox.push(event)
            if self._sink is not None:
                self._sink(name, event)

        return receive

    def _probe(self, name: str) -> ProbeClient:
        probe = self._probes.get(name)
        if probe is None or probe.state is not ProbeState.CONNECTED:
            raise StepFailedError(
                f"{name} is not connected: add a connect step for it before this one."
            )
        return probe

    async def _emit(self, step: Emit, outcome: StepResult) -> None:
        probe = self._probe(step.client)
        namespace = step.namespace or self.scenario.clients[step.client].namespace
        args = render(step.args, self.variables)
        ack = step.ack
        try:
            sent = await probe.emit(
                namespace,
                render(step.event, self.variables),
                args,
                ack_timeout=None if ack is None else ack.within,
            )
        except EmitError as exc:
            raise StepFailedError(str(exc)) from None
        if ack is None:
            return
        if sent.timed_out:
            raise StepFailedError(
                f"No ack within {ack.within:g} s.",
                expected=ack.expect,
                actual=None,
                has_diff=ack.expect is not None,
            )
        reply = list(sent.reply)
        outcome.message = f"ack in {sent.rtt_ms or 0:.1f} ms"
        if ack.expect is not None:
            expected = render(ack.expect, self.variables)
            mismatch = match(expected, reply)
            if mismatch is not None:
                raise StepFailedError(
                    f"The ack did not match {mismatch.sentence()}.",
                    expected=expected,
                    actual=reply,
                    mismatch=mismatch,
                )
        self._capture(ack.capture, reply)

    def _capture(self, captures: dict[str, str], args: list[Any]) -> None:
        for name, path in captures.items():
            try:
                self.variables[name] = value_at(args, render(path, self.variables))
            except LookupError:
                raise StepFailedError(
                    f"Cannot capture {name}: the arguments have nothing at {path}.",
                    expected={"capture": path},
                    actual=args,
                    has_diff=True,
                ) from None

    async def _expect(self, step: Expect, outcome: StepResult) -> None:
        if step.client not in self._probes and not self._inboxes[step.client].closing:
            raise StepFailedError(
                f"{step.client} is not connected: add a connect step for it before this one."
            )
        inbox = self._inboxes[step.client]
        namespace = step.namespace or self.scenario.clients[step.client].namespace
        event = render(step.event, self.variables)
        expected = render(step.args, self.variables) if step.args is not None else None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + step.within
        while True:
            found = self._take_match(inbox, namespace, event, expected)
            if found is not None:
                break
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            inbox.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(inbox.changed.wait(), remaining)
        if step.negate:
            if found is not None:
                raise StepFailedError(
                    f"{step.client} got {event}, which must not come within {step.within:g} s.",
                    expected={"no": event, "args": expected},
                    actual=list(found.args),
                    has_diff=True,
                )
            outcome.message = f"no {event} within {step.within:g} s"
            return
        if found is None:
            self._missing(step.client, inbox, namespace, event, expected, step.within)
        assert found is not None
        self._capture(step.capture, list(found.args))

    @staticmethod
    def _take_match(
        inbox: _Inbox, namespace: str, event: str, expected: list[Any] | None
    ) -> ProbeEventReceived | None:
        for index, received in enumerate(inbox.events):
            if received.namespace != namespace or received.event != event:
                continue
            if expected is None or match(expected, list(received.args)) is None:
                del inbox.events[index]
                return received
        return None

    def _missing(
        self,
        client: str,
        inbox: _Inbox,
        namespace: str,
        event: str,
        expected: list[Any] | None,
        within: float,
    ) -> None:
        """Fail with the closest event seen: same name, differing deepest."""
        same = [e for e in inbox.events if e.namespace == namespace and e.event == event]
        if not same:
            names = sorted({e.event for e in inbox.events})
            seen = f" (it got: {', '.join(names[:8])})" if names else " (it got no events)"
            raise StepFailedError(
                f"{client} got no {event} on {namespace} within {within:g} s{seen}.",
                expected={"event": event, "args": expected},
                actual=None,
                has_diff=True,
            )
        scored = [(match(expected, list(e.args)), e) for e in same]
        best, closest = max(
            ((m, e) for m, e in scored if m is not None), key=lambda pair: pair[0].depth
        )
        raise StepFailedError(
            f"{client} got {len(same)} {event} within {within:g} s, none matching; the closest "
            f"differs {best.sentence()}.",
            expected=expected,
            actual=list(closest.args),
            mismatch=best,
        )

    async def _expect_disconnect(self, step: ExpectDisconnect) -> None:
        inbox = self._inboxes[step.client]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + step.within
        while inbox.lost is None:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            inbox.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(inbox.changed.wait(), remaining)
        if step.negate and inbox.lost is not None:
            raise StepFailedError(f"{step.client} was disconnected: {inbox.lost.message}")
        if not step.negate and inbox.lost is None:
            raise StepFailedError(f"{step.client} was still connected after {step.within:g} s.")

    async def _admin_expect(self, step: AdminExpect, outcome: StepResult) -> None:
        if self.admin is None:
            raise StepFailedError(self._admin_missing)
        step = _rendered_admin(step, self.variables)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + step.within
        while True:
            self.admin.refresh()
            problem = self._admin_problem(step, self.admin.topology)
            if problem is None:
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                message, expected, actual = problem
                raise StepFailedError(
                    f"After {step.within:g} s the admin view shows {message}.",
                    expected=expected,
                    actual=actual,
                    has_diff=True,
                )
            await self.admin.changed(min(remaining, 0.5))

    def _admin_problem(self, step: AdminExpect, topology: Topology) -> tuple[str, Any, Any] | None:
        """None when the topology shows what the step wants, else (shown, expected, actual)."""
        namespace = step.namespace
        if step.socket_of is not None:
            spec = self.scenario.clients[step.socket_of]
            namespace = namespace or spec.namespace
            sid = self._inboxes[step.socket_of].sids.get(namespace)
            if sid is None:
                return (f"no socket: {step.socket_of} never connected", {"socket": "?"}, None)
            socket = topology.socket(namespace, sid)
            wants_gone = step.connected is False
            if wants_gone:
                if socket is not None:
                    return (
                        f"{step.socket_of}'s socket {sid} still on {namespace}",
                        {"socket": sid, "connected": False},
                        {"socket": sid, "connected": True},
                    )
            elif socket is None:
                return (
                    f"no socket {sid} of {step.socket_of} on {namespace}",
                    {"socket": sid, "connected": True},
                    {"socket": sid, "connected": False},
                )
            else:
                rooms = sorted(r for r in socket.rooms if r != sid)
                if step.in_room is not None and step.in_room not in socket.rooms:
                    return (
                        f"{step.socket_of} in {rooms or 'no rooms'}, not in {step.in_room}",
                        {"rooms": [step.in_room]},
                        {"rooms": rooms},
                    )
                if step.not_in_room is not None and step.not_in_room in socket.rooms:
                    return (
                        f"{step.socket_of} still in {step.not_in_room}",
                        {"not_in_room": step.not_in_room},
                        {"rooms": rooms},
                    )
        if step.room is not None and namespace is not None:
            room = topology.room(namespace, step.room)
            size = room.size if room is not None else 0
            if room is None and step.members is None:
                return (f"no room {step.room} on {namespace}", {"room": step.room}, None)
            if step.members is not None and not step.members.holds(size):
                return (
                    f"{size} members in {step.room}",
                    {"members": step.members.describe()},
                    {"members": size},
                )
        if step.sockets is not None and namespace is not None:
            state = topology.namespace(namespace)
            count = 0
            if state is not None:
                count = (
                    topology.reported_socket_count(namespace)
                    if topology.is_production
                    else state.sockets_count
                )
            if not step.sockets.holds(count):
                return (
                    f"{count} sockets on {namespace}",
                    {"sockets": step.sockets.describe()},
                    {"sockets": count},
                )
        if step.rooms is not None and namespace is not None:
            count = topology.room_count(namespace)
            if not step.rooms.holds(count):
                return (
                    f"{count} rooms on {namespace}",
                    {"rooms": step.rooms.describe()},
                    {"rooms": count},
                )
        now = time.time()
        servers = topology.servers()
        healthy = sum(1 for s in servers if topology.is_server_healthy(s, now))
        if step.servers is not None and not step.servers.holds(healthy):
            return (
                f"{healthy} healthy servers",
                {"servers": step.servers.describe()},
                {"servers": healthy},
            )
        if step.healthy is not None:
            all_healthy = bool(servers) and healthy == len(servers)
            if all_healthy != step.healthy:
                return (
                    f"{healthy} of {len(servers)} servers healthy",
                    {"healthy": step.healthy},
                    {"healthy": all_healthy},
                )
        return None


def _rendered_admin(step: AdminExpect, variables: dict[str, Any]) -> AdminExpect:
    import dataclasses

    changes = {
        name: render(getattr(step, name), variables)
        for name in ("namespace", "in_room", "not_in_room", "room")
        if getattr(step, name) is not None
    }
    return dataclasses.replace(step, **changes)
