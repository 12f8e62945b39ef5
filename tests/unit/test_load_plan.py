"""The load plan's bounds and hand-over, the figures' arithmetic, and the summary table."""

from __future__ import annotations

from pathlib import Path

import pytest

from sio_monitor.domain.emit.probe_settings import ProbeSettings
from sio_monitor.domain.load.figures import ACK, CONNECT, LoadFigures, Snapshot
from sio_monitor.domain.load.plan import MAX_DURATION, MAX_USERS, LoadPlan, is_loopback
from sio_monitor.domain.settings import SettingsError
from sio_monitor.load.runner import locust_command
from sio_monitor.terminal.load import build_parser, confirmed, plan_from_arguments, render_summary


def plan(**changes: object) -> LoadPlan:
    base: dict[str, object] = {"probe": ProbeSettings(url="http://127.0.0.1:3000")}
    base.update(changes)
    return LoadPlan(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"users": 0}, "Users must be between 1"),
        ({"users": MAX_USERS + 1}, "Users must be between 1"),
        ({"duration": 0}, "duration"),
        ({"duration": MAX_DURATION + 1}, "duration"),
        ({"spawn_rate": 0}, "spawn rate"),
        ({"every": 0}, "interval"),
        ({"processes": 0}, "Worker processes"),
        ({"event": ""}, "event name is empty"),
    ],
)
def test_a_run_out_of_bounds_is_refused_with_a_sentence(
    changes: dict[str, object], words: str
) -> None:
    with pytest.raises(SettingsError, match=words):
        plan(**changes).validated()


def test_the_plan_crosses_to_the_child_whole() -> None:
    probe = ProbeSettings(
        url="https://example.com:8443/?room=a",
        path="/io",
        namespaces=("/chat", "/"),
        transport="both",
        auth={"token": "t0ken"},
        headers={"X-Tenant": "7"},
        query={"v": "2"},
        verify_tls=False,
        connect_timeout=4.0,
    )
    original = LoadPlan(
        probe=probe,
        users=200,
        spawn_rate=50,
        duration=12,
        event="chat",
        args=("hi", 2),
        every=0.5,
        ack=True,
        ack_timeout=3,
        processes=2,
    )
    copy = LoadPlan.from_json(original.to_json())
    assert copy.probe.auth == {"token": "t0ken"}
    assert copy.probe.connect_url() == probe.connect_url()
    assert copy.probe.reconnection is False  # a lost user is an error, not a wait
    assert (copy.users, copy.event, copy.args, copy.ack, copy.processes) == (
        200,
        "chat",
        ("hi", 2),
        True,
        2,
    )


def test_the_command_line_carries_no_secret_and_every_bound() -> None:
    secret = plan(probe=ProbeSettings(url="http://127.0.0.1:1", auth={"token": "t0ken"}))
    command = locust_command(secret.with_users(30), csv_prefix="out/run")
    assert "t0ken" not in " ".join(command)
    assert command[command.index("--users") + 1] == "30"
    assert command[command.index("--run-time") + 1] == "30s"
    assert command[command.index("--csv") + 1] == "out/run"
    assert "--headless" in command and "--processes" in command


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("10.0.0.7", False),
        ("example.com", False),
        ("localhost.example.com", False),
    ],
)
def test_only_this_machine_counts_as_local(host: str, local: bool) -> None:
    assert is_loopback(host) is local


def test_a_remote_target_needs_a_yes() -> None:
    remote = plan(probe=ProbeSettings(url="http://10.0.0.7:3000")).validated()
    asked: list[str] = []
    assert confirmed(plan().validated(), None)  # local: nobody is asked
    assert not confirmed(remote, None)  # nobody to ask: no
    assert not confirmed(remote, lambda q: asked.append(q) or "n")
    assert confirmed(remote, lambda q: "y")
    assert "10.0.0.7:3000" in asked[0]


def line(time: float, users: int, acks: int, failures: int = 0, p99: float = 9.0) -> Snapshot:
    return Snapshot.from_json(
        {
            "time": time,
            "users": users,
            "state": "running",
            "entries": [
                {
                    "kind": CONNECT,
                    "name": "/",
                    "requests": users,
                    "failures": 0,
                    "p50": 10.0,
                    "p95": 20.0,
                    "p99": 30.0,
                    "max": 31.0,
                    "rate": 5.0,
                },
                {
                    "kind": ACK,
                    "name": "echo",
                    "requests": acks,
                    "failures": failures,
                    "p50": 2.0,
                    "p95": 5.0,
                    "p99": p99,
                    "max": 12.0,
                    "rate": 99.0,
                    "window_p50": 2.0,
                    "window_p99": p99,
                },
            ],
            "errors": [
                {
                    "kind": ACK,
                    "name": "echo",
                    "error": "no ack within the timeout",
                    "count": failures,
                }
            ]
            if failures
            else [],
        }
    )


def test_points_are_rates_from_cumulative_counts() -> None:
    figures = LoadFigures()
    assert figures.add(line(100.0, 10, 0)) is None
    point = figures.add(line(102.0, 20, 300, failures=4, p99=11.0))
    assert point is not None
    assert (point.second, point.users, point.acks, point.emits, point.errors) == (
        102,
        20,
        150.0,
        150.0,
        2.0,
    )
    assert point.ack_p99 == 11.0
    assert figures.add(line(103.0, 5, 300, failures=4)).users == 5  # type: ignore[union-attr]
    summary = figures.summary()
    assert summary["usersReached"] == 20
    assert summary["seconds"] == 3.0
    assert summary["ackMs"] == {"p50": 2.0, "p95": 5.0, "p99": 9.0, "max": 12.0}
    assert summary["errorsByKind"][0]["error"] == "no ack within the timeout"
    assert [p.second for p in figures.series(101, 102)] == [102]


def test_the_summary_table_names_every_figure() -> None:
    figures = LoadFigures()
    figures.add(line(100.0, 200, 0))
    figures.add(line(110.0, 200, 1990, failures=10))
    text = render_summary(plan(users=200, event="echo", ack=True), figures.summary())
    assert "200 of 200 users reached" in text
    assert "emit+ack echo" in text and "connect /" in text
    for heading in ("p50", "p95", "p99", "max", "per s", "errors"):
        assert heading in text
    assert "10 times emit+ack echo: no ack within the timeout" in text


def test_the_command_line_becomes_a_plan() -> None:
    parser = build_parser()
    args = parser.parse_args(
        [
            "http://127.0.0.1:3000",
            "--users",
            "200",
            "--event",
            "echo",
            "--args",
            '["a", 1]',
            "--every",
            "0.5",
            "--ack",
            "--duration",
            "20",
        ]
    )
    made = plan_from_arguments(args)
    assert (made.users, made.event, made.args, made.every, made.ack, made.duration) == (
        200,
        "echo",
        ("a", 1),
        0.5,
        True,
        20.0,
    )
    single = plan_from_arguments(parser.parse_args(["http://h:1", "--event", "e", "--args", "7"]))
    assert single.args == (7,)
    for bad, words in (
        (["--event", "e", "--args", "[1,"], "--args"),
        (["--event", "connect"], "reserved"),
        (["--users", "0"], "Users"),
    ):
        with pytest.raises(SettingsError, match=words):
            plan_from_arguments(parser.parse_args(["http://127.0.0.1:1", *bad]))


def test_a_scenario_is_checked_before_the_run(tmp_path: Path) -> None:
    broken = tmp_path / "broken.sio.yaml"
    broken.write_text("name: x\nclients: {a: {}}\nsteps:\n  - connect: [a]\n  - jump: 3\n")
    with pytest.raises(SettingsError, match=r"The scenario cannot run: .*broken.sio.yaml:5"):
        plan(scenario=str(broken)).validated()
    good = tmp_path / "good.sio.yaml"
    good.write_text("name: x\nclients: {a: {}}\nsteps:\n  - connect: [a]\n")
    with pytest.raises(SettingsError, match="either a scenario or an event"):
        plan(scenario=str(good), event="echo").validated()
    made = plan(scenario=str(good)).validated()
    assert "admin_expect steps are left out" in made.describe()
