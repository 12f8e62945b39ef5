"""Small network helpers for the tests: a free loopback port, and sinks to await events on."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable

from sio_monitor.domain.events import ConnectionChanged, ConnectionState, DomainEvent
from sio_monitor.net.engine import MonitorClient


def free_port() -> int:
    """A loopback port nothing listens on at the moment of asking."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Recorder:
    """A sink that lets a test await the first event matching a condition."""

    def __init__(self) -> None:
        self.events: list[DomainEvent] = []
        self._changed = asyncio.Event()

    def __call__(self, event: DomainEvent) -> None:
        self.events.append(event)
        self._changed.set()

    async def wait_for(
        self, predicate: Callable[[DomainEvent], bool], timeout: float = 10.0
    ) -> DomainEvent:
        async def scan() -> DomainEvent:
            seen = 0
            while True:
                for event in self.events[seen:]:
                    if predicate(event):
                        return event
                seen = len(self.events)
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(scan(), timeout)

    def states(self) -> list[ConnectionState]:
        return [e.state for e in self.events if isinstance(e, ConnectionChanged)]


class Listener:
    """Records what a client receives; tests await conditions on it."""

    def __init__(self, client: MonitorClient) -> None:
        self.events: list[tuple[str, tuple[object, ...]]] = []
        self.reasons: list[object] = []
        self.changed = asyncio.Event()
        client.on("*", self._event)
        client.on("disconnect", self._disconnect)

    def _event(self, event: str, *args: object) -> None:
        self.events.append((event, args))
        self.changed.set()

    def _disconnect(self, reason: object = None) -> None:
        self.reasons.append(reason)
        self.changed.set()

    async def until(self, condition: object, timeout: float = 15.0) -> None:
        async def wait() -> None:
            while not condition():  # type: ignore[operator]
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(wait(), timeout)
