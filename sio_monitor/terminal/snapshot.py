"""``sio-monitor snapshot``: connect, wait until the picture is whole and settled, print it, exit.

"Whole" means the configuration, the socket list in development mode, and
stats from every server seen. "Settled" means a full stats interval has gone
by since the socket list: python servers hold room events back until their
next ``server_stats``, and in a cluster every node has reported by then.
Both waits are bounded by ``--timeout``: whatever is whole by then is
printed, and flagged when some server's sockets are still missing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import dataclass, field
from typing import Any, TextIO

from sio_monitor.domain.events import (
    AllSocketsReceived,
    ConfigReceived,
    ConnectionChanged,
    ConnectionState,
    DomainEvent,
    PayloadRejected,
    ServerStatsReceived,
)
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.domain.topology.topology import ALL_EVENTS
from sio_monitor.terminal import EXIT_OK, EXIT_UNREACHABLE, Feed, silence_stdout
from sio_monitor.terminal.render import snapshot_document, snapshot_text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The snapshot flags beyond the connection ones (the CLI owns the parser)."""
    parser.add_argument(
        "--json", action="store_true", help="print one JSON document (shape: see the README)"
    )


@dataclass
class Progress:
    """How far the snapshot has come, judged event by event in arrival order."""

    config: bool = False
    development: bool = False
    sockets: bool = False  # all_sockets arrived (development mode)
    stats: dict[str, int] = field(default_factory=dict)  # serverId -> stats since the start point
    dropped: list[PayloadRejected] = field(default_factory=list)  # malformed parts left out

    def note(self, batch: list[DomainEvent]) -> None:
        for event in batch:
            if isinstance(event, PayloadRejected):
                self.dropped.append(event)
            if isinstance(event, ConfigReceived):
                self.config = True
                self.development = ALL_EVENTS in event.features
                if not self.development:
                    self.stats.clear()  # production mode: counting starts at the config
            elif isinstance(event, AllSocketsReceived):
                self.sockets = True
                self.stats.clear()  # only stats after the socket list settle it
            elif isinstance(event, ServerStatsReceived):
                self.stats[event.server_id] = self.stats.get(event.server_id, 0) + 1
            elif isinstance(event, ConnectionChanged) and event.state is ConnectionState.CONNECTED:
                # A reconnection starts over: the topology drops what it held too.
                self.config = self.development = self.sockets = False
                self.stats.clear()

    def whole(self, servers: list[str]) -> bool:
        """Enough to print: configuration, socket list, and stats from every known server."""
        if not self.config or (self.development and not self.sockets):
            return False
        return bool(servers) and all(self.stats.get(server, 0) >= 1 for server in servers)

    def settled(self, servers: list[str]) -> bool:
        """One server has sent stats twice since the start point: a whole interval went by."""
        return self.whole(servers) and max(self.stats.values(), default=0) >= 2

    def missing(self) -> str:
        if not self.config:
            return "the server sent no configuration"
        if self.development and not self.sockets:
            return "the server sent no socket list"
        return "no server sent its statistics"


@dataclass
class SnapshotResult:
    code: int
    message: str = ""
    document: dict[str, Any] | None = None


async def take_snapshot(settings: ConnectionSettings) -> SnapshotResult:
    """Connect, wait for a whole and settled picture (bounded by the timeout), and close."""
    feed = Feed(settings)
    try:
        if not await feed.connect():
            return SnapshotResult(feed.exit_code, feed.failure_message)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + settings.connect_timeout
        progress = Progress()
        while True:
            progress.note(feed.take())
            if feed.failure is not None:
                return SnapshotResult(feed.exit_code, feed.failure_message)
            servers = [s.server_id for s in feed.topology.servers()]
            remaining = deadline - loop.time()
            if progress.settled(servers) or remaining <= 0:
                break
            await feed.wait(remaining)
        if not progress.whole(servers):
            return SnapshotResult(
                EXIT_UNREACHABLE,
                f"Connected to {feed.where()}, but no complete snapshot arrived within "
                f"{settings.connect_timeout:g} s: {progress.missing()}.",
            )
        document = snapshot_document(
            feed.topology, settings.url, settings.admin_namespace, feed.clock()
        )
        if progress.dropped:
            document["dropped"] = [rejection.as_json() for rejection in progress.dropped]
        return SnapshotResult(EXIT_OK, document=document)
    finally:
        await feed.close()


async def run_snapshot(
    settings: ConnectionSettings, *, as_json: bool, out: TextIO, err: TextIO
) -> int:
    """The whole command: the snapshot to ``out``, any failure as one sentence to ``err``."""
    result = await take_snapshot(settings)
    if result.document is None:
        print(result.message, file=err)
        return result.code
    document = result.document
    if as_json:
        out.write(json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n")
    else:
        out.write(snapshot_text(document) + "\n")
        dropped = document.get("dropped", [])
        if dropped:
            first = dropped[0]
            where = " ".join(p for p in (first["event"], first["item"], first["field"]) if p)
            print(
                f"The server sent {len(dropped)} malformed part{'s' if len(dropped) != 1 else ''}, "
                f"left out of this snapshot (first: {where}: {first['why']}).",
                file=err,
            )
        if document.get("incomplete"):
            servers = ", ".join(document["unreportedServers"])
            print(
                f"Incomplete: the sockets of {servers} had not all been reported yet.",
                file=err,
            )
    out.flush()
    return result.code


def run(settings: ConnectionSettings, args: argparse.Namespace) -> int:
    """Entry point for the CLI; Ctrl+C before the snapshot is printed exits with 130."""
    try:
        return asyncio.run(
            run_snapshot(settings, as_json=args.json, out=sys.stdout, err=sys.stderr)
        )
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        silence_stdout()
        return EXIT_OK
