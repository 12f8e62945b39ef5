"""``sio-monitor record``: record a server's events to a file without a window, until stopped.

The file is the window's recording format, so the window opens it and
replays it like one of its own sessions. The events come through the same
``Feed`` as ``watch``; each batch goes to the recording writer, whose thread
encodes and commits it, and a line of counts is printed every ``--interval``
seconds. Ctrl+C, SIGTERM or the end of ``--duration`` commit what is left and
mark the file complete before the command exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import TextIO

from sio_monitor.domain.clock_format import time_of_day
from sio_monitor.domain.format import format_si
from sio_monitor.domain.secrets import settings_secrets
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.store.recording import (
    DEFAULT_CAP_BYTES,
    SUFFIX,
    RecordingError,
    RecordingWriter,
    recording_path,
)
from sio_monitor.terminal import EXIT_OK, Feed, run_until_stopped
from sio_monitor.terminal.watch import _say_connection_changes

#: The recording could not be written (a full disk, a file removed under us).
EXIT_FILE = 1
#: Seconds the end of the command waits for the last commit.
CLOSE_TIMEOUT = 10.0


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:  # also rejects NaN
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def _new_file(text: str) -> Path:
    path = Path(text).expanduser()
    if path.exists():
        raise argparse.ArgumentTypeError(f"{path} exists already; choose a new file name")
    if not path.parent.is_dir():
        raise argparse.ArgumentTypeError(f"there is no folder {path.parent}")
    return path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The record flags beyond the connection ones (the CLI owns the parser)."""
    parser.add_argument(
        "--out",
        type=_new_file,
        metavar="FILE",
        help=f"the recording to write (default: a new {SUFFIX} file in the recordings folder)",
    )
    parser.add_argument(
        "--duration", type=_positive, metavar="S", help="stop after S seconds (default: Ctrl+C)"
    )
    parser.add_argument(
        "--interval",
        type=_positive,
        default=5.0,
        metavar="S",
        help="seconds between lines of counts (default 5)",
    )
    parser.add_argument(
        "--max-size",
        type=_positive,
        default=DEFAULT_CAP_BYTES / 1e6,
        metavar="MB",
        help="past this size the oldest events are dropped (default %(default)g MB)",
    )


def counts_line(writer: RecordingWriter, feed: Feed, now: float) -> str:
    """``12:00:05  4,210 events  312 sockets  1.2 MB``: what the file holds, and the server."""
    stats = writer.stats
    topology, admin = feed.topology, feed.settings.admin_namespace
    complete = topology.is_complete()
    sockets = sum(
        topology.socket_count(name) if complete else topology.reported_socket_count(name)
        for name in topology.namespaces()
        if name != admin
    )
    line = (
        f"{time_of_day(now)}  {stats.events:,} events  "
        f"{sockets:,} sockets  {format_si(stats.bytes, 'B')}"
    )
    if stats.dropped:
        line += f"  (oldest {stats.dropped:,} dropped to stay under the size cap)"
    return line


async def run_record(
    settings: ConnectionSettings,
    *,
    path: Path | None = None,
    duration: float | None = None,
    interval: float = 5.0,
    cap_bytes: int = DEFAULT_CAP_BYTES,
    out: TextIO,
    err: TextIO,
    stop: asyncio.Event | None = None,
) -> int:
    """The whole command; returns its exit code. Setting ``stop`` ends it cleanly (exit 0)."""
    feed = Feed(settings)
    writer: RecordingWriter | None = None
    try:
        if not await feed.connect():
            print(feed.failure_message, file=err)
            return feed.exit_code
        try:
            writer = RecordingWriter(
                path or recording_path(settings.url, time.time()),
                server_url=settings.url,
                admin_namespace=settings.admin_namespace,
                cap_bytes=cap_bytes,
                secrets=settings_secrets(settings),
            )
        except RecordingError as exc:
            print(exc, file=err)
            return EXIT_FILE
        print(f"Recording {feed.where()} to {writer.path} (Ctrl+C to stop)", file=out, flush=True)
        feed.interrupt_on(stop)
        return await _record(feed, writer, duration, interval, out, err)
    finally:
        await feed.close()
        if writer is not None:
            _finish(writer, feed, out, err)


async def _record(
    feed: Feed,
    writer: RecordingWriter,
    duration: float | None,
    interval: float,
    out: TextIO,
    err: TextIO,
) -> int:
    loop = asyncio.get_running_loop()
    started = loop.time()
    end = started + duration if duration is not None else None
    next_line = started + interval
    lost = False
    while not feed.interrupted:
        batch = feed.take()
        writer.add(batch)
        lost = _say_connection_changes(batch, err, lost)
        if feed.failure is not None:
            print(feed.failure_message, file=err)
            return feed.exit_code
        if writer.stats.error is not None:
            print(f"Could not write {writer.path}: {writer.stats.error}", file=err)
            return EXIT_FILE
        now = loop.time()
        if end is not None and now >= end:
            break
        if now >= next_line:
            print(counts_line(writer, feed, time.time()), file=out, flush=True)
            next_line += interval
            if next_line <= now:  # fell behind (a suspended laptop): keep the rhythm from now
                next_line = now + interval
        wake = next_line if end is None else min(next_line, end)
        await feed.wait(wake - loop.time())
    writer.add(feed.take())  # what arrived while stopping
    return EXIT_OK


def _finish(writer: RecordingWriter, feed: Feed, out: TextIO, err: TextIO) -> None:
    """Commit the rest, mark the file complete, and say what it holds."""
    writer.add(feed.take())
    if not writer.close(CLOSE_TIMEOUT):
        print(f"{writer.path} is still being written; it opens, but may lack the end.", file=err)
        return
    stats = writer.stats
    if stats.error is None:
        print(counts_line(writer, feed, time.time()), file=out)
        print(f"Recorded {stats.events:,} events to {writer.path}", file=out, flush=True)


def run(settings: ConnectionSettings, args: argparse.Namespace) -> int:
    """Entry point for the CLI: Ctrl+C and SIGTERM stop it cleanly with exit code 0."""

    async def main(stop: asyncio.Event) -> int:
        return await run_record(
            settings,
            path=args.out,
            duration=args.duration,
            interval=args.interval,
            cap_bytes=int(args.max_size * 1e6),
            out=sys.stdout,
            err=sys.stderr,
            stop=stop,
        )

    return run_until_stopped(main)
