"""``sio-monitor exporter``: serve the monitor's figures of one or more servers to Prometheus.

Headless, on plain asyncio like ``watch``: one admin connection per target,
each folded into its own ``MonitorState`` by a ``Feed`` that also ticks the
health clock, so the numbers are the ones ``watch`` prints and the window
shows. The HTTP endpoint runs on the same loop as the connections, so a scrape
reads each state between two batches, never in the middle of one.

A target never gives up: the admin client recovers lost connections itself,
and when it cannot (the first connection failed, or the server now refuses
the credentials) the exporter starts over after a back-off, saying why on
stderr once per change, and ``sio_monitor_connected`` reads 0 meanwhile.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TextIO

from aiohttp import web
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import CollectorRegistry

from sio_monitor.domain.events import ConnectionChanged, ConnectionState
from sio_monitor.domain.monitor_state import MonitorState
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.domain.throughput.totals import Totals
from sio_monitor.net.backoff import Backoff
from sio_monitor.terminal import EXIT_OK, Feed, run_until_stopped
from sio_monitor.terminal.exporter_metrics import DEFAULT_EVENT_NAMES, MonitorCollector

log = logging.getLogger(__name__)

DEFAULT_LISTEN = "127.0.0.1:9798"
#: Longest sleep of a target's loop between two looks at its feed.
IDLE_WAIT = 1.0
EXIT_LISTEN = 1  # the address to listen on could not be bound


def listen_address(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6); port 0 takes a free one."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} must look like HOST:PORT, as 0.0.0.0:9798")
    return host.strip("[]") or "0.0.0.0", int(port)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The exporter's own flags (the CLI adds the connection ones)."""
    parser.add_argument(
        "--listen",
        type=listen_address,
        default=listen_address(DEFAULT_LISTEN),
        metavar="HOST:PORT",
        help=f"where to serve /metrics (default {DEFAULT_LISTEN}; port 0: any free port)",
    )
    parser.add_argument(
        "--max-event-names",
        type=_positive_int,
        default=DEFAULT_EVENT_NAMES,
        metavar="N",
        help="event names with series of their own per target; the rest count as (other) "
        f"(default {DEFAULT_EVENT_NAMES})",
    )


@dataclass
class ExporterTarget:
    """One server (or cluster) to export: its connection, its state and its all-time counts."""

    name: str
    settings: ConnectionSettings
    err: TextIO
    totals: Totals = field(init=False)
    feed: Feed | None = None
    _said: str = ""

    def __post_init__(self) -> None:
        self.totals = Totals(self.settings.admin_namespace)

    @property
    def state(self) -> MonitorState | None:
        return self.feed.state if self.feed is not None else None

    @property
    def connected(self) -> bool:
        feed = self.feed
        return feed is not None and feed.topology.connection is ConnectionState.CONNECTED

    def refresh(self) -> list[ConnectionChanged]:
        """Fold what arrived into the state and the counts; return the connection changes."""
        if self.feed is None:
            return []
        batch = self.feed.take()
        self.totals.note(batch)
        return [event for event in batch if isinstance(event, ConnectionChanged)]

    def say(self, message: str) -> None:
        """A change of the connection, on stderr, once."""
        if message != self._said:
            self._said = message
            print(f"{self.name}: {message}", file=self.err, flush=True)

    async def run(self, stop: asyncio.Event) -> None:
        backoff = Backoff(first=1.0)
        attempt = 0
        while not stop.is_set():
            self.feed = feed = Feed(self.settings)
            connected = False
            try:
                connected = await feed.connect()
                if connected:
                    attempt = 0
                    await self._follow(feed, stop)
                else:
                    self.refresh()
                    self.say(f"{feed.failure_message} Trying again.")
            finally:
                self.refresh()
                await feed.close()
            if stop.is_set():
                return
            attempt += 1
            if not connected:  # a loss after connecting was counted when it happened
                self.totals.losses += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), backoff.delay(attempt))

    async def _follow(self, feed: Feed, stop: asyncio.Event) -> None:
        """Keep the state current until the client gives up for good or the exporter stops."""
        feed.interrupt_on(stop)
        while not stop.is_set():
            for change in self.refresh():
                if change.state is ConnectionState.FAILED:
                    self.say(f"{change.message} Trying again.")
                    return
                if change.state in (ConnectionState.CONNECTED, ConnectionState.RECONNECTING):
                    self.say(change.message)
            await feed.wait(IDLE_WAIT)


class Exporter:
    """The targets and the HTTP endpoint that serves their metrics."""

    def __init__(
        self,
        targets: Sequence[ExporterTarget],
        *,
        max_event_names: int = DEFAULT_EVENT_NAMES,
    ) -> None:
        self.targets = list(targets)
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(
            MonitorCollector(lambda: self.targets, max_event_names=max_event_names)
        )
        self._runner: web.AppRunner | None = None

    async def metrics(self, request: web.Request) -> web.Response:
        for target in self.targets:
            target.refresh()  # the newest figures, not the ones of the last wake-up
        encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
        body = encoder(self.registry)
        return web.Response(body=body, headers={"Content-Type": content_type})

    async def index(self, request: web.Request) -> web.Response:
        names = "\n".join(f"  {target.name}" for target in self.targets)
        return web.Response(text=f"sio-monitor exporter: /metrics\ntargets:\n{names}\n")

    async def start(self, host: str, port: int) -> str:
        """Listen; return the URL of the metrics."""
        app = web.Application()
        app.router.add_get("/metrics", self.metrics)
        app.router.add_get("/", self.index)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound_host, bound_port = self._runner.addresses[0][:2]
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        return f"http://{shown}:{bound_port}/metrics"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


async def run_exporter(
    targets: Sequence[ExporterTarget],
    listen: tuple[str, int],
    *,
    max_event_names: int = DEFAULT_EVENT_NAMES,
    out: TextIO,
    err: TextIO,
    stop: asyncio.Event,
) -> int:
    """The whole command; returns its exit code once ``stop`` is set."""
    exporter = Exporter(targets, max_event_names=max_event_names)
    try:
        url = await exporter.start(*listen)
    except OSError as exc:
        host, port = listen
        print(
            f"Could not listen on {host}:{port} ({exc.strerror or exc}): "
            "choose another --listen address.",
            file=err,
        )
        return EXIT_LISTEN
    print(f"Serving the metrics of {len(targets)} target(s) on {url}", file=out, flush=True)
    tasks = [asyncio.ensure_future(target.run(stop)) for target in targets]
    try:
        await stop.wait()
    finally:
        await asyncio.gather(*tasks, return_exceptions=True)
        await exporter.stop()
    return EXIT_OK


def run(
    targets: Sequence[ExporterTarget], args: argparse.Namespace, *, err: TextIO = sys.stderr
) -> int:
    """Entry point for the CLI: Ctrl+C and SIGTERM stop it cleanly with exit code 0."""

    async def main(stop: asyncio.Event) -> int:
        return await run_exporter(
            targets,
            args.listen,
            max_event_names=args.max_event_names,
            out=sys.stdout,
            err=err,
            stop=stop,
        )

    return run_until_stopped(main)


def profile_settings(name: str, password: str | None) -> ConnectionSettings:
    """The admin settings of a saved profile, its password from the keyring or ``password``.

    Raises ``LookupError`` with the sentence to show when no profile has that name.
    """
    from sio_monitor.store.profiles_store import ProfileStore

    store = ProfileStore()
    profile = store.find(name)
    if profile is None:
        known = ", ".join(repr(known) for known in store.names())
        hint = f"Known profiles: {known}." if known else "No profile is saved yet."
        raise LookupError(f"No profile is named {name!r}. {hint}")
    settings = store.resolved(profile).admin
    if settings.username and not settings.password and password:
        settings = replace(settings, password=password)
    return settings
