"""``sio-monitor watch``: one line of live figures per interval until stopped or ``--count`` lines.

Per-second rates of bytes and packets come from the servers' one-second
buckets, which arrive a stats interval late and in bursts: each line averages
the last complete seconds reported, so the figures stay smooth instead of
reading zero between two stats messages. Events (development mode) are
counted as they arrive. Connects and disconnects are the engine connections
the stats reported since the previous line, so the lines add up to the total.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
from dataclasses import dataclass, field
from typing import Any, TextIO

from sio_monitor.domain.events import (
    ConnectionChanged,
    ConnectionState,
    DomainEvent,
    EventReceived,
    EventSent,
    PayloadRejected,
    ServerStatsReceived,
)
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.domain.topology.servers import app_clients
from sio_monitor.terminal import (
    EXIT_OK,
    EXIT_UNREACHABLE,
    Feed,
    run_until_stopped,
)
from sio_monitor.terminal.render import iso_utc, watch_text

MAX_DROPPED_SHOWN = 20  # per line: a hostile server must not flood the terminal


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:  # also rejects NaN
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The watch flags beyond the connection ones (the CLI owns the parser)."""
    parser.add_argument(
        "--interval", type=_positive, default=2.0, help="seconds between lines (default 2)"
    )
    parser.add_argument(
        "--count", type=_count, default=0, help="stop after this many lines (default: never)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object per line")


@dataclass
class Tally:
    """What arrived since the previous line: events one by one, connections from stats."""

    events_in: int = 0
    events_out: int = 0
    connects: int = 0
    disconnects: int = 0
    dropped: list[PayloadRejected] = field(default_factory=list)

    def note(self, batch: list[DomainEvent], admin_namespace: str) -> None:
        for event in batch:
            if isinstance(event, EventReceived | EventSent):
                if event.nsp == admin_namespace:
                    continue  # python reports the monitor's own traffic too
                if isinstance(event, EventReceived):
                    self.events_in += 1
                else:
                    self.events_out += 1
            elif isinstance(event, ServerStatsReceived):
                for bucket in event.aggregated:
                    if bucket.type == "rawConnection":
                        self.connects += bucket.count
                    elif bucket.type == "rawDisconnection":
                        self.disconnects += bucket.count
            elif isinstance(event, PayloadRejected) and len(self.dropped) < MAX_DROPPED_SHOWN:
                self.dropped.append(event)


def watch_line(feed: Feed, tally: Tally, elapsed: float, interval: float) -> dict[str, Any]:
    """The figures of one line, as ``watch --json`` prints them."""
    topology, rates, admin = feed.topology, feed.rates, feed.settings.admin_namespace
    servers = topology.servers()
    complete = topology.is_complete()
    sockets = {
        name: topology.socket_count(name) if complete else topology.reported_socket_count(name)
        for name in topology.namespaces()
        if name != admin
    }
    # The admin connections (this one included) are engine clients too; they are not the app's.
    clients = app_clients(servers, admin)
    window = max(2, math.ceil(interval))
    newest_complete = rates.received_at - 1 if rates.received_at is not None else None

    def rate(metric: str) -> float:
        if newest_complete is None:
            return 0.0
        return round(rates.latest_rate(metric, seconds=window, now=newest_complete), 3)

    development = topology.is_production is False
    per_second = max(elapsed, 1e-3)
    return {
        "time": iso_utc(feed.clock()),
        "servers": len(servers),
        # Those still sending stats: a silent node is judged as the window judges it.
        "serversReporting": sum(1 for server in servers if server.healthy),
        "clients": clients,
        "sockets": sockets,
        "eventsIn": round(tally.events_in / per_second, 3) if development else None,
        "eventsOut": round(tally.events_out / per_second, 3) if development else None,
        "bytesIn": rate("bytesIn"),
        "bytesOut": rate("bytesOut"),
        "packetsIn": rate("packetsIn"),
        "packetsOut": rate("packetsOut"),
        "connects": tally.connects,
        "disconnects": tally.disconnects,
        # Malformed admin payloads dropped since the command started: a broken server shows.
        "droppedPayloads": topology.malformed,
        # What was dropped since the previous line, named: event, item, field, why.
        "dropped": [rejection.as_json() for rejection in tally.dropped],
    }


async def run_watch(
    settings: ConnectionSettings,
    *,
    interval: float = 2.0,
    count: int = 0,
    as_json: bool = False,
    out: TextIO,
    err: TextIO,
    stop: asyncio.Event | None = None,
) -> int:
    """The whole command; returns its exit code. Setting ``stop`` ends it cleanly (exit 0)."""
    feed = Feed(settings)
    try:
        if not await feed.connect():
            print(feed.failure_message, file=err)
            return feed.exit_code
        feed.interrupt_on(stop)
        return await _lines(feed, interval, count, as_json, out, err)
    finally:
        await feed.close()


async def _lines(
    feed: Feed, interval: float, count: int, as_json: bool, out: TextIO, err: TextIO
) -> int:
    loop = asyncio.get_running_loop()
    first_stats_by = loop.time() + feed.settings.connect_timeout
    last = loop.time()
    next_at: float | None = None  # the first line waits for the first stats
    tally = Tally()
    printed = 0
    lost = False
    while not feed.interrupted:
        batch = feed.take()
        tally.note(batch, feed.settings.admin_namespace)
        lost = _say_connection_changes(batch, err, lost)
        if feed.failure is not None:
            print(feed.failure_message, file=err)
            return feed.exit_code
        now = loop.time()
        if next_at is None:
            if any(isinstance(event, ServerStatsReceived) for event in batch):
                next_at = now
            elif now >= first_stats_by:
                print(
                    f"Connected to {feed.where()}, but no server statistics arrived within "
                    f"{feed.settings.connect_timeout:g} s.",
                    file=err,
                )
                return EXIT_UNREACHABLE
        if next_at is not None and now >= next_at:
            line = watch_line(feed, tally, now - last, interval)
            out.write((json.dumps(line) if as_json else watch_text(line)) + "\n")
            out.flush()
            printed += 1
            if count and printed >= count:
                return EXIT_OK
            tally, last = Tally(), now
            next_at += interval
            if next_at <= now:  # fell behind (a suspended laptop): keep the rhythm from now
                next_at = now + interval
        await feed.wait((next_at if next_at is not None else first_stats_by) - loop.time())
    return EXIT_OK


def _say_connection_changes(batch: list[DomainEvent], err: TextIO, lost: bool) -> bool:
    """Losing and regaining the server is worth a line on stderr; return whether it is lost."""
    for event in batch:
        if not isinstance(event, ConnectionChanged):
            continue
        if event.state is ConnectionState.RECONNECTING or (
            lost and event.state is ConnectionState.CONNECTED
        ):
            print(event.message, file=err)
            lost = event.state is ConnectionState.RECONNECTING
    return lost


def run(settings: ConnectionSettings, args: argparse.Namespace) -> int:
    """Entry point for the CLI: Ctrl+C and SIGTERM stop it cleanly with exit code 0."""

    async def main(stop: asyncio.Event) -> int:
        return await run_watch(
            settings,
            interval=args.interval,
            count=args.count,
            as_json=args.json,
            out=sys.stdout,
            err=sys.stderr,
            stop=stop,
        )

    return run_until_stopped(main)
