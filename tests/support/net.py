"""Small network helpers for the tests: a free loopback port, and a sink to await events on."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable

from sio_monitor.domain.events import ConnectionChanged, ConnectionState, DomainEvent


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
