"""The scenario format: loading, the shipped schema's refusals with line and column, matching,
captures and variables. Pure logic, no network."""

from __future__ import annotations

from pathlib import Path

import pytest

from sio_monitor.domain.scenario import (
    AdminExpect,
    Connect,
    Count,
    Disconnect,
    Emit,
    Expect,
    ExpectDisconnect,
    Repeat,
    ScenarioError,
    UndefinedVariableError,
    Wait,
    load_scenario,
    match,
    parse_scenario,
    render,
    value_at,
    walk,
)
from sio_monitor.domain.scenario.variables import parse_assignment

#: The start of a file with one client ``a``, up to its first step.
C = "name: x\nclients: {a: {}}\nsteps:\n  - "
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

ISSUE_EXAMPLE = """\
name: chat smoke
target: http://127.0.0.1:3000
variables: {room: lobby}
admin: {user: admin}
clients:
  alice: {namespace: /chat, auth: {name: alice}, transports: [websocket]}
  bob: {namespace: /chat}
steps:
  - connect: [alice, bob]
  - emit: {client: alice, event: join, args: ["{{room}}"], ack: {within: 2, expect: [{ok: true}]}}
  - expect: {client: bob, event: user_joined, within: 2, args: [{room: "{{room}}"}],
              capture: {uid: "0.id"}}
  - admin_expect: {socket_of: alice, in_room: "{{room}}", within: 3}
  - admin_expect: {namespace: /chat, sockets: 2}
  - wait: 0.5
  - repeat: {times: 3, steps: [{emit: {client: bob, event: ping}}]}
  - disconnect: [alice]
  - expect_disconnect: {client: bob, within: 1, negate: true}
"""


def test_the_example_of_the_format_loads_into_plain_steps() -> None:
    scenario = parse_scenario(ISSUE_EXAMPLE, {"room": "general"})
    assert scenario.name == "chat smoke" and scenario.target == "http://127.0.0.1:3000"
    assert scenario.variables == {"room": "general"}  # the override wins
    assert scenario.admin is not None and scenario.admin.user == "admin"
    alice = scenario.clients["alice"]
    assert alice.namespaces == ("/chat",) and alice.auth == {"name": "alice"}
    assert alice.transport == "websocket" and not alice.reconnection
    kinds = [type(step) for step in scenario.steps]
    assert kinds == [
        Connect, Emit, Expect, AdminExpect, AdminExpect, Wait, Repeat, Disconnect, ExpectDisconnect
    ]  # fmt: skip
    emit = scenario.steps[1]
    assert isinstance(emit, Emit) and emit.ack is not None
    assert (emit.ack.within, emit.ack.expect, emit.line) == (2.0, [{"ok": True}], 10)
    expect = scenario.steps[2]
    assert isinstance(expect, Expect) and expect.capture == {"uid": "0.id"}
    admin = scenario.steps[4]
    assert isinstance(admin, AdminExpect) and admin.sockets == Count(2, 2)
    repeat = scenario.steps[6]
    assert isinstance(repeat, Repeat) and repeat.times == 3 and len(walk(scenario.steps)) == 10
    last = scenario.steps[-1]
    assert isinstance(last, ExpectDisconnect) and last.negate and last.within == 1.0
    assert scenario.uses_admin()


@pytest.mark.parametrize("name", ["chat.sio.yaml", "presence.sio.yaml", "failing.sio.yaml"])
def test_the_examples_load(name: str) -> None:
    scenario = load_scenario(EXAMPLES / name)
    assert scenario.steps and scenario.source.endswith(name)


@pytest.mark.parametrize(
    ("text", "line", "column", "said"),
    [
        ("name: x\nsteps:\n  - emti: {client: a}\n", 3, 5, "unknown step 'emti'"),
        (
            C + "emit: {client: a, event: e, ack: {within: -1}}\n",
            4,
            47,
            "expected a number above 0, got -1",
        ),
        ("name: x\nsteps: [\n", 3, 1, "not valid YAML"),
        (
            C + "expect: {client: a, event: e, args: [{$regex: '('}]}\n",
            4,
            51,
            "not a valid regular expression",
        ),
        (
            C + "expect: {client: b, event: e}\n",
            4,
            22,
            "no client named 'b'",
        ),
        (
            C + "expect: {client: a}\n",
            4,
            13,
            "'event' is required",
        ),
        (
            C + "emit: {client: a, event: e, args: ['{{nope}}']}\n",
            4,
            40,
            "the variable 'nope' is not defined",
        ),
        ("name: x\nclients:\n  a: {namespace: chat}\nsteps: []\n", 3, 18, "starts with '/'"),
        (
            C + "expect: {client: a, event: e, args: [{$type: int}]}\n",
            4,
            50,
            "expected one of number, string",
        ),
        ("name: x\nsteps:\n  - {wait: 1, connect: a}\n", 3, 5, "a step is exactly one of"),
        ("name: x\nsteps:\n  - wait: soon\n", 3, 11, "expected a number"),
    ],
)
def test_a_bad_file_is_refused_with_line_column_and_what_was_expected(
    text: str, line: int, column: int, said: str
) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, source="bad.sio.yaml")
    error = caught.value
    assert (error.line, error.column) == (line, column), str(error)
    assert said in error.message
    assert str(error).startswith(f"bad.sio.yaml:{line}:{column}: ")


def test_an_unreadable_file_is_a_scenario_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot be read"):
        load_scenario(tmp_path / "missing.sio.yaml")


def test_variables_from_the_command_line_satisfy_references() -> None:
    text = C + "emit: {client: a, event: '{{ev}}'}\n"
    with pytest.raises(ScenarioError):
        parse_scenario(text)
    step = parse_scenario(text, dict([parse_assignment("ev=hello")])).steps[0]
    assert isinstance(step, Emit) and step.event == "{{ev}}"
    assert parse_assignment("n=42") == ("n", "42")
    with pytest.raises(ValueError, match="NAME=VALUE"):
        parse_assignment("novalue")


# --- matching ----------------------------------------------------------------------


def test_objects_match_partially_arrays_by_position_scalars_by_equality() -> None:
    actual = [{"ok": True, "room": "lobby", "rooms": ["lobby", "general"]}, 3]
    assert match([{"ok": True}], actual) is None
    assert match([{"rooms": ["lobby"]}, 3], actual) is None
    mismatch = match([{"rooms": ["general"]}], actual)
    assert mismatch is not None and mismatch.path == "0.rooms.0"
    assert mismatch.actual == "lobby" and mismatch.expected == "general"
    assert match([1], [True]) is not None  # a boolean is not a number
    assert match([True], [1]) is not None
    assert match([1], [1.0]) is None
    assert match(["1"], [1]) is not None
    missing = match([{"a": {"b": 1}}], [{"a": {}}])
    assert missing is not None and (missing.path, missing.reason) == ("0.a.b", "missing")
    assert match([{"a": 1}], ["text"]).reason == "expected an object, got string"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("operator", "good", "bad"),
    [
        ({"$regex": "^a.c$"}, "abc", "abd"),
        ({"$regex": "x"}, "xyz", 5),
        ({"$type": "number"}, 1.5, "1.5"),
        ({"$type": "string"}, "s", None),
        ({"$type": "boolean"}, False, 0),
        ({"$type": "null"}, None, 0),
        ({"$type": "object"}, {}, []),
        ({"$type": "array"}, [1], {}),
        ({"$type": "binary"}, b"\x00", "00"),
    ],
)
def test_each_operator_matches_and_refuses(
    operator: dict[str, object], good: object, bad: object
) -> None:
    assert match([{"v": operator}], [{"v": good}]) is None
    mismatch = match([{"v": operator}], [{"v": bad}])
    assert mismatch is not None and mismatch.path == "0.v"


def test_any_and_absent() -> None:
    assert match([{"v": {"$any": True}}], [{"v": None}]) is None
    assert match([{"v": {"$any": True}}], [{}]).reason == "missing"  # type: ignore[union-attr]
    assert match([{"v": {"$absent": True}}], [{}]) is None
    refused = match([{"v": {"$absent": True}}], [{"v": 0}])
    assert refused is not None and "expected nothing here" in refused.reason
    assert match([1, {"$absent": True}], [1]) is None  # no second argument
    assert match([1, {"$absent": True}], [1, 2]) is not None


def test_a_runaway_pattern_counts_as_no_match() -> None:
    mismatch = match({"$regex": r"(a+)+$"}, "a" * 40 + "b")
    assert mismatch is not None  # refused within the time limit, never hangs


def test_captures_read_dotted_paths() -> None:
    args = [{"id": 7, "tags": ["x", "y"]}, "second"]
    assert value_at(args, "0.id") == 7
    assert value_at(args, "0.tags.1") == "y"
    assert value_at(args, "1") == "second"
    with pytest.raises(LookupError):
        value_at(args, "0.missing")
    with pytest.raises(LookupError):
        value_at(args, "5")


def test_variables_keep_their_type_when_whole_and_become_text_inside_strings() -> None:
    variables = {"id": 7, "room": "lobby"}
    assert render({"n": "{{id}}", "s": "room {{room}} #{{ id }}"}, variables) == {
        "n": 7,
        "s": "room lobby #7",
    }
    assert render([1, "{{room}}"], variables) == [1, "lobby"]
    with pytest.raises(UndefinedVariableError, match="'nope' is not defined"):
        render("{{nope}}", variables)


def test_counts_exact_and_ranges() -> None:
    assert Count.of(2) == Count(2, 2) and Count(2, 2).describe() == "2"
    at_least = Count.of({"min": 2})
    assert at_least is not None and at_least.holds(5) and not at_least.holds(1)
    assert Count.of({"min": 1, "max": 3}).describe() == "1 to 3"  # type: ignore[union-attr]


def test_the_readme_example_of_the_format_loads() -> None:
    readme = (EXAMPLES.parent / "README.md").read_text("utf-8")
    section = readme.split("The format, with every kind of step:", 1)[1]
    text = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    scenario = parse_scenario(text)
    kinds = {type(step).__name__ for step in walk(scenario.steps)}
    assert kinds == {
        "Connect", "Emit", "Expect", "AdminExpect", "Wait", "Repeat", "Disconnect",
        "ExpectDisconnect",
    }  # fmt: skip


def test_the_emit_history_becomes_a_scenario_that_loads() -> None:
    from sio_monitor.domain.emit.emit_requests import ROUTE_ROOM, ArgSpec, EmitRequest
    from sio_monitor.domain.emit.probe_settings import ProbeSettings
    from sio_monitor.domain.scenario.from_emits import SavedEmit, scenario_from_emits

    settings = ProbeSettings(
        "http://127.0.0.1:3000", namespaces=("/chat",), auth={"token": "t0p"},
        headers={"X-Api-Key": "k3y"}, query={"user": "ann"},
    )  # fmt: skip
    text = scenario_from_emits(
        [
            SavedEmit(EmitRequest("join", "/chat", (ArgSpec("string", "lobby"),), ack=True),
                      ({"ok": True},)),
            SavedEmit(EmitRequest("ping", "/", (ArgSpec("binary_hex", "00ff"),
                                                ArgSpec("string", "{{who}}")))),
            SavedEmit(EmitRequest("shout", "/chat", route=ROUTE_ROOM, target="lobby")),
        ],
        settings,
    )  # fmt: skip
    assert "t0p" not in text and "k3y" not in text  # secrets stay out of the file
    scenario = parse_scenario(text)
    assert scenario.target == "http://127.0.0.1:3000"
    client = scenario.clients["probe"]
    assert client.namespaces == ("/chat", "/") and client.query == {"user": "ann"}
    assert set(scenario.variables) == {"who", "auth_token", "header_x_api_key"}
    steps = scenario.steps
    assert [type(s).__name__ for s in steps] == ["Connect", "Emit", "Emit", "Disconnect"]
    join, ping = steps[1], steps[2]
    assert isinstance(join, Emit) and join.ack is not None and join.ack.expect == [{"ok": True}]
    assert isinstance(ping, Emit) and ping.namespace == "/"
    assert ping.args == [b"\x00\xff", "{{who}}"]
