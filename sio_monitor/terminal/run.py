"""``sio-monitor run``: scenario files run from the terminal or CI, with JUnit XML for the CI.

Every file is loaded and checked before anything connects, so a typo fails
fast (exit 2) instead of after a minute of network. Each scenario then runs
with its own probe clients and, when it checks the server's own view, one
admin connection folded into the same monitor state the window uses. A line
per step goes to the terminal as it finishes; ``--json`` prints one
document at the end instead.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from sio_monitor.domain.events import FailureKind
from sio_monitor.domain.scenario import Scenario, ScenarioError, load_scenario
from sio_monitor.domain.scenario.results import ScenarioResult, StepResult, Verdict
from sio_monitor.domain.scenario.variables import parse_assignment
from sio_monitor.domain.settings import DEFAULT_ADMIN_NAMESPACE, ConnectionSettings, SettingsError
from sio_monitor.domain.topology.topology import Topology
from sio_monitor.net.scenario_runner import ScenarioRunner
from sio_monitor.terminal import Feed, run_until_stopped

EXIT_PASSED = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_UNREACHABLE = 3
PASSWORD_VARIABLE = "SIO_MONITOR_PASSWORD"
_MARK = {
    Verdict.PASSED: "PASS",
    Verdict.FAILED: "FAIL",
    Verdict.ERROR: "ERR ",
    Verdict.SKIPPED: "SKIP",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sio-monitor run",
        description="Run scenario files (*.sio.yaml): scripted Socket.IO checks with expectations.",
        epilog="exit codes: 0 all passed, 1 a check failed, 2 a bad file or command line, "
        f"3 unreachable. The admin password comes from {PASSWORD_VARIABLE} or the keyring.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="scenario file")
    parser.add_argument("--target", metavar="URL", help="server URL, instead of the files' target")
    parser.add_argument(
        "--var",
        action="append",
        default=[],
        metavar="K=V",
        help="set a variable (a string), overriding the file's; repeatable",
    )
    parser.add_argument("--junit", metavar="OUT.xml", help="write a JUnit XML report")
    parser.add_argument("--json", action="store_true", help="print one JSON document at the end")
    parser.add_argument("--verbose", "-v", action="store_true", help="log debugging detail")
    return parser


def run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    try:
        variables = dict(parse_assignment(text) for text in args.var)
    except ValueError as exc:
        parser.error(str(exc))
    scenarios: list[Scenario] = []
    for file in args.files:
        try:
            scenarios.append(load_scenario(Path(file), variables))
        except ScenarioError as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_BAD_INPUT
    for scenario in scenarios:
        if not (args.target or scenario.target):
            print(
                f"{scenario.source}: no target: add target: URL to the file or give --target URL.",
                file=sys.stderr,
            )
            return EXIT_BAD_INPUT
    out = None if args.json else sys.stdout

    async def main(stop: asyncio.Event) -> int:
        results = []
        for scenario in scenarios:
            results.append(await run_scenario(scenario, args.target, out, stop))
            if stop.is_set():
                break
        if args.junit:
            write_junit(results, Path(args.junit))
        if args.json:
            document = {
                "passed": all(r.passed for r in results),
                "scenarios": [r.as_json() for r in results],
            }
            print(json.dumps(document, ensure_ascii=False, indent=2))
        return exit_code(results)

    return run_until_stopped(main)


def exit_code(results: Sequence[ScenarioResult]) -> int:
    if any(r.unreachable for r in results):
        return EXIT_UNREACHABLE
    return EXIT_PASSED if all(r.passed for r in results) else EXIT_FAILED


class FeedView:
    """The terminal's admin feed as the runner's ``AdminView``."""

    def __init__(self, feed: Feed) -> None:
        self.feed = feed

    @property
    def topology(self) -> Topology:
        return self.feed.topology

    def refresh(self) -> None:
        self.feed.take()

    async def changed(self, timeout: float) -> None:
        await self.feed.wait(timeout)


def admin_password(user: str, target: str) -> str:
    """From the environment, else the keyring (service sio-monitor, key scenario:USER@TARGET)."""
    password = os.environ.get(PASSWORD_VARIABLE)
    if password is not None or not user:
        return password or ""
    from sio_monitor.store.profiles_store import KeyringSecrets

    secrets = KeyringSecrets()
    return (secrets.get(f"scenario:{user}@{target}") or "") if secrets.available() else ""


async def run_scenario(
    scenario: Scenario, target: str | None, out: TextIO | None, stop: asyncio.Event | None = None
) -> ScenarioResult:
    """Run one scenario, printing a line per step to ``out`` when given."""
    url = target or scenario.target or ""
    if out is not None:
        print(f"{scenario.name} ({scenario.source}) against {url}", file=out, flush=True)
    feed: Feed | None = None
    view: FeedView | None = None
    if scenario.uses_admin():
        failed = await _admin_feed(scenario, url)
        if isinstance(failed, ScenarioResult):
            _print_summary(failed, out)
            return failed
        feed, view = failed, FeedView(failed)

    def printed(step: StepResult) -> None:
        if out is not None:
            print_step(step, out)

    runner = ScenarioRunner(scenario, target=url, admin=view, on_step=printed)
    watcher = asyncio.ensure_future(_stop_on(stop, runner)) if stop is not None else None
    try:
        result = await runner.run()
    finally:
        if watcher is not None:
            watcher.cancel()
        if feed is not None:
            await feed.close()
    _print_summary(result, out)
    return result


async def _stop_on(stop: asyncio.Event, runner: ScenarioRunner) -> None:
    await stop.wait()
    runner.stop()


async def _admin_feed(scenario: Scenario, url: str) -> Feed | ScenarioResult:
    admin = scenario.admin
    user = admin.user if admin is not None else ""
    first = next(iter(scenario.clients.values()), None)
    path = (admin.path if admin is not None else None) or (first.path if first else "/socket.io")
    try:
        settings = ConnectionSettings(
            url=url,
            path=path,
            admin_namespace=admin.namespace if admin is not None else DEFAULT_ADMIN_NAMESPACE,
            username=user,
            password=admin_password(user, url),
            connect_timeout=10.0,
        ).validated()
    except SettingsError as exc:
        result = ScenarioResult(scenario.name, scenario.source, url)
        result.unreachable, result.message = False, str(exc)
        result.steps.append(_admin_failure(str(exc)))
        return result
    feed = Feed(settings)
    if await feed.connect():
        return feed
    await feed.close()
    result = ScenarioResult(scenario.name, scenario.source, url)
    kind = feed.failure.failure if feed.failure is not None else None
    result.unreachable = kind in (FailureKind.UNREACHABLE, FailureKind.TIMEOUT)
    message = f"The admin connection failed: {feed.failure_message}"
    result.message = message
    result.steps.append(_admin_failure(message))
    return result


def _admin_failure(message: str) -> StepResult:
    return StepResult(0, "admin connection", 0, Verdict.ERROR, 0.0, message)


def print_step(step: StepResult, out: TextIO) -> None:
    ms = f"{step.duration * 1000:.0f} ms"
    print(
        f"  {_MARK[step.verdict]} {step.number:>3}  {step.label:<48} {ms:>8}  {step.message}",
        file=out,
    )
    for line in step.diff().splitlines():
        print(f"             {line}", file=out)
    out.flush()


def _print_summary(result: ScenarioResult, out: TextIO | None) -> None:
    if out is None:
        return
    passed = sum(1 for s in result.steps if s.passed)
    verdict = {Verdict.PASSED: "PASSED", Verdict.FAILED: "FAILED", Verdict.ERROR: "ERROR"}[
        result.verdict
    ]
    tail = f": {result.message}" if result.message and not result.passed else ""
    print(
        f"{verdict}: {passed} of {len(result.steps)} steps passed in {result.duration:.2f} s{tail}",
        file=out,
        flush=True,
    )


def write_junit(results: Sequence[ScenarioResult], path: Path) -> None:
    """One test case per scenario, its steps in system-out, a failure's diff in its text."""
    suites = ET.Element("testsuites", name="sio-monitor run")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="sio-monitor scenarios",
        tests=str(len(results)),
        failures=str(sum(r.verdict is Verdict.FAILED for r in results)),
        errors=str(sum(r.verdict is Verdict.ERROR for r in results)),
        time=f"{sum(r.duration for r in results):.3f}",
    )
    for result in results:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=Path(result.source).name,
            name=result.name,
            time=f"{result.duration:.3f}",
        )
        if result.verdict is not Verdict.PASSED:
            failed = result.failures()
            message = failed[0].message if failed else result.message
            tag = "failure" if result.verdict is Verdict.FAILED else "error"
            element = ET.SubElement(case, tag, message=message, type=tag)
            element.text = result.failure_text()
        lines = []
        for step in result.steps:
            lines.append(
                f"{_MARK[step.verdict]} {step.number} {step.label} "
                f"({step.duration * 1000:.0f} ms): {step.message}"
            )
        ET.SubElement(case, "system-out").text = "\n".join(lines)
    tree = ET.ElementTree(suites)
    ET.indent(tree)
    path.parent.mkdir(parents=True, exist_ok=True)
    tree.write(path, encoding="utf-8", xml_declaration=True)
