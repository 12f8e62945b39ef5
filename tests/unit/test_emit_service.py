"""The emit service with fake connections: no Qt, no network, no waiting."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from typing import Any

import pytest

from sio_monitor.domain import actions as act
from sio_monitor.domain.emit.emit_requests import (
    ROUTE_NAMESPACE,
    ROUTE_ROOM,
    ROUTE_SOCKET,
    ArgSpec,
    EmitRequest,
    History,
    RequestError,
)
from sio_monitor.domain.emit.emit_service import (
    ADMIN_NOT_CONNECTED,
    PROBE_NOT_CONNECTED,
    EmitService,
    prepare,
    probe_outcome,
)
from sio_monitor.domain.emit.probe_events import EmitResult


class FakeProbe:
    def __init__(self, result: EmitResult | Exception | None = None) -> None:
        self.connected = True
        self.result = result if result is not None else EmitResult(1, acked=False)
        self.emitted: list[tuple[str, str, tuple[Any, ...], float | None]] = []

    async def emit(
        self, namespace: str, event: str, args: Sequence[Any], *, ack_timeout: float | None = None
    ) -> EmitResult:
        self.emitted.append((namespace, event, tuple(args), ack_timeout))
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


class FakeAdmin:
    """The action runner's side: refuses what it is told to, and sends when the test says."""

    def __init__(self) -> None:
        self.connected = True
        self.unavailable: str | None = None
        self.refuse = False
        self.started: list[act.Action] = []
        self.sent: asyncio.Future[Exception | None] | None = None

    def why_unavailable(self, action_type: act.ActionType) -> str | None:
        return self.unavailable

    def start(self, action: act.Action) -> asyncio.Future[Exception | None] | None:
        if self.refuse:
            return None
        self.started.append(action)
        self.sent = asyncio.get_running_loop().create_future()
        return self.sent


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def string(text: str) -> ArgSpec:
    return ArgSpec("string", text)


def service(
    probe: FakeProbe | None = None, admin: FakeAdmin | None = None, **options: Any
) -> EmitService:
    return EmitService(probe or FakeProbe(), admin or FakeAdmin(), clock=Clock(), **options)


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


# --- the pure steps -------------------------------------------------------------------


def test_prepare_fills_variables_then_parses_every_argument() -> None:
    request = EmitRequest(
        "{{ev}}", "/chat", (ArgSpec("json", '{"room": "{{room}}"}'), ArgSpec("number", "3"))
    )
    emit = prepare(request, {"ev": "join", "room": "lobby"})
    assert emit.typed is request
    assert emit.filled.event == "join"
    assert emit.values == ({"room": "lobby"}, 3)
    assert emit.through_probe


def test_prepare_names_the_bad_argument_and_where_it_goes_wrong() -> None:
    request = EmitRequest("echo", "/", (string("fine"), ArgSpec("json", '{"a": 1,\n  "b": }')))
    with pytest.raises(RequestError) as caught:
        prepare(request, {})
    assert str(caught.value).startswith("Argument 2: Line 2, column 8: ")
    with pytest.raises(RequestError, match=r"\{\{token\}\}"):
        prepare(EmitRequest("auth", "/", (string("{{token}}"),)), {})
    with pytest.raises(RequestError, match="Enter an event name"):
        prepare(EmitRequest(" "), {})


@pytest.mark.parametrize(
    ("route", "target", "command", "where"),
    [
        (ROUTE_NAMESPACE, "", ("emit", "/chat", None, "hi", 1), "every socket of /chat"),
        (ROUTE_ROOM, "lobby", ("emit", "/chat", "lobby", "hi", 1), "room 'lobby' of /chat"),
        (ROUTE_SOCKET, "s1", ("emit", "/chat", "s1", "hi", 1), "socket s1"),
    ],
)
def test_an_admin_route_becomes_the_admin_emit_command(
    route: str, target: str, command: tuple[Any, ...], where: str
) -> None:
    request = EmitRequest("hi", "/chat", (ArgSpec("number", "1"),), route=route, target=target)
    emit = prepare(request, {})
    assert not emit.through_probe
    assert emit.action().command() == command
    assert emit.where() == where


def test_the_result_sentences() -> None:
    acked = EmitResult(1, acked=True, reply=("pong",), rtt_ms=3.25)
    assert probe_outcome(acked, 5.0) == ('Ack after 3.2 ms with 1 argument: ["pong"]', True)
    two = EmitResult(1, acked=True, reply=(1, 2), rtt_ms=10.0)
    assert probe_outcome(two, 5.0)[0].startswith("Ack after 10.0 ms with 2 arguments: ")
    late = EmitResult(1, acked=False, timed_out=True)
    assert probe_outcome(late, 0.3) == ("No ack within 0.3 s.", False)
    assert probe_outcome(EmitResult(1, acked=False), None) == ("Sent.", True)


# --- through the probe ----------------------------------------------------------------


def test_a_probe_emit_is_remembered_as_typed_and_settled_by_its_ack() -> None:
    probe = FakeProbe(EmitResult(1, acked=True, reply=(), rtt_ms=1.0))
    emits = service(probe)
    request = EmitRequest("echo", "/", (string("{{who}}"),), ack=True, ack_timeout=2.0)

    async def main() -> None:
        sending = emits.start(request, {"who": "me"})
        assert sending.entry.request is request
        assert (sending.entry.outcome, sending.entry.ok) == ("sending…", None)
        assert sending.entry.at == emits.clock()
        entry = await emits.finish(sending)
        assert (entry.outcome, entry.ok) == ("Ack after 1.0 ms with 0 arguments: []", True)

    run(main())
    assert probe.emitted == [("/", "echo", ("me",), 2.0)]


def test_a_probe_refusal_is_said_in_its_own_words() -> None:
    emits = service(FakeProbe(RuntimeError("the namespace /x is not connected")))

    async def main() -> None:
        entry = await emits.finish(emits.start(EmitRequest("echo", "/x"), {}))
        assert (entry.outcome, entry.ok) == ("Not sent: the namespace /x is not connected", False)

    run(main())


def test_nothing_is_sent_or_remembered_while_the_probe_is_down() -> None:
    probe = FakeProbe()
    probe.connected = False
    emits = service(probe)
    with pytest.raises(RequestError, match=re.escape(PROBE_NOT_CONNECTED)):
        emits.start(EmitRequest("echo"), {})
    assert len(emits.history) == 0 and probe.emitted == []


# --- through the admin connection -----------------------------------------------------


ANNOUNCE = EmitRequest("announce", "/chat", (string("hi"),), route=ROUTE_ROOM, target="lobby")


def test_an_admin_emit_is_sent_only_once_the_command_went_out() -> None:
    admin = FakeAdmin()
    emits = service(admin=admin)

    async def main() -> None:
        sending = emits.start(ANNOUNCE, {})
        [action] = admin.started
        assert action.command() == ("emit", "/chat", "lobby", "announce", "hi")
        finishing = asyncio.ensure_future(emits.finish(sending))
        await asyncio.sleep(0)
        assert not finishing.done()
        assert (sending.entry.outcome, sending.entry.ok, sending.sent_at) == (
            "sending…",
            None,
            None,
        )
        emits.clock.now += 0.5  # type: ignore[attr-defined]
        assert admin.sent is not None
        admin.sent.set_result(None)
        entry = await finishing
        assert entry.outcome == "Sent to room 'lobby' of /chat through the admin connection."
        assert entry.ok is True
        assert sending.sent_at == entry.at + 0.5

    run(main())


def test_an_admin_emit_that_did_not_go_out_says_why() -> None:
    admin = FakeAdmin()
    emits = service(admin=admin)

    async def main() -> None:
        sending = emits.start(ANNOUNCE, {})
        assert admin.sent is not None
        admin.sent.set_result(ConnectionError("Not connected: connect first."))
        entry = await emits.finish(sending)
        assert (entry.outcome, entry.ok) == ("Not sent: Not connected: connect first.", False)
        assert sending.sent_at is None

    run(main())


def test_an_admin_emit_refused_before_it_leaves_is_not_remembered() -> None:
    admin = FakeAdmin()
    emits = service(admin=admin)
    admin.unavailable = "This server does not allow emits."
    with pytest.raises(RequestError, match="does not allow emits"):
        emits.start(ANNOUNCE, {})
    admin.unavailable, admin.connected = None, False
    with pytest.raises(RequestError, match=re.escape(ADMIN_NOT_CONNECTED)):
        emits.start(ANNOUNCE, {})
    admin.connected, admin.refuse = True, True
    with pytest.raises(RequestError, match="the status bar says why"):
        emits.start(ANNOUNCE, {})
    assert len(emits.history) == 0 and admin.started == []


def test_a_full_history_names_the_entry_it_let_go() -> None:
    emits = service(history=History(limit=2))

    async def main() -> None:
        first = emits.start(EmitRequest("one"), {})
        assert emits.start(EmitRequest("two"), {}).dropped is None
        assert emits.start(EmitRequest("three"), {}).dropped is first.entry
        assert [e.request.event for e in emits.history] == ["two", "three"]

    run(main())
