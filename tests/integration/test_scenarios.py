"""Scenarios against real servers: the demo server (python-socketio with ``instrument()``),
the Node peers (socket.io 4.8 with admin-ui, and the plain probe server), and ``sio-monitor run``
as a child process with its JUnit report read back by junitparser."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import junitparser
import pytest

from sio_monitor.domain.scenario import parse_scenario
from sio_monitor.domain.scenario.results import ScenarioResult, Verdict
from sio_monitor.net.demo import DemoServer
from sio_monitor.terminal.run import run_scenario
from tests.integration.probe_servers import node_probe_server, python_probe_server, require_node
from tests.peers.launch import NodePeer
from tests.support.net import free_port
from tests.support.scenarios import EVERY_STEP_KIND, EXAMPLES, NODE_SCENARIO

T = TypeVar("T")
RUN_TIMEOUT = 120.0

pytestmark = pytest.mark.network


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


async def run_text(text: str, url: str, **variables: Any) -> ScenarioResult:
    return await run_scenario(parse_scenario(text, variables), url, None)


def against_demo(body: Callable[[DemoServer], Awaitable[None]], **options: Any) -> None:
    async def main() -> None:
        async with DemoServer(clients=0, rate=0, auth=False, **options) as server:
            await body(server)

    run(main())


def verdicts(result: ScenarioResult) -> list[tuple[str, str]]:
    return [(step.verdict.value, step.label) for step in result.steps]


def test_every_step_kind_passes_against_the_demo_server() -> None:
    async def body(server: DemoServer) -> None:
        result = await run_text(EVERY_STEP_KIND, server.url)
        assert result.passed, result.failure_text()
        assert len(result.steps) == 15  # the repeat's two turns count as steps
        assert result.steps[0].message.startswith("alice as ")
        assert "repeat 2/2" in result.steps[10].label
        assert "{{" not in result.steps[4].label  # labels show values, not references
        assert all(step.duration >= 0 for step in result.steps)

    against_demo(body)


def test_a_failing_ack_reports_the_first_differing_path_and_stops() -> None:
    text = """\
name: unknown room
clients: {dave: {namespace: /chat}}
steps:
  - connect: dave
  - emit: {client: dave, event: join, args: [nowhere], ack: {within: 5, expect: [{ok: true}]}}
  - emit: {client: dave, event: join, args: [lobby]}
"""

    async def body(server: DemoServer) -> None:
        result = await run_text(text, server.url)
        assert result.verdict is Verdict.FAILED and not result.unreachable
        assert [s.verdict for s in result.steps] == [Verdict.PASSED, Verdict.FAILED]  # stopped
        failed = result.steps[1]
        assert failed.diff_path == "0.ok" and failed.expected == [{"ok": True}]
        assert failed.actual[0]["ok"] is False
        assert "first difference at: 0.ok" in failed.diff()
        assert "expected true, got false" in failed.message

    against_demo(body)


def test_continue_on_failure_runs_the_rest() -> None:
    text = """\
name: keeps going
continue_on_failure: true
clients: {dave: {namespace: /chat}}
steps:
  - connect: dave
  - emit: {client: dave, event: join, args: [nowhere], ack: {expect: [{ok: true}]}}
  - emit: {client: dave, event: join, args: [general], ack: {expect: [{ok: true}]}}
  - emit: {client: dave, event: leave, args: [general], ack: {expect: [{ok: true}]}}
"""

    async def body(server: DemoServer) -> None:
        result = await run_text(text, server.url)
        assert [s.verdict.value for s in result.steps] == ["passed", "failed", "passed", "passed"]
        assert result.verdict is Verdict.FAILED

    against_demo(body)


def test_a_missing_event_names_the_closest_one_seen() -> None:
    text = """\
name: wrong user
clients:
  alice: {namespace: /chat, query: {user: alice}}
  bob: {namespace: /chat, query: {user: bob}}
steps:
  - connect: bob
  - connect: alice
  - expect: {client: bob, event: user_joined, within: 0.5, args: [{user: carol, room: lobby}]}
"""

    async def body(server: DemoServer) -> None:
        result = await run_text(text, server.url)
        failed = result.steps[-1]
        assert failed.verdict is Verdict.FAILED
        assert failed.diff_path == "0.user"
        assert failed.actual == [{"user": "alice", "room": "lobby"}]
        assert "the closest differs at 0.user" in failed.message

        nothing = text.replace("event: user_joined", "event: never_sent")
        result = await run_text(nothing, server.url)
        assert "got no never_sent on /chat within 0.5 s (it got: user_joined)" in (
            result.steps[-1].message
        )

    against_demo(body)


def test_a_negated_expectation_fails_when_the_event_comes() -> None:
    text = """\
name: should stay quiet
clients:
  alice: {namespace: /chat, query: {user: alice}}
  bob: {namespace: /chat, query: {user: bob}}
steps:
  - connect: bob
  - connect: alice
  - expect: {client: bob, event: user_joined, within: 2, args: [{user: alice}], negate: true}
"""

    async def body(server: DemoServer) -> None:
        result = await run_text(text, server.url)
        failed = result.steps[-1]
        assert failed.verdict is Verdict.FAILED
        assert "bob got user_joined, which must not come" in failed.message
        assert failed.actual == [{"user": "alice", "room": "lobby"}]

    against_demo(body)


def test_an_admin_expectation_that_never_holds_fails_with_what_the_monitor_saw() -> None:
    text = """\
name: wrong count
admin: {}
clients: {alice: {namespace: /chat}}
steps:
  - connect: alice
  - admin_expect: {namespace: /chat, sockets: 5, within: 1}
"""

    async def body(server: DemoServer) -> None:
        result = await run_text(text, server.url)
        failed = result.steps[-1]
        assert failed.verdict is Verdict.FAILED
        assert failed.message == "After 1 s the admin view shows 1 sockets on /chat."
        assert (failed.expected, failed.actual) == ({"sockets": "5"}, {"sockets": 1})

    against_demo(body)


def test_an_unreachable_target_is_an_error_not_a_failure() -> None:
    async def main() -> None:
        url = f"http://127.0.0.1:{free_port()}"
        text = "name: nobody\nclients: {a: {}}\nsteps:\n  - connect: a\n  - wait: 0.1\n"
        result = await run_text(text, url)
        assert result.unreachable and result.verdict is Verdict.ERROR
        assert len(result.steps) == 1
        assert "the connection was refused" in result.steps[0].message

        admin = await run_text("name: nobody\nadmin: {}\nsteps:\n  - wait: 0.1\n", url)
        assert admin.unreachable and "admin connection failed" in admin.message

    run(main())


def test_expect_disconnect_sees_the_server_close_the_socket() -> None:
    text = """\
name: kicked
clients: {eve: {namespace: /chat}}
steps:
  - connect: eve
  - expect_disconnect: {client: eve, within: 0.3, negate: true}
  - emit: {client: eve, event: kick}
  - expect_disconnect: {client: eve, within: 5}
"""

    async def main() -> None:
        async with python_probe_server() as server:
            result = await run_text(text, server.url)
            assert result.passed, result.failure_text()
            failing = text.replace("within: 0.3, negate: true", "within: 0.3")
            result = await run_text(failing, server.url)
            assert result.steps[1].message == "eve was still connected after 0.3 s."

    run(main())


# --- the Node peers ----------------------------------------------------------------


@pytest.mark.node
def test_the_node_peer_passes_the_same_steps() -> None:
    require_node("@socket.io/admin-ui")

    async def main() -> None:
        with NodePeer("admin_server.js", "--no-auth") as peer:
            result = await run_text(NODE_SCENARIO, peer.url)
        assert result.passed, result.failure_text()
        assert len(result.steps) == 12

    run(main())


@pytest.mark.node
def test_node_probe_server_kicks_and_sends_binary() -> None:
    text = """\
name: node probe server
clients: {zed: {namespace: /chat}}
steps:
  - connect: zed
  - expect:
      client: zed
      event: welcome
      within: 5
      args: ["/chat", {$type: string}, {$type: binary}, {nested: {$type: binary}}]
  - emit: {client: zed, event: kick}
  - expect_disconnect: {client: zed, within: 5}
"""
    with node_probe_server() as peer:
        result = run(run_text(text, peer.url))
    assert result.passed, result.failure_text()


# --- the command line --------------------------------------------------------------


async def run_command(*argv: str, password: str | None = None) -> tuple[int, str, str]:
    env = dict(os.environ)
    env.pop("SIO_MONITOR_PASSWORD", None)
    if password is not None:
        env["SIO_MONITOR_PASSWORD"] = password
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sio_monitor", "run", *argv,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    out, err = await asyncio.wait_for(child.communicate(), RUN_TIMEOUT)
    assert child.returncode is not None
    return child.returncode, out.decode(), err.decode()


def test_the_examples_from_the_command_line_with_junit_read_back(tmp_path: Path) -> None:
    report = tmp_path / "report.xml"

    async def main() -> None:
        async with DemoServer(rate=5, admin_password="s3cret") as server:
            files = [str(EXAMPLES / n) for n in ("chat.sio.yaml", "presence.sio.yaml")]
            code, out, err = await run_command(*files, "--target", server.url, password="s3cret")
            assert (code, err) == (0, ""), out
            assert "PASSED: 13 of 13 steps passed" in out
            assert "  PASS   1  connect alice, bob" in out

            code, out, err = await run_command(
                *files, str(EXAMPLES / "failing.sio.yaml"), "--target", server.url,
                "--junit", str(report), password="s3cret",
            )  # fmt: skip
            assert code == 1, out + err
            assert "  FAIL   2  dave emits join" in out
            assert "first difference at: 0.ok" in out

            code, out, _ = await run_command(
                str(EXAMPLES / "presence.sio.yaml"), "--target", server.url, "--json",
                "--var", "user=zoe",
            )  # fmt: skip
            assert code == 0
            document = json.loads(out)
            assert document["passed"] is True
            steps = document["scenarios"][0]["steps"]
            assert steps[0]["verdict"] == "passed" and steps[0]["line"] > 0

    run(main())
    xml = junitparser.JUnitXml.fromfile(str(report))
    cases = [case for suite in xml for case in suite]
    assert [case.name for case in cases] == [
        "chat smoke",
        "presence and pings",
        "joining an unknown room (fails on purpose)",
    ]
    assert [case.is_passed for case in cases] == [True, True, False]
    (failure,) = cases[2].result
    assert isinstance(failure, junitparser.Failure)
    assert "The ack did not match at 0.ok" in (failure.message or "")
    assert "first difference at: 0.ok" in (failure.text or "")
    assert "unknown room" in (failure.text or "")
    assert cases[0].classname == "chat.sio.yaml" and cases[0].time > 0
    assert "PASS 1 connect alice, bob" in (cases[0].system_out or "")


def test_command_exit_codes_for_a_bad_file_and_an_unreachable_target(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sio.yaml"
    bad.write_text("name: bad\nsteps:\n  - wait: soon\n")

    async def main() -> None:
        code, out, err = await run_command(str(bad), str(EXAMPLES / "presence.sio.yaml"))
        assert code == 2 and out == ""
        assert err.strip() == f'{bad}:3:11: steps.0.wait: expected a number, got "soon".'

        code, _, err = await run_command(str(EXAMPLES / "presence.sio.yaml"), "--var", "broken")
        assert code == 2 and "NAME=VALUE" in err

        url = f"http://127.0.0.1:{free_port()}"
        report = tmp_path / "unreachable.xml"
        code, out, _ = await run_command(
            str(EXAMPLES / "presence.sio.yaml"), "--target", url, "--junit", str(report)
        )
        assert code == 3 and "the connection was refused" in out
        (case,) = [case for suite in junitparser.JUnitXml.fromfile(str(report)) for case in suite]
        assert isinstance(case.result[0], junitparser.Error)

    run(main())


def test_a_step_on_a_client_never_connected_says_so() -> None:
    text = "name: early\nclients: {a: {}}\nsteps:\n  - expect: {client: a, event: x}\n"
    result = run(run_text(text, "http://127.0.0.1:9"))
    assert (
        result.steps[0].message == "a is not connected: add a connect step for it before this one."
    )
    assert result.verdict is Verdict.FAILED


def test_the_admin_password_comes_from_the_environment_or_the_keyring(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sio_monitor.store.profiles_store import KeyringSecrets
    from tests.support.keyrings import MemoryKeyring, installed

    text = """\
name: with admin
admin: {user: admin}
clients: {a: {namespace: /chat}}
steps:
  - connect: a
  - admin_expect: {socket_of: a, in_room: lobby, within: 10}
"""

    async def main() -> None:
        async with DemoServer(clients=0, rate=0, admin_password="pa55") as server:
            monkeypatch.setenv("SIO_MONITOR_PASSWORD", "pa55")
            assert (await run_text(text, server.url)).passed
            monkeypatch.delenv("SIO_MONITOR_PASSWORD")
            entries = {(KeyringSecrets.service, f"scenario:admin@{server.url}"): "pa55"}
            with installed(MemoryKeyring(entries)):
                result = await run_text(text, server.url)
                assert result.passed, result.failure_text()
                entries[(KeyringSecrets.service, f"scenario:admin@{server.url}")] = "wrong"
                refused = await run_text(text, server.url)
            assert refused.verdict is Verdict.FAILED and not refused.unreachable
            assert "refused these admin credentials" in refused.message

    run(main())
