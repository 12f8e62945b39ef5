"""A scenario's client steps played by one Locust virtual user (gevent, sync client).

Loaded only in the Locust child, by the locustfile. The steps and their
semantics are those of ``net/scenario_runner.py`` (the ``run`` command): an
``expect`` takes the first unconsumed matching event within its time, an
emit's ack is matched and captured, ``{{variables}}`` are rendered just
before each step. What differs is what a failure means: here a failed step
is a Locust failure of that request (kind and name, with the sentence), the
pass is abandoned, its clients disconnect, and the user starts the next pass.
``admin_expect`` steps need the monitor's admin connection, which virtual
users do not have: they are left out (the parent says so before the run).
"""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import gevent
import gevent.event
import socketio

from sio_monitor.domain.load.figures import ACK, CONNECT, EMIT
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
    match,
    render,
    value_at,
)
from sio_monitor.load.client import LoadClient

#: Request kinds of scenario steps beyond connect, emit and ack.
EXPECT = "expect"
#: Unconsumed events kept per client.
INBOX_LIMIT = 1000

Fire = Callable[[str, str, float, str | None], None]  # kind, name, started, error


class StepFailedError(Exception):
    """A step did not hold; already recorded as a failed request."""


class _Client:
    """One scenario client: its sync Socket.IO client and the events not yet consumed."""

    def __init__(self, ack_replies: dict[str, tuple[Any, ...]], serializer: str) -> None:
        self.sio = LoadClient(serializer=serializer)
        self.events: deque[tuple[str, str, list[Any]]] = deque(maxlen=INBOX_LIMIT)
        self.lost = False
        self.closing = False
        self.changed = gevent.event.Event()
        self.ack_replies = ack_replies

    def listen(self, namespace: str) -> None:
        def received(event: str, *args: Any) -> Any:
            self.events.append((namespace, event, list(args)))
            self.changed.set()
            reply = self.ack_replies.get(event)
            return reply if reply is not None else None

        def disconnected(*_: Any) -> None:
            if not self.closing:
                self.lost = True
                self.changed.set()

        self.sio.on("*", received, namespace=namespace)
        self.sio.on("disconnect", disconnected, namespace=namespace)

    def wait_change(self, remaining: float) -> None:
        self.changed.clear()
        self.changed.wait(remaining)

    def close(self) -> None:
        self.closing = True
        if self.sio.connected:
            with contextlib.suppress(Exception):  # a broken client has nothing left to say
                self.sio.disconnect()


class ScenarioPass:
    """One pass through a scenario's steps for one virtual user."""

    def __init__(
        self, scenario: Scenario, target: str, fire: Fire, serializer: str = "default"
    ) -> None:
        self.scenario = scenario
        self.serializer = serializer
        self.target = target
        self.fire = fire
        self.variables: dict[str, Any] = dict(scenario.variables)
        self.clients: dict[str, _Client] = {}

    def run(self) -> None:
        """Every step in order; stops at the first that fails. Clients are closed after."""
        try:
            self._steps(self.scenario.steps)
        except StepFailedError:
            pass
        finally:
            for client in self.clients.values():
                client.close()

    def close(self) -> None:
        for client in self.clients.values():
            client.close()

    # --- steps ---------------------------------------------------------------------

    def _steps(self, steps: tuple[Step, ...]) -> None:
        for step in steps:
            if isinstance(step, Repeat):
                for _ in range(step.times):
                    self._steps(step.steps)
            elif isinstance(step, Connect):
                for name in step.clients:
                    self._connect(name)
            elif isinstance(step, Disconnect):
                for name in step.clients:
                    client = self.clients.pop(name, None)
                    if client is not None:
                        client.close()
            elif isinstance(step, Wait):
                gevent.sleep(step.seconds)
            elif isinstance(step, Emit):
                self._emit(step)
            elif isinstance(step, Expect):
                self._expect(step)
            elif isinstance(step, ExpectDisconnect):
                self._expect_disconnect(step)
            elif isinstance(step, AdminExpect):
                continue  # needs the monitor's admin connection: not in load runs

    def _render(self, value: Any, kind: str, name: str, started: float) -> Any:
        try:
            return render(value, self.variables)
        except UndefinedVariableError as exc:
            self._fail(kind, name, started, f"undefined variable: {exc}")

    def _fail(self, kind: str, name: str, started: float, error: str) -> None:
        self.fire(kind, name, started, error)
        raise StepFailedError(error)

    def _connect(self, name: str) -> None:
        started = time.perf_counter()
        spec = self.scenario.clients[name]
        rendered = self._render(
            {"auth": spec.auth, "headers": spec.headers, "query": spec.query},
            CONNECT,
            name,
            started,
        )
        replies = self._render(spec.ack_replies, CONNECT, name, started)
        probe = spec.probe_settings(self.target, rendered)
        client = _Client({event: tuple(args) for event, args in replies.items()}, self.serializer)
        for namespace in probe.namespaces:
            client.listen(namespace)
        try:
            client.sio.connect(
                probe.connect_url(),
                headers=dict(probe.headers),
                auth=probe.auth,
                transports=probe.transports,
                namespaces=list(probe.namespaces),
                socketio_path=probe.path,
                wait_timeout=probe.connect_timeout,
            )
        except Exception as exc:
            self._fail(CONNECT, name, started, f"connect failed: {exc or 'no answer'}")
        self.clients[name] = client
        self.fire(CONNECT, name, started, None)

    def _client(self, name: str, kind: str, event: str, started: float) -> _Client:
        client = self.clients.get(name)
        if client is None or not client.sio.connected:
            self._fail(kind, event, started, f"{name} is not connected")
        assert client is not None
        return client

    def _emit(self, step: Emit) -> None:
        started = time.perf_counter()
        event = str(self._render(step.event, EMIT, step.event, started))
        kind = EMIT if step.ack is None else ACK
        client = self._client(step.client, kind, event, started)
        namespace = step.namespace or self.scenario.clients[step.client].namespace
        args = self._render(step.args, kind, event, started)
        data = tuple(args) if args else None
        if step.ack is None:
            try:
                client.sio.emit(event, data, namespace=namespace)
            except Exception as exc:
                self._fail(kind, event, started, f"emit failed: {exc}")
            self.fire(kind, event, started, None)
            return
        try:
            reply = client.sio.call(event, data, namespace=namespace, timeout=step.ack.within)
        except socketio.exceptions.TimeoutError:
            self._fail(kind, event, started, f"no ack within {step.ack.within:g} s")
        except Exception as exc:
            self._fail(kind, event, started, f"emit failed: {exc}")
        replied = list(reply) if isinstance(reply, tuple) else [] if reply is None else [reply]
        if step.ack.expect is not None:
            expected = self._render(step.ack.expect, kind, event, started)
            mismatch = match(expected, replied)
            if mismatch is not None:
                self._fail(kind, event, started, f"the ack did not match {mismatch.sentence()}")
        self._capture(step.ack.capture, replied, kind, event, started)
        self.fire(kind, event, started, None)

    def _expect(self, step: Expect) -> None:
        started = time.perf_counter()
        event = str(self._render(step.event, EXPECT, step.event, started))
        client = self.clients.get(step.client)
        if client is None:
            self._fail(EXPECT, event, started, f"{step.client} is not connected")
        assert client is not None
        namespace = step.namespace or self.scenario.clients[step.client].namespace
        expected = (
            self._render(step.args, EXPECT, event, started) if step.args is not None else None
        )
        deadline = started + step.within
        found: list[Any] | None = None
        while True:
            found = self._take(client, namespace, event, expected)
            remaining = deadline - time.perf_counter()
            if found is not None or remaining <= 0:
                break
            client.wait_change(remaining)
        if step.negate:
            if found is not None:
                self._fail(EXPECT, f"no {event}", started, f"got {event}, which must not come")
            self.fire(EXPECT, f"no {event}", started, None)
            return
        if found is None:
            self._fail(EXPECT, event, started, f"no matching {event} within {step.within:g} s")
        assert found is not None
        self._capture(step.capture, found, EXPECT, event, started)
        self.fire(EXPECT, event, started, None)

    @staticmethod
    def _take(
        client: _Client, namespace: str, event: str, expected: list[Any] | None
    ) -> list[Any] | None:
        for index, (ns, name, args) in enumerate(client.events):
            if ns != namespace or name != event:
                continue
            if expected is None or match(expected, args) is None:
                del client.events[index]
                return args
        return None

    def _expect_disconnect(self, step: ExpectDisconnect) -> None:
        started = time.perf_counter()
        name = "stays connected" if step.negate else "disconnected"
        client = self.clients.get(step.client)
        if client is None:
            self._fail(EXPECT, name, started, f"{step.client} is not connected")
        assert client is not None
        deadline = started + step.within
        while not client.lost and (remaining := deadline - time.perf_counter()) > 0:
            client.wait_change(remaining)
        if step.negate and client.lost:
            self._fail(EXPECT, name, started, f"{step.client} was disconnected")
        if not step.negate and not client.lost:
            self._fail(EXPECT, name, started, f"{step.client} was still connected")
        self.fire(EXPECT, name, started, None)

    def _capture(
        self, captures: dict[str, str], args: list[Any], kind: str, name: str, started: float
    ) -> None:
        for variable, path in captures.items():
            try:
                self.variables[variable] = value_at(args, render(path, self.variables))
            except LookupError:
                self._fail(kind, name, started, f"nothing to capture at {path}")
