"""Cost of the topology next to the cost of merely decoding the same payloads.

Run with ``python -m tests.benchmarks.bench_topology``. It applies a
10,000-socket ``all_sockets`` snapshot, then 1,000 connections and 1,000
disconnections per second for 10 s of simulated time, in batches the size the
GUI's 30 ms coalescing timer would make. Figures are ratios against decoding
(``codec.decode``) in the same run, so they compare across machines; the
absolute times are printed for context only.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sio_monitor.domain.events import ProtocolEvent
from sio_monitor.domain.topology.topology import Topology
from sio_monitor.net.codec import decode

START = 1_795_311_600.0
NAMESPACES = ("/", "/chat")
ROOMS = tuple(f"room-{n}" for n in range(50))
BATCH_SECONDS = 0.030

RawEvent = tuple[str, tuple[Any, ...], float]


def iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat()


def serialized_socket(n: int, at: float) -> dict[str, Any]:
    """A python-flavour SerializedSocket, the larger of the two (full headers)."""
    sid = f"sock{n:016d}"
    return {
        "id": sid,
        "clientId": f"engine{n:014d}",
        "transport": "websocket",
        "nsp": NAMESPACES[n % len(NAMESPACES)],
        "data": {},
        "handshake": {
            "address": "127.0.0.1",
            "headers": {
                "host": "127.0.0.1:5000",
                "upgrade": "websocket",
                "connection": "Upgrade",
                "sec_websocket_version": "13",
                "accept": "*/*",
                "accept_encoding": "gzip, deflate",
                "user_agent": "Python/3.11 aiohttp/3.14.5",
            },
            "query": {"transport": "websocket", "EIO": "4", "t": f"{at:.4f}"},
            "secure": False,
            "url": "/socket.io/",
            "issued": at * 1000,
            "time": iso(at),
        },
        "rooms": [sid, ROOMS[n % len(ROOMS)]],
    }


def scenario(sockets: int, rate: int, seconds: int) -> tuple[RawEvent, list[list[RawEvent]]]:
    """The snapshot, then churn batches; disconnections take the oldest sockets."""
    snapshot: RawEvent = (
        "all_sockets",
        ([serialized_socket(n, START) for n in range(sockets)],),
        START,
    )
    timeline: list[RawEvent] = []
    oldest = 0
    for second in range(seconds):
        for k in range(rate):
            at = START + 1 + second + k / rate
            n = sockets + second * rate + k
            timeline.append(("socket_connected", (serialized_socket(n, at), iso(at)), at))
            gone = f"sock{oldest:016d}"
            nsp = NAMESPACES[oldest % len(NAMESPACES)]
            timeline.append(("socket_disconnected", (nsp, gone, "transport close", iso(at)), at))
            oldest += 1
    batches: list[list[RawEvent]] = []
    current: list[RawEvent] = []
    deadline = START + 1 + BATCH_SECONDS
    for event in timeline:
        if event[2] >= deadline and current:
            batches.append(current)
            current = []
            deadline = event[2] + BATCH_SECONDS
        current.append(event)
    if current:
        batches.append(current)
    return snapshot, batches


def best_of(repeats: int, run: Callable[[], None]) -> float:
    """The fastest of a few runs: the least disturbed by the rest of the machine."""
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return min(times)


def decode_all(events: list[RawEvent]) -> list[ProtocolEvent]:
    return [decode(name, args, at) for name, args, at in events]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=10_000)
    parser.add_argument("--rate", type=int, default=1_000, help="connects (and disconnects) /s")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    options = parser.parse_args(argv)

    snapshot, batches = scenario(options.sockets, options.rate, options.seconds)
    churn_events = sum(len(batch) for batch in batches)
    decoded_snapshot = decode(*snapshot)
    decoded_batches = [decode_all(batch) for batch in batches]

    snapshot_decode = best_of(options.repeats, lambda: decode(*snapshot))

    def apply_snapshot() -> None:
        Topology().apply([decoded_snapshot])

    snapshot_apply = best_of(options.repeats, apply_snapshot)

    def decode_churn() -> None:
        for batch in batches:
            decode_all(batch)

    churn_decode = best_of(options.repeats, decode_churn)

    def apply_churn() -> float:
        """Time the churn only: the snapshot it starts from is set up untimed."""
        topology = Topology()
        topology.apply([decoded_snapshot])
        began = time.perf_counter()
        for batch in decoded_batches:
            topology.apply(batch)
        elapsed = time.perf_counter() - began
        assert topology.socket_count() == options.sockets
        return elapsed

    churn_apply = min(apply_churn() for _ in range(options.repeats))

    per_decode = churn_decode / churn_events * 1e6
    per_apply = churn_apply / churn_events * 1e6
    print(f"snapshot of {options.sockets:,} sockets")
    print(f"  decode (baseline)   {snapshot_decode * 1e3:8.1f} ms")
    print(
        f"  topology.apply      {snapshot_apply * 1e3:8.1f} ms"
        f"   = {snapshot_apply / snapshot_decode:.2f} x decode"
    )
    print(
        f"churn: {churn_events:,} events ({options.rate:,} connects + {options.rate:,}"
        f" disconnects /s for {options.seconds} s) in {len(batches)} batches"
    )
    print(f"  decode (baseline)   {per_decode:8.2f} us/event")
    print(
        f"  topology.apply      {per_apply:8.2f} us/event   = {per_apply / per_decode:.2f} x decode"
    )
    load = (churn_decode + churn_apply) / options.seconds
    print(f"  decode + apply use {load:.1%} of one core at this event rate")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
