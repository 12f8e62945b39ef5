"""What a scenario step costs over the bare probe emit it wraps.

Run with ``python -m tests.benchmarks.bench_scenarios [--emits N] [--runs R]``.
Against the demo server (in this process, no virtual users), it times N
emits with acks sent straight through ``ProbeClient``, then a scenario of the
same N emits in a ``repeat``, each ack matched against an expectation with an
operator and a capture. The figure is the ratio of the two per-emit times in
the same run; absolute times are printed for context only.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from sio_monitor.domain.emit.probe_settings import ProbeSettings
from sio_monitor.domain.scenario import parse_scenario
from sio_monitor.net.demo import DemoServer
from sio_monitor.net.probe import ProbeClient
from sio_monitor.net.scenario_runner import ScenarioRunner

SCENARIO = """\
name: bench
clients: {c: {}}
steps:
  - connect: c
  - repeat:
      times: TIMES
      steps:
        - emit:
            client: c
            event: ping
            args: [7]
            ack:
              within: 5
              expect: [{pong: 7, server_time: {$type: number}}]
              capture: {t: "0.server_time"}
  - disconnect: c
"""


async def bare(url: str, emits: int) -> float:
    probe = ProbeClient(ProbeSettings(url), lambda _event: None)
    assert await probe.connect()
    started = time.perf_counter()
    for _ in range(emits):
        result = await probe.emit("/", "ping", [7], ack_timeout=5)
        assert result.acked
    took = time.perf_counter() - started
    await probe.close()
    return took / emits


async def scenario(url: str, emits: int) -> float:
    loaded = parse_scenario(SCENARIO.replace("TIMES", str(emits)))
    result = await ScenarioRunner(loaded, target=url).run()
    assert result.passed, result.failure_text()
    repeated = result.steps[1:-1]
    return sum(step.duration for step in repeated) / len(repeated)


async def main(emits: int, runs: int) -> None:
    async with DemoServer(clients=0, rate=0, auth=False) as server:
        await bare(server.url, 50)  # warm up both paths
        await scenario(server.url, 50)
        bare_times, step_times = [], []
        for _ in range(runs):
            bare_times.append(await bare(server.url, emits))
            step_times.append(await scenario(server.url, emits))
    b, s = statistics.median(bare_times), statistics.median(step_times)
    print(f"{emits} emits with acks, median of {runs} runs, demo server in-process")
    print(f"bare ProbeClient emit+ack:        {b * 1e6:8.0f} us per emit")
    print(f"scenario step (match + capture):  {s * 1e6:8.0f} us per step")
    print(f"ratio scenario / bare:            {s / b:8.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--emits", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.emits, args.runs))
