"""Emit requests, variables and the Up/Down history of the emit console."""

from __future__ import annotations

import pytest

from sio_monitor.domain.emit.emit_requests import (
    ROUTE_ROOM,
    ArgSpec,
    EmitRequest,
    History,
    RequestError,
    fill_variables,
    variables_in,
)


def request(event: str = "ping", *texts: str, **options: object) -> EmitRequest:
    return EmitRequest(event, args=tuple(ArgSpec("json", t) for t in texts), **options)  # type: ignore[arg-type]


def test_variables_are_listed_once_in_order_and_filled_everywhere() -> None:
    req = request(
        "{{ev}}",
        '{"room": "{{room}}", "n": {{n}}}',
        "{{room}}",
        route=ROUTE_ROOM,
        target="{{room}}",
    )
    assert variables_in(req) == ["ev", "room", "n"]
    filled = fill_variables(req, {"ev": "join", "room": "lobby", "n": "3"})
    assert filled.event == "join"
    assert filled.target == "lobby"
    assert [a.text for a in filled.args] == ['{"room": "lobby", "n": 3}', "lobby"]


def test_an_undefined_variable_is_named() -> None:
    with pytest.raises(RequestError, match=r"\{\{token\}\}"):
        fill_variables(request("auth", '"{{token}}"'), {})


@pytest.mark.parametrize(
    ("req", "message"),
    [
        (EmitRequest(""), "event name"),
        (EmitRequest("x", namespace="chat"), "must start with '/'"),
        (EmitRequest("x", route=ROUTE_ROOM), "room name"),
        (EmitRequest("x", route="socket"), "socket id"),
        (EmitRequest("x", ack=True, ack_timeout=0), "more than 0"),
    ],
)
def test_a_request_that_cannot_be_sent_says_why(req: EmitRequest, message: str) -> None:
    with pytest.raises(RequestError, match=message):
        req.checked()


def test_requests_round_trip_through_json() -> None:
    req = request("move", "1", "[2, 3]", ack=True, ack_timeout=2.5)
    assert EmitRequest.from_json(req.to_json()) == req


@pytest.mark.parametrize(
    "data",
    [[], {"event": 3}, {"event": "x", "args": [{"kind": "json"}]}, {"event": "x", "route": "?"}],
)
def test_a_bad_saved_request_is_refused_with_a_sentence(data: object) -> None:
    with pytest.raises(RequestError):
        EmitRequest.from_json(data)


def test_history_browses_like_a_shell_and_stays_bounded() -> None:
    history = History(limit=3)
    assert history.older() is None
    for name in ("a", "b", "c", "d"):
        history.add(request(name), at=0.0)
    assert [e.request.event for e in history] == ["b", "c", "d"]
    assert history.older().event == "d"  # type: ignore[union-attr]
    assert history.older().event == "c"  # type: ignore[union-attr]
    assert history.older().event == "b"  # type: ignore[union-attr]
    assert history.older().event == "b"  # type: ignore[union-attr]  # stays on the oldest
    assert history.newer().event == "c"  # type: ignore[union-attr]
    assert history.newer().event == "d"  # type: ignore[union-attr]
    assert history.newer() is None  # back at an empty prompt
    history.older()
    history.add(request("e"), at=1.0)
    assert history.older().event == "e"  # type: ignore[union-attr]  # adding resets the cursor
