"""``sio-monitor emit``: connect as a plain client, send one event, print the ack, exit.

For scripts and CI checks against a staging server: the same probe client as
the emit console, on plain asyncio without Qt. Each argument is JSON when it
parses and a string otherwise, so ``42``, ``true`` and ``{"a": 1}`` keep their
types and ``hello`` needs no quotes. Binary goes as ``@file``, ``hex:00ff`` or
``{"$binary": "<base64>"}`` (what ``--json`` prints), so a reply printed by one
run can be sent by the next. The exit code says how far it got.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from sio_monitor.domain.emit.emit_args import (
    ArgumentError,
    command_line_argument,
    json_error,
    preview,
    to_jsonable,
)
from sio_monitor.domain.emit.probe_events import EmitResult
from sio_monitor.domain.emit.probe_settings import ProbeSettings
from sio_monitor.domain.settings import (
    DEFAULT_PATH,
    PARSER_CHOICES,
    TRANSPORT_CHOICES,
    SettingsError,
)
from sio_monitor.net.probe import RESERVED_EVENTS, EmitError, ProbeClient
from sio_monitor.terminal import (
    EXIT_NO_ACK,
    EXIT_OK,
    EXIT_UNREACHABLE,
    exit_code_for,
    silence_stdout,
)

DEFAULT_TIMEOUT = 5.0
#: A mistyped command line (argparse's own code for it).
EXIT_MISTYPED = 2
#: Characters of one reply argument in the human form; --json prints everything.
SHOWN_PER_ARGUMENT = 2000

EXIT_CODES = (
    "exit codes: 0 sent (and acked when asked), 2 refused by the server or a mistyped "
    "command line, 3 unreachable or timed out, 4 a protocol or parser mismatch, "
    "5 no ack within the timeout"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sio-monitor emit",
        description="Connect to a Socket.IO server as a plain client, emit one event and "
        "print its ack. Each ARG is JSON when it parses, else a string; binary is @FILE, "
        'hex:00FF or {"$binary": "BASE64"} (as --json prints it), and @@TEXT is the string @TEXT.',
        epilog=EXIT_CODES,
    )
    parser.add_argument("url", help="server URL, as in http://localhost:3000")
    parser.add_argument("event", help="event name")
    parser.add_argument("args", nargs="*", metavar="ARG", help="event arguments")
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
        help="websocket, polling, or both (polling then upgrade); default %(default)s",
    )
    parser.add_argument(
        "--parser",
        choices=PARSER_CHOICES,
        default="default",
        help="the server's Socket.IO parser: default (JSON) or msgpack; default %(default)s",
    )
    parser.add_argument("--ack", action="store_true", help="ask for an ack and print its reply")
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help="seconds allowed to connect, and to wait for the ack (default 5)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--path", default=DEFAULT_PATH, help="Socket.IO path (default %(default)s)")
    parser.add_argument("--ca-file", help="CA bundle to verify the server's TLS certificate")
    parser.add_argument(
        "--insecure", action="store_true", help="do not verify TLS certificates (test servers)"
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="log debugging detail")
    return parser


def _pairs(raw: Sequence[str], separator: str, flag: str, shape: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in raw:
        name, sep, value = item.partition(separator)
        if not sep or not name.strip():
            raise SettingsError(f"{flag} {item!r} must look like {shape}.")
        pairs[name.strip()] = value.strip() if separator == ":" else value
    return pairs


def settings_from_arguments(args: argparse.Namespace) -> ProbeSettings:
    """The probe settings the flags describe; SettingsError names the bad flag."""
    if not args.timeout > 0:
        raise SettingsError("--timeout must be more than 0 seconds.")
    auth: Any = None
    if args.auth is not None:
        error = json_error(args.auth)
        if error is not None:
            raise SettingsError(f"--auth: {error.message}")
        auth = json.loads(args.auth)
    return ProbeSettings(
        url=args.url,
        path=args.path,
        namespaces=(args.namespace,),
        transport=args.transport,
        auth=auth,
        headers=_pairs(args.header, ":", "--header", "Name:value"),
        query=_pairs(args.query, "=", "--query", "name=value"),
        verify_tls=not args.insecure,
        ca_file=args.ca_file,
        connect_timeout=args.timeout,
        reconnection=False,  # one shot: a lost connection is a failure, not a wait
        parser=args.parser,
    ).validated()


async def run_emit(
    settings: ProbeSettings,
    event: str,
    values: Sequence[Any],
    *,
    ack: bool,
    as_json: bool,
    out: TextIO,
    err: TextIO,
) -> int:
    """The whole command: the outcome to ``out``, any failure as one sentence to ``err``."""
    namespace = settings.namespaces[0]
    client = ProbeClient(settings, lambda _event: None)
    try:
        if not await client.connect():
            print(client.failure_message, file=err)
            return exit_code_for(client.failure)
        sid, transport, version = client.sid, client.transport, client.socketio_version
        if version == 2 and settings.auth is not None and not as_json:
            print("The server speaks Socket.IO 2, which takes no auth payload: not sent.", file=err)
        try:
            result = await client.emit(
                namespace, event, values, ack_timeout=settings.connect_timeout if ack else None
            )
        except EmitError as exc:
            print(str(exc), file=err)
            return EXIT_UNREACHABLE
    finally:
        await client.close()
    if as_json:
        document = {
            "url": settings.url,
            "namespace": namespace,
            "event": event,
            "args": to_jsonable(list(values)),
            "sid": sid,
            "transport": transport,
            "socketIO": "2" if version == 2 else "3+",
            "acked": result.acked,
            "reply": to_jsonable(list(result.reply)) if result.acked else None,
            "rttMs": result.rtt_ms,
            "timedOut": result.timed_out,
        }
        out.write(json.dumps(document, ensure_ascii=False) + "\n")
    else:
        out.write(_describe(settings, event, len(values), result))
    out.flush()
    if result.timed_out:
        print(
            f'No ack for "{event}" on {namespace} within {settings.connect_timeout:g} s.',
            file=err,
        )
        return EXIT_NO_ACK
    return EXIT_OK


def _describe(settings: ProbeSettings, event: str, count: int, result: EmitResult) -> str:
    namespace = settings.namespaces[0]
    lines = [f'Sent "{event}" with {_arguments(count)} to {namespace} on {settings.where}.']
    if result.acked and result.rtt_ms is not None:
        replies = len(result.reply)
        ending = ":" if replies else "."
        lines.append(f"Ack in {result.rtt_ms:.1f} ms with {_arguments(replies)}{ending}")
        lines += [
            f"  {index}  {preview(value, SHOWN_PER_ARGUMENT)}"
            for index, value in enumerate(result.reply, 1)
        ]
    return "\n".join(lines) + "\n"


def _arguments(count: int) -> str:
    if count == 0:
        return "no arguments"
    return f"{count} argument" if count == 1 else f"{count} arguments"


def _refuse(sentence: str) -> int:
    """A mistyped command line: one sentence, exit 2 (the usage block is for --help)."""
    print(f"sio-monitor emit: {sentence}", file=sys.stderr)
    return EXIT_MISTYPED


def run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Entry point for the CLI: a mistyped command line exits 2 with one sentence."""
    if not args.event:
        return _refuse("The event name is empty.")
    if args.event in RESERVED_EVENTS:
        return _refuse(f'"{args.event}" is reserved by Socket.IO: choose another event name.')
    try:
        settings = settings_from_arguments(args)
    except SettingsError as exc:
        return _refuse(str(exc))
    values = []
    for number, text in enumerate(args.args, 1):
        try:
            values.append(command_line_argument(text))
        except ArgumentError as exc:
            return _refuse(f"argument {number}: {exc.message}")
    try:
        return asyncio.run(
            run_emit(
                settings,
                args.event,
                values,
                ack=args.ack,
                as_json=args.json,
                out=sys.stdout,
                err=sys.stderr,
            )
        )
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        silence_stdout()
        return EXIT_OK
