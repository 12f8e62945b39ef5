"""Load generation: SIO Monitor's Locust users against artillery's Socket.IO engine.

Both drive the same Node socket.io server (tests/peers/admin_server.js, on
127.0.0.1) with the same work, acked ``echo`` emits, from one worker process
each (ours: ``--processes 1``, a Locust master and one worker; artillery:
one Node process):

1. **Rate per core**: users emit as fast as their acks return; the figure is
   acked emits per CPU-second the load generator spent (its processes'
   user + system time, from ``RUSAGE_CHILDREN``), so a generator is not
   rewarded for taking a core the other left to the server.
2. **Latency at a fixed rate**: users emit every 0.25 s (about 200 acked emits
   a second); the figure is each tool's ack latency p99 (and p50).

The server's own figures referee both: admin-ui's ``server_stats`` count the
packets the server received per second (``packetsIn``), which must agree with
what each tool says it sent. artillery 1.7.9 and artillery-engine-socketio-v3
1.2.0 are pinned in tests/benchmarks/package.json with its lock; this module
installs them with ``npm ci`` first (``--no-install`` skips that).

    .venv/bin/python -m tests.benchmarks.bench_load [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import socketio

from sio_monitor.domain.emit.probe_settings import ProbeSettings
from sio_monitor.domain.load.figures import ACK, LoadFigures, Snapshot
from sio_monitor.domain.load.plan import LoadPlan
from sio_monitor.load.runner import LoadRun
from tests.benchmarks.figures import Figure, record
from tests.peers.launch import NodePeer, node_available

HERE = Path(__file__).resolve().parent
ARTILLERY = HERE / "node_modules" / "artillery" / "bin" / "artillery"
PACE = 0.25  # seconds between a user's emits in the latency part


@dataclass
class Outcome:
    tool: str
    acks: int
    wall: float  # seconds the run took
    cpu: float  # CPU seconds of the generator's processes
    p50: float | None
    p99: float | None
    server_packets: int  # packets the server received during the run (the referee)

    @property
    def per_core(self) -> float:
        return self.acks / self.cpu if self.cpu else float("nan")

    @property
    def rate(self) -> float:
        return self.acks / self.wall if self.wall else float("nan")


class Referee:
    """The server's own packet counts per second, from its admin namespace."""

    def __init__(self, url: str) -> None:
        self.client = socketio.Client(handle_sigint=False, reconnection=False)
        self.packets_in: dict[int, int] = {}
        self.lock = threading.Lock()
        self.client.on("server_stats", self._stats, namespace="/admin")
        self.client.connect(url, namespaces=["/admin"], transports=["websocket"])

    def _stats(self, stats: dict[str, Any]) -> None:
        with self.lock:
            for item in stats.get("aggregatedEvents", []):
                if item.get("type") == "packetsIn":
                    second = int(item["timestamp"]) // 1000
                    self.packets_in[second] = self.packets_in.get(second, 0) + int(item["count"])

    def packets_between(self, start: float, end: float) -> int:
        with self.lock:
            return sum(n for s, n in self.packets_in.items() if int(start) <= s <= int(end))

    def close(self) -> None:
        self.client.disconnect()


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def settle(referee: Referee) -> None:
    """Let the server's stats interval (2 s) pass so the last run's packets are in."""
    time.sleep(2.5)


def run_ours(url: str, users: int, duration: float, every: float, referee: Referee) -> Outcome:
    plan = LoadPlan(
        probe=ProbeSettings(url=url, reconnection=False),
        users=users,
        spawn_rate=users,
        duration=duration,
        event="echo",
        args=("hello",),
        every=every,
        ack=True,
        processes=1,
    ).validated()
    figures = LoadFigures()
    lock = threading.Lock()

    def take(snapshot: Snapshot) -> None:
        with lock:
            figures.add(snapshot)

    run = LoadRun(plan, take, lambda _code: None)
    cpu, started = children_cpu(), time.time()
    run.start()
    if not run.wait(duration + 60):
        run.kill()
        raise RuntimeError("the Locust run did not end: " + run.stderr[-2000:])
    wall, cpu = time.time() - started, children_cpu() - cpu
    settle(referee)
    last = figures.last
    ack = last.entry(ACK) if last else None
    if ack is None:
        raise RuntimeError("the Locust run reported no acks: " + run.stderr[-2000:])
    return Outcome(
        "sio-monitor load",
        ack.requests - ack.failures,
        wall,
        cpu,
        ack.p50,
        ack.p99,
        referee.packets_between(started, started + wall),
    )


def run_artillery(
    url: str, users: int, count: int, think: float | None, referee: Referee
) -> Outcome:
    step: list[dict[str, Any]] = [{"emit": ["echo", "hello"], "acknowledge": {}}]
    if think:
        step.append({"think": think})
    config = {
        "config": {
            "target": url,
            "phases": [{"duration": 1, "arrivalCount": users}],
            "engines": {"socketio-v3": {"transports": ["websocket"]}},
        },
        "scenarios": [{"engine": "socketio-v3", "flow": [{"loop": step, "count": count}]}],
    }
    with tempfile.TemporaryDirectory(prefix="sio-bench-artillery-") as scratch:
        script, report = Path(scratch) / "load.json", Path(scratch) / "report.json"
        script.write_text(json.dumps(config))
        node = shutil.which("node")
        assert node is not None
        cpu, started = children_cpu(), time.time()
        done = subprocess.run(
            [node, str(ARTILLERY), "run", "--quiet", "--output", str(report), str(script)],
            cwd=HERE,
            env={**os.environ, "ARTILLERY_DISABLE_TELEMETRY": "true"},
            capture_output=True,
            text=True,
            timeout=600,
        )
        wall, cpu = time.time() - started, children_cpu() - cpu
        if done.returncode != 0 or not report.exists():
            raise RuntimeError(f"artillery failed ({done.returncode}): {done.stderr[-2000:]}")
        aggregate = json.loads(report.read_text())["aggregate"]
    settle(referee)
    latency = aggregate.get("latency", {})
    errors = sum(aggregate.get("errors", {}).values())
    if errors:
        print(f"artillery reported errors: {aggregate['errors']}")
    return Outcome(
        "artillery socketio-v3",
        int(aggregate.get("requestsCompleted", 0)),
        wall,
        cpu,
        latency.get("median"),
        latency.get("p99"),
        referee.packets_between(started, started + wall),
    )


def install() -> None:
    if shutil.which("npm") is None:
        raise SystemExit("npm is not installed: install Node.js and npm to compare with artillery")
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)


def show(title: str, outcomes: list[Outcome]) -> None:
    print(f"\n{title}")
    print(
        f"{'tool':<24} {'acks':>8} {'wall s':>7} {'CPU s':>7} {'acks/s':>8} {'acks/CPU s':>11} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'server pkts in/s':>17}"
    )
    for o in outcomes:
        server = o.server_packets / o.wall if o.wall else 0.0
        print(
            f"{o.tool:<24} {o.acks:>8,} {o.wall:>7.1f} {o.cpu:>7.1f} {o.rate:>8,.0f} "
            f"{o.per_core:>11,.0f} {o.p50 or 0:>7.1f} {o.p99 or 0:>7.1f} {server:>17,.0f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50, help="virtual users (default 50)")
    parser.add_argument("--seconds", type=float, default=15.0, help="our run length (default 15)")
    parser.add_argument(
        "--count", type=int, default=300, help="artillery's emits per user at full speed"
    )
    parser.add_argument("--quick", action="store_true", help="short runs, for a first look")
    parser.add_argument("--no-install", action="store_true", help="skip npm ci")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.count = 6.0, 100
    reason = node_available()
    if reason is not None:
        raise SystemExit(reason)
    if not args.no_install:
        install()
    latency_seconds = args.seconds
    latency_count = int(latency_seconds / PACE)
    with NodePeer("admin_server.js") as peer:
        referee = Referee(peer.url)
        try:
            full = [
                run_ours(peer.url, args.users, args.seconds, 0.001, referee),
                run_artillery(peer.url, args.users, args.count, None, referee),
            ]
            paced = [
                run_ours(peer.url, args.users, latency_seconds, PACE, referee),
                run_artillery(peer.url, args.users, latency_count, PACE, referee),
            ]
        finally:
            referee.close()
    show(f"Acked emits as fast as acks return, {args.users} users, one worker process", full)
    show(f"Acked emits every {PACE:g} s per user, {args.users} users", paced)
    ours, theirs = full
    ratio = ours.per_core / theirs.per_core
    print(
        f"\nAcked emits per CPU-second: {ours.per_core:,.0f} against artillery's "
        f"{theirs.per_core:,.0f}: ratio {ratio:.2f} (target >= 1)."
    )
    print(
        f"Ack p99 at about {args.users / PACE:,.0f} emits/s: {paced[0].p99} ms against "
        f"artillery's {paced[1].p99} ms."
    )
    record(
        Figure(
            "load: acked emits per CPU-second (1 worker)",
            ours.per_core,
            "acks/CPU s",
            theirs.per_core,
            f"artillery socketio-v3: {theirs.per_core:,.0f} acks/CPU s",
            ">= 1",
            ratio >= 1,
        ),
        Figure(
            f"load: ack p99 at {args.users / PACE:,.0f} emits/s",
            float(paced[0].p99 or 0),
            "ms",
            float(paced[1].p99 or 0),
            f"artillery socketio-v3: {paced[1].p99} ms",
        ),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
