"""``sio-monitor load``: virtual Socket.IO users on Locust, with a summary table at the end.

The users run in a Locust child process (see ``load/runner.py``); this
command validates the plan, asks before loading a machine other than this
one, prints a line of live figures a second on stderr, and ends with the
summary: users reached, emits and acks per second, errors by kind, connect
time and ack latency percentiles. Ctrl+C or SIGTERM end the run early (the
users disconnect) and still print the summary.
"""

from __future__ import annotations

import argparse
import json
import queue
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from sio_monitor.domain.emit.emit_args import json_error
from sio_monitor.domain.load.figures import ACK, CONNECT, EMIT, LoadFigures, Snapshot
from sio_monitor.domain.load.plan import MAX_DURATION, MAX_USERS, LoadPlan
from sio_monitor.domain.settings import (
    DEFAULT_PATH,
    PARSER_CHOICES,
    TRANSPORT_CHOICES,
    SettingsError,
)
from sio_monitor.load.runner import LoadRun
from sio_monitor.net.probe import RESERVED_EVENTS
from sio_monitor.terminal.emit import settings_from_arguments as probe_from_arguments

EXIT_OK = 0
EXIT_FAILED = 1  # the Locust child could not run
EXIT_USAGE = 2  # a mistyped command line, or the confirmation was refused
EXIT_UNREACHABLE = 3  # not one user connected

EXIT_CODES = (
    "exit codes: 0 the run completed (errors are in the summary), 1 the load child failed, "
    "2 a mistyped command line or a declined confirmation, 3 no user could connect"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sio-monitor load",
        description="Run virtual Socket.IO users against a server on Locust (headless, in a "
        "child process) and print a summary: users reached, emits and acks per second, "
        "errors, connect time and ack latency percentiles.",
        epilog=EXIT_CODES,
    )
    parser.add_argument("url", help="server URL, as in http://localhost:3000")
    parser.add_argument(
        "--users", type=int, default=10, help=f"virtual users, at most {MAX_USERS:,} (default 10)"
    )
    parser.add_argument(
        "--spawn-rate", type=float, default=10.0, help="users started per second (default 10)"
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=30.0,
        metavar="S",
        help=f"seconds the run lasts, at most {MAX_DURATION:g} (default 30)",
    )
    parser.add_argument("--event", help="event each user emits (none: users connect and listen)")
    parser.add_argument(
        "--args",
        default="[]",
        metavar="JSON",
        help="the event's arguments, a JSON array (a single value is one argument)",
    )
    parser.add_argument(
        "--every", type=float, default=1.0, metavar="T", help="seconds between emits (default 1)"
    )
    parser.add_argument("--ack", action="store_true", help="wait for each emit's ack")
    parser.add_argument(
        "--ack-timeout", type=float, default=5.0, metavar="S", help="ack timeout (default 5)"
    )
    parser.add_argument("--scenario", metavar="FILE", help="run a scenario file's client steps")
    parser.add_argument(
        "--processes", type=int, default=1, help="local Locust worker processes (default 1)"
    )
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    parser.add_argument("--csv", metavar="PREFIX", help="also write Locust's CSV files")
    parser.add_argument(
        "--yes", action="store_true", help="do not ask before loading a server on another machine"
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no live line on stderr")
    # The probe's options, as for `sio-monitor emit`.
    parser.add_argument("--namespace", "-n", default="/", help="namespace (default /)")
    parser.add_argument("--auth", metavar="JSON", help="Socket.IO auth payload, a JSON object")
    parser.add_argument(
        "--header", action="append", default=[], metavar="K:V", help="HTTP header, repeatable"
    )
    parser.add_argument(
        "--query", action="append", default=[], metavar="K=V", help="query parameter, repeatable"
    )
    parser.add_argument(
        "--transport",
        choices=sorted(TRANSPORT_CHOICES),
        default="websocket",
        help="websocket, polling, or both (default %(default)s)",
    )
    parser.add_argument(
        "--parser",
        choices=PARSER_CHOICES,
        default="default",
        help="the server's Socket.IO parser: default (JSON) or msgpack; default %(default)s",
    )
    parser.add_argument(
        "--timeout", type=float, default=10.0, metavar="S", help="connect timeout (default 10)"
    )
    parser.add_argument("--path", default=DEFAULT_PATH, help="Socket.IO path (default %(default)s)")
    parser.add_argument("--ca-file", help="CA bundle to verify the server's TLS certificate")
    parser.add_argument(
        "--insecure", action="store_true", help="do not verify TLS certificates (test servers)"
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="log debugging detail")
    return parser


def plan_from_arguments(args: argparse.Namespace) -> LoadPlan:
    """The plan the flags describe; SettingsError names the bad flag."""
    values: tuple[Any, ...] = ()
    if args.event is not None:
        if args.event in RESERVED_EVENTS:
            raise SettingsError(f'"{args.event}" is reserved by Socket.IO: choose another event.')
        error = json_error(args.args)
        if error is not None:
            raise SettingsError(f"--args: {error.message}")
        parsed = json.loads(args.args)
        values = tuple(parsed) if isinstance(parsed, list) else (parsed,)
    return LoadPlan(
        probe=probe_from_arguments(args),
        users=args.users,
        spawn_rate=args.spawn_rate,
        duration=args.duration,
        event=args.event,
        args=values,
        every=args.every,
        ack=args.ack,
        ack_timeout=args.ack_timeout,
        scenario=args.scenario,
        processes=args.processes,
    ).validated()


def confirmed(plan: LoadPlan, ask: Callable[[str], str] | None) -> bool:
    """A target on another machine needs a yes; ``ask`` is None where nobody can answer."""
    if plan.is_local:
        return True
    if ask is None:
        return False
    host, port = plan.probe.host_port
    answer = ask(
        f"Send {plan.users:,} virtual users to {host}:{port} for {plan.duration:g} s? [y/N] "
    )
    return answer.strip().lower() in ("y", "yes")


def run_load(
    plan: LoadPlan,
    *,
    as_json: bool,
    out: TextIO,
    err: TextIO,
    csv_prefix: str | None = None,
    live: bool = True,
) -> int:
    """The whole run: live lines to ``err``, the summary to ``out``; returns the exit code."""
    inbox: queue.Queue[Snapshot | int] = queue.Queue()
    run = LoadRun(plan, inbox.put, inbox.put, csv_prefix=csv_prefix)
    figures = LoadFigures()
    previous = signal.signal(signal.SIGTERM, _interrupt)
    code: int | None = None
    try:
        run.start()
        try:
            code = _follow(inbox, figures, err if live else None)
        except KeyboardInterrupt:
            print("Stopping: the users disconnect…", file=err)
            run.stop()
            code = _follow(inbox, figures, None)
    finally:
        if run.running:
            run.kill()
            run.wait(5.0)
        signal.signal(signal.SIGTERM, previous)
    if figures.last is None:
        tail = run.stderr.strip().splitlines()[-5:]
        said = (": " + " / ".join(tail)) if tail else ""
        print(f"The load run ended (exit code {code}) before reporting figures{said}.", file=err)
        return EXIT_FAILED
    summary = figures.summary()
    if as_json:
        out.write(json.dumps({"url": plan.probe.url, **summary}) + "\n")
    else:
        out.write(render_summary(plan, summary))
    out.flush()
    if figures.last.total(CONNECT) > 0 and not _connected(figures.last):
        print(f"No user could connect to {plan.probe.where}.", file=err)
        return EXIT_UNREACHABLE
    return EXIT_OK


def _interrupt(_signal: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _follow(inbox: queue.Queue[Snapshot | int], figures: LoadFigures, err: TextIO | None) -> int:
    """Take figures until the run exits; returns its exit code."""
    while True:
        item = inbox.get()
        if isinstance(item, int):
            return item
        point = figures.add(item)
        if err is not None and point is not None:
            p99 = f"  ack p99 {point.ack_p99:g} ms" if point.ack_p99 is not None else ""
            print(
                f"{point.users:>6,} users  {point.emits:>9,.1f} emits/s  {point.acks:>9,.1f} "
                f"acks/s  {point.errors:>6,.1f} errors/s{p99}",
                file=err,
                flush=True,
            )


def _connected(snapshot: Snapshot) -> bool:
    return any(e.kind == CONNECT and e.requests > e.failures for e in snapshot.entries)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f} ms" if value < 10 else f"{value:,.0f} ms"


def render_summary(plan: LoadPlan, summary: dict[str, Any]) -> str:
    """The table printed at the end of a run."""
    lines = [
        f"Load on {plan.probe.where}: {summary['usersReached']:,} of {plan.users:,} users "
        f"reached, {summary['seconds']:.1f} s. {plan.describe()}",
        "",
        f"{'request':<28} {'count':>9} {'per s':>9} {'errors':>7} "
        f"{'p50':>9} {'p95':>9} {'p99':>9} {'max':>9}",
    ]
    order = {CONNECT: 0, EMIT: 1, ACK: 2}
    rows = sorted(summary["requests"], key=lambda r: (order.get(r["kind"], 3), r["name"]))
    for row in rows:
        label = f"{row['kind']} {row['name']}"
        if len(label) > 28:
            label = label[:27] + "…"
        lines.append(
            f"{label:<28} {row['requests']:>9,} {row['rate']:>9,.1f} {row['failures']:>7,} "
            f"{_ms(row['p50']):>9} {_ms(row['p95']):>9} {_ms(row['p99']):>9} "
            f"{_ms(row['max']):>9}"
        )
    lines += [
        "",
        f"Emits per second {summary['emitsPerSecond']:,.1f}, acks per second "
        f"{summary['acksPerSecond']:,.1f}, errors {summary['errors']:,}.",
    ]
    for error in summary["errorsByKind"]:
        count, kind, name = error["count"], error["kind"], error["name"]
        lines.append(f"  {count:>7,} times {kind} {name}: {error['error']}")
    return "\n".join(lines) + "\n"


def run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Entry point for the CLI: a mistyped command line exits 2 through ``parser.error``."""
    try:
        plan = plan_from_arguments(args)
    except SettingsError as exc:
        parser.error(str(exc))
    ask = input if sys.stdin.isatty() and not args.yes else None
    if not args.yes and not confirmed(plan, ask):
        print(
            f"{plan.probe.where} is not this machine: confirm on a terminal, or pass --yes "
            "when you mean to load it.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return run_load(
        plan,
        as_json=args.json,
        out=sys.stdout,
        err=sys.stderr,
        csv_prefix=args.csv,
        live=not args.quiet,
    )


def main(argv: Sequence[str]) -> int:
    parser = build_parser()
    return run(parser, parser.parse_args(argv))
