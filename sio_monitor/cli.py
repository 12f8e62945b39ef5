"""The ``sio-monitor`` command line: the window by default, plus sub-commands.

Sub-commands are dispatched on the first word, before any import of Qt, so
``sio-monitor demo-server`` and the terminal tools start fast and run on
machines without a display.
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import logging
import os
import sys
from collections.abc import Callable, Sequence

from sio_monitor import __version__
from sio_monitor.domain.settings import (
    DEFAULT_ADMIN_NAMESPACE,
    DEFAULT_PATH,
    PARSER_CHOICES,
    TRANSPORT_CHOICES,
    ConnectionSettings,
    SettingsError,
)
from sio_monitor.net import lifeline

PASSWORD_VARIABLE = "SIO_MONITOR_PASSWORD"

USAGE_EPILOG = f"""\
sub-commands:
  demo-server     run the embedded demo server (sio-monitor demo-server --help)
  snapshot URL    print the server's namespaces, rooms and sockets once, then exit
  watch URL       print live figures (clients, sockets, rates) once per interval
  emit URL EVENT  emit one event as a plain client and print its ack (sio-monitor emit --help)
  record URL      record every event to a file without a window (sio-monitor record --help)
  exporter URL... serve the live figures to Prometheus (sio-monitor exporter --help)
  load URL        run virtual Socket.IO users on Locust, then a summary (sio-monitor load --help)
  run FILE...     run scenario files (*.sio.yaml) and report each step (sio-monitor run --help)

The admin password is read from the {PASSWORD_VARIABLE} environment variable, never
from the command line, where other users of the machine could read it.
"""


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags every command that connects to a server understands."""
    parser.add_argument("--user", "-u", default="", help="admin username")
    parser.add_argument("--path", default=DEFAULT_PATH, help="Socket.IO path (default %(default)s)")
    parser.add_argument(
        "--admin-namespace",
        default=DEFAULT_ADMIN_NAMESPACE,
        help="admin namespace (default %(default)s)",
    )
    parser.add_argument(
        "--transport",
        choices=sorted(TRANSPORT_CHOICES),
        default="websocket",
        help="transports to use (default %(default)s)",
    )
    parser.add_argument(
        "--parser",
        choices=PARSER_CHOICES,
        default="default",
        help="the server's Socket.IO parser: default (JSON) or msgpack (default %(default)s)",
    )
    parser.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="K:V",
        help="extra HTTP header for every request, repeatable",
    )
    parser.add_argument("--ca-file", help="CA bundle to verify the server's TLS certificate")
    parser.add_argument(
        "--insecure", action="store_true", help="do not verify TLS certificates (test servers)"
    )
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="connect timeout in seconds (default 10)"
    )


def settings_from_arguments(args: argparse.Namespace, password: str) -> ConnectionSettings:
    headers: dict[str, str] = {}
    for raw in args.header:
        name, sep, value = raw.partition(":")
        if not sep or not name.strip():
            raise SettingsError(f"--header {raw!r} must look like Name:value.")
        headers[name.strip()] = value.strip()
    return ConnectionSettings(
        url=args.url,
        path=args.path,
        admin_namespace=args.admin_namespace,
        username=args.user,
        password=password,
        transport=args.transport,
        verify_tls=not args.insecure,
        ca_file=args.ca_file,
        headers=headers,
        connect_timeout=args.timeout,
        parser=getattr(args, "parser", "default"),
    ).validated()


def password_from_environment_or_terminal(user: str) -> str | None:
    """The password from the environment, else from the terminal; None when neither can say."""
    password = os.environ.get(PASSWORD_VARIABLE)
    if password is not None:
        return password
    if not user:
        return ""
    if sys.stdin.isatty():
        return getpass.getpass(f"Admin password for {user}: ")
    return None


def _gui_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sio-monitor",
        description="Monitor Socket.IO servers and emit test events.",
        epilog=USAGE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("url", nargs="?", help="server URL to connect to straight away")
    parser.add_argument("--profile", metavar="NAME", help="connect with a saved connection profile")
    parser.add_argument(
        "--demo", action="store_true", help="start the embedded demo server and connect to it"
    )
    parser.add_argument(
        "--open", dest="open_recording", metavar="FILE", help="replay a recording in a tab"
    )
    parser.add_argument(
        "--screenshot",
        metavar="FILE",
        help="save the window as a PNG once live data shows, then quit",
    )
    parser.add_argument(
        "--screenshot-delay",
        type=float,
        default=3.0,
        metavar="S",
        help="seconds of live data before the screenshot (default 3)",
    )
    parser.add_argument(
        "--tab",
        choices=("overview", "topology", "throughput", "emit", "log", "load", "scenarios"),
        help="the tab to show first (default: the one shown last)",
    )
    parser.add_argument("--version", action="version", version=f"sio-monitor {__version__}")
    parser.add_argument("--verbose", "-v", action="store_true", help="log debugging detail")
    add_connection_arguments(parser)
    return parser


def _run_gui(argv: Sequence[str]) -> int:
    parser = _gui_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose)
    profile = _profile_name(parser, args)
    from sio_monitor.gc_policy import collect_on_gui_thread_only

    # Before Qt and any thread (see gc_policy); start-up's imports then run without
    # collections too, which walked their ~130,000 objects several times over.
    collect_on_gui_thread_only()
    from sio_monitor.app import GuiOptions, run_gui  # Qt loads only for the window

    if profile is not None:
        return run_gui(GuiOptions(profile=profile, **_view_options(args)))
    if args.url is None:
        return run_gui(GuiOptions(demo=args.demo, **_view_options(args)))
    # The window asks for a missing password itself, so never prompt on the terminal here.
    password = os.environ.get(PASSWORD_VARIABLE, "")
    try:
        settings = settings_from_arguments(args, password)
    except SettingsError as exc:
        parser.error(str(exc))
    ask = bool(args.user) and PASSWORD_VARIABLE not in os.environ
    return run_gui(GuiOptions(settings=settings, ask_password=ask, **_view_options(args)))


def _profile_name(parser: argparse.ArgumentParser, args: argparse.Namespace) -> str | None:
    """The saved name ``--profile`` means; an unknown one is an error listing the known ones."""
    if args.profile is None:
        return None
    if args.url is not None or args.demo:
        parser.error("--profile replaces the URL and --demo: give only one of them.")
    from sio_monitor.store.profiles_store import ProfileStore

    store = ProfileStore()
    if store.problem:
        print(store.problem, file=sys.stderr)
    profile = store.find(args.profile)
    if profile is None:
        known = ", ".join(repr(name) for name in store.names())
        hint = f"Known profiles: {known}." if known else "No profile is saved yet."
        parser.error(f"No profile is named {args.profile!r}. {hint}")
    return profile.name


def _view_options(args: argparse.Namespace) -> dict[str, object]:
    return {
        "screenshot": args.screenshot,
        "screenshot_delay": args.screenshot_delay,
        "tab": args.tab,
        "open_recording": args.open_recording,
    }


def _run_demo_server(argv: Sequence[str]) -> int:
    from sio_monitor.net import demo_command

    parser = argparse.ArgumentParser(
        prog="sio-monitor demo-server",
        description="Run a python-socketio server with admin instrumentation and simulated users.",
    )
    demo_command.add_arguments(parser)
    parser.add_argument("--verbose", "-v", action="store_true", help="log debugging detail")
    args = parser.parse_args(argv)
    _configure_logging(args.verbose)
    return demo_command.run(args)


def _terminal_settings(
    parser: argparse.ArgumentParser, args: argparse.Namespace
) -> ConnectionSettings | None:
    """Settings for a terminal command; None (after saying why) when no password can be had."""
    password = password_from_environment_or_terminal(args.user)
    if password is None:
        print(
            f"No admin password for {args.user}: set {PASSWORD_VARIABLE}, "
            "as there is no terminal to ask on.",
            file=sys.stderr,
        )
        return None
    try:
        return settings_from_arguments(args, password)
    except SettingsError as exc:
        parser.error(str(exc))


def _terminal_parser(name: str, description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"sio-monitor {name}",
        description=description,
        epilog="exit codes: 0 done, 2 credentials refused, 3 unreachable or timed out, "
        "4 not instrumented or protocol error",
    )
    parser.add_argument("url", help="server URL, as in http://localhost:3000")
    add_connection_arguments(parser)
    parser.add_argument("--verbose", "-v", action="store_true", help="log debugging detail")
    return parser


def _terminal_command(name: str, description: str) -> Callable[[Sequence[str]], int]:
    """The runner of ``sio-monitor NAME``: parse, connect, hand over to terminal/NAME.py."""

    def run(argv: Sequence[str]) -> int:
        import importlib

        from sio_monitor.terminal import EXIT_CREDENTIALS

        command = importlib.import_module(f"sio_monitor.terminal.{name}")
        parser = _terminal_parser(name, description)
        command.add_arguments(parser)
        args = parser.parse_args(argv)
        _configure_logging(args.verbose, quiet=logging.ERROR)  # failures are said once, on stderr
        settings = _terminal_settings(parser, args)
        return EXIT_CREDENTIALS if settings is None else command.run(settings, args)

    return run


_run_snapshot = _terminal_command(
    "snapshot", "Print a server's namespaces, rooms and sockets once, then exit."
)
_run_watch = _terminal_command(
    "watch", "Print live figures once per interval until Ctrl+C (or --count lines)."
)
_run_record = _terminal_command(
    "record",
    "Record every event of a server to a file the window can replay, until Ctrl+C or "
    "--duration (exit code 1: the file could not be written).",
)


def _run_emit(argv: Sequence[str]) -> int:
    from sio_monitor.terminal import emit

    parser = emit.build_parser()
    args = parser.parse_intermixed_args(argv)  # options may follow the event's arguments
    _configure_logging(args.verbose, quiet=logging.ERROR)  # failures are said once, on stderr
    return emit.run(parser, args)


def _run_load(argv: Sequence[str]) -> int:
    from sio_monitor.terminal import load

    parser = load.build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose, quiet=logging.ERROR)
    return load.run(parser, args)


def _run_scenarios(argv: Sequence[str]) -> int:
    from sio_monitor.terminal import run

    parser = run.build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose, quiet=logging.CRITICAL)  # failures are said per step
    return run.run(parser, args)


def _run_exporter(argv: Sequence[str]) -> int:
    from sio_monitor.terminal import exporter

    parser = argparse.ArgumentParser(
        prog="sio-monitor exporter",
        description="Serve the live figures of one or more servers to Prometheus (OpenMetrics) "
        "until Ctrl+C; each URL and each --profile is one target.",
    )
    parser.add_argument("urls", nargs="*", metavar="URL", help="server URL")
    parser.add_argument(
        "--profile", action="append", default=[], metavar="NAME", help="a saved profile, repeatable"
    )
    add_connection_arguments(parser)
    exporter.add_arguments(parser)
    parser.add_argument("--verbose", "-v", action="store_true", help="log debugging detail")
    args = parser.parse_args(argv)
    _configure_logging(args.verbose, quiet=logging.ERROR)  # changes are said once, on stderr
    if not args.urls and not args.profile:
        parser.error("give at least one URL or --profile NAME.")
    password = os.environ.get(PASSWORD_VARIABLE)
    targets: list[exporter.ExporterTarget] = []
    try:
        for url in args.urls:
            settings = settings_from_arguments(argparse.Namespace(**vars(args), url=url), "")
            if settings.username and password is None:
                parser.error(f"No admin password for {settings.username}: set {PASSWORD_VARIABLE}.")
            settings = dataclasses.replace(settings, password=password or "")
            targets.append(exporter.ExporterTarget(url, settings, sys.stderr))
        for name in args.profile:
            settings = exporter.profile_settings(name, password)
            targets.append(exporter.ExporterTarget(name, settings, sys.stderr))
    except (SettingsError, LookupError) as exc:
        parser.error(str(exc))
    return exporter.run(targets, args)


SUBCOMMANDS: dict[str, Callable[[Sequence[str]], int]] = {
    "demo-server": _run_demo_server,
    "snapshot": _run_snapshot,
    "watch": _run_watch,
    "emit": _run_emit,
    "record": _run_record,
    "exporter": _run_exporter,
    "load": _run_load,
    "run": _run_scenarios,
}


def _configure_logging(verbose: bool, quiet: int = logging.WARNING) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else quiet,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == lifeline.BOOTSTRAP_ARGUMENT:  # a frozen bundle starting a child
        return lifeline.bootstrap(argv[1:])
    if argv and argv[0] in ("gui",):
        argv = argv[1:]
    if argv and argv[0] in SUBCOMMANDS:
        return SUBCOMMANDS[argv[0]](argv[1:])
    return _run_gui(argv)
