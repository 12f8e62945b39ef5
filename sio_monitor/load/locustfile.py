"""The Locust user class of SIO Monitor's load runs: Socket.IO virtual users.

Loaded by Locust in the child process only (``python -m locust -f`` this
file), never by the app: importing Locust monkey-patches the standard library
with gevent. The plan comes from the environment (``SIO_MONITOR_LOAD_PLAN``,
see ``domain/load/plan.py``); each user is a python-socketio sync client
(gevent-friendly once patched) that connects with the probe's options, then
emits an event every T seconds with or without an ack, or only listens, and
records every connect, emit, ack and received event as a Locust request, so
Locust's own statistics (per kind and name, with percentiles) are the
figures. The same file runs in Locust's distributed mode
(``--master``/``--worker``) across machines.

Two descriptors may be inherited from the runner:
``SIO_MONITOR_LOAD_STATS_FD``, where the master (or the single local
process) writes one JSON line of figures a second, and
``SIO_MONITOR_LOAD_LIFELINE_FD``, the read end of a pipe whose write end only
the app holds: every process of the run (master and forked workers) waits on
it and exits at end-of-file, which the kernel delivers however the app ends,
``kill -9`` included.
"""

from __future__ import annotations

import json
import os
import random
import time
from typing import Any

import gevent
import gevent.socket
import locust.runners
import socketio
from locust import User, constant, constant_pacing, events, task
from locust.env import Environment
from locust.exception import StopUser
from locust.stats import StatsError, calculate_response_time_percentile

from sio_monitor.domain.load.figures import ACK, CONNECT, EMIT, PERCENTILES, RECEIVED
from sio_monitor.domain.load.plan import PLAN_VARIABLE, LoadPlan
from sio_monitor.domain.scenario import load_scenario
from sio_monitor.load.client import LoadClient
from sio_monitor.load.scenario_steps import ScenarioPass

STATS_FD_VARIABLE = "SIO_MONITOR_LOAD_STATS_FD"
LIFELINE_FD_VARIABLE = "SIO_MONITOR_LOAD_LIFELINE_FD"
REPORT_INTERVAL = 1.0

# Workers report to the master every second instead of every three, so live
# figures move once a second.
locust.runners.WORKER_REPORT_INTERVAL = REPORT_INTERVAL


def _plan() -> LoadPlan | None:
    text = os.environ.get(PLAN_VARIABLE)
    return LoadPlan.from_json(text) if text else None


PLAN = _plan()
SCENARIO = load_scenario(PLAN.scenario) if PLAN is not None and PLAN.scenario else None


def serializer(parser: str) -> str:
    """python-socketio's sync client's ``serializer`` for the server's parser."""
    return "msgpack" if parser == "msgpack" else "default"


class LoadError(Exception):
    """A failure said in a sentence; its repr is the sentence, which Locust groups by."""

    def __repr__(self) -> str:
        return str(self)


def _describe(error: BaseException) -> str:
    if isinstance(error, socketio.exceptions.TimeoutError):
        return "no ack within the timeout"
    if isinstance(error, socketio.exceptions.ConnectionError):
        text = str(error) or "connection failed"
        return f"connect failed: {text}"
    if isinstance(error, socketio.exceptions.BadNamespaceError):
        return "not connected to the namespace"
    return f"{type(error).__name__}: {error}"


class SocketIOLoadUser(User):
    """One virtual client: connect with the probe's options, emit on a pace, listen."""

    if PLAN is not None and (PLAN.event is not None or PLAN.scenario):
        wait_time = constant_pacing(PLAN.every)
    else:
        wait_time = constant(1.0)

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        if PLAN is None:
            raise RuntimeError(f"{PLAN_VARIABLE} is not set: start runs with sio-monitor load.")
        self.plan = PLAN
        probe = PLAN.probe
        self.namespace = probe.namespaces[0]
        self.stopping = False
        self.scenario_pass: ScenarioPass | None = None
        self.client = LoadClient(
            serializer=serializer(probe.parser),
            ssl_verify=probe.verify_tls,
            request_timeout=probe.connect_timeout,
        )
        for namespace in probe.namespaces:
            self.client.on("*", self._received, namespace=namespace)
            self.client.on("disconnect", self._disconnected, namespace=namespace)

    # --- Locust's hooks ------------------------------------------------------------

    def on_start(self) -> None:
        if SCENARIO is not None:
            return  # each pass of the scenario connects its own clients
        self._connect()
        if self.plan.event is not None:
            # Locust starts a second's worth of users at the same instant, and a fixed
            # pace would keep them in step: a burst every T seconds, each user waiting
            # behind the others. Real clients are spread out, so each starts at a
            # random phase of the period.
            gevent.sleep(random.uniform(0, self.plan.every))

    def on_stop(self) -> None:
        self.stopping = True
        if self.scenario_pass is not None:
            self.scenario_pass.close()
        if self.client.connected:
            self.client.disconnect()

    @task
    def act(self) -> None:
        if SCENARIO is not None:
            self.scenario_pass = ScenarioPass(
                SCENARIO, self.plan.probe.url, self._fire, serializer(self.plan.probe.parser)
            )
            self.scenario_pass.run()
            return
        if not self.client.connected and not self._connect():
            return
        plan = self.plan
        if plan.event is None:
            return
        data = tuple(plan.args) if plan.args else None
        started = time.perf_counter()
        if plan.ack:
            try:
                self.client.call(
                    plan.event, data, namespace=self.namespace, timeout=plan.ack_timeout
                )
            except Exception as error:
                self._fire(ACK, plan.event, started, _describe(error))
            else:
                self._fire(ACK, plan.event, started)
            return
        try:
            self.client.emit(plan.event, data, namespace=self.namespace)
        except Exception as error:
            self._fire(EMIT, plan.event, started, _describe(error))
        else:
            self._fire(EMIT, plan.event, started)

    # --- internals -----------------------------------------------------------------

    def _connect(self) -> bool:
        probe = self.plan.probe
        started = time.perf_counter()
        try:
            self.client.connect(
                probe.connect_url(),
                headers=dict(probe.headers),
                auth=probe.auth,
                transports=probe.transports,
                namespaces=list(probe.namespaces),
                socketio_path=probe.path,
                wait_timeout=probe.connect_timeout,
            )
        except Exception as error:
            self._fire(CONNECT, self.namespace, started, _describe(error))
            if self.stopping:
                raise StopUser() from error
            gevent.sleep(1.0)  # an unreachable server is tried once a second per user
            return False
        self._fire(CONNECT, self.namespace, started)
        return True

    def _fire(self, kind: str, name: str, started: float, error: str | None = None) -> None:
        self.environment.events.request.fire(
            request_type=kind,
            name=name,
            response_time=(time.perf_counter() - started) * 1000.0,
            response_length=0,
            exception=LoadError(error) if error else None,
            context={},
        )

    def _received(self, event: str, *args: Any) -> None:
        self.environment.events.request.fire(
            request_type=RECEIVED,
            name=event,
            response_time=0,
            response_length=0,
            exception=None,
            context={},
        )

    def _disconnected(self, *reason: Any) -> None:
        if self.stopping:
            return
        said = f": {reason[0]}" if reason else ""
        self.environment.events.request.fire(
            request_type=CONNECT,
            name=self.namespace,
            response_time=0,
            response_length=0,
            exception=LoadError(f"disconnected by the server{said}"),
            context={},
        )


# --- the child's plumbing: lifeline and figures -------------------------------------


def _watch_lifeline(fd: int) -> None:
    """Exit at once when the app's end of the pipe closes (the app ended, however)."""
    os.set_blocking(fd, False)
    while True:
        gevent.socket.wait_read(fd)
        try:
            data = os.read(fd, 64)
        except BlockingIOError:
            continue
        if not data:
            os._exit(3)


def _window(current: dict[int, int], previous: dict[int, int]) -> dict[int, int]:
    return {key: count - previous.get(key, 0) for key, count in current.items()}


def _percentile(times: dict[int, int], percent: float) -> float | None:
    total = sum(times.values())
    if total <= 0:
        return None
    return float(calculate_response_time_percentile(times, total, percent))


class _Reporter:
    """Writes the figures of the whole run (all workers summed) once a second."""

    def __init__(self, environment: Environment, fd: int) -> None:
        self.environment = environment
        self.fd = fd
        self.previous: dict[tuple[str, str], dict[int, int]] = {}
        self.closed = False

    def run(self) -> None:
        while not self.closed:
            gevent.sleep(REPORT_INTERVAL)
            self.write(final=False)

    def write(self, final: bool) -> None:
        if self.closed:
            return
        runner = self.environment.runner
        if runner is None:
            return
        entries = []
        for (name, method), entry in list(runner.stats.entries.items()):
            times = dict(entry.response_times)
            window = _window(times, self.previous.get((name, method), {}))
            self.previous[(name, method)] = times
            timed = entry.num_requests - entry.num_none_requests
            # Locust keeps times rounded (two significant digits past 100 ms): a rounded
            # percentile may pass the exact maximum, which it never is.
            top = float(entry.max_response_time)
            p50, p95, p99 = (
                min(float(calculate_response_time_percentile(times, timed, p)), top)
                if timed > 0
                else None
                for p in PERCENTILES
            )
            entries.append(
                {
                    "kind": method,
                    "name": name,
                    "requests": entry.num_requests,
                    "failures": entry.num_failures,
                    "p50": p50,
                    "p95": p95,
                    "p99": p99,
                    "max": float(entry.max_response_time) if timed > 0 else None,
                    "average": float(entry.avg_response_time) if timed > 0 else None,
                    "rate": float(entry.total_rps),
                    "window_p50": _percentile(window, 0.5),
                    "window_p99": _percentile(window, 0.99),
                }
            )
        errors = [
            {
                "kind": error.method,
                "name": error.name,
                "error": StatsError.parse_error(error.error),
                "count": error.occurrences,
            }
            for error in list(runner.stats.errors.values())
        ]
        line = {
            "time": time.time(),
            "users": runner.user_count,
            "state": str(runner.state),
            "entries": entries,
            "errors": errors,
            "final": final,
        }
        try:
            os.write(self.fd, (json.dumps(line) + "\n").encode())
        except OSError:  # the parent stopped reading: nobody is left to tell
            self.closed = True
        if final:
            self.closed = True


@events.init.add_listener
def _started(environment: Environment, **_: Any) -> None:
    lifeline = os.environ.get(LIFELINE_FD_VARIABLE)
    if lifeline:
        gevent.spawn(_watch_lifeline, int(lifeline))
    stats_fd = os.environ.get(STATS_FD_VARIABLE)
    runner = environment.runner
    if stats_fd and not isinstance(runner, locust.runners.WorkerRunner):
        reporter = _Reporter(environment, int(stats_fd))
        gevent.spawn(reporter.run)
        environment.events.quitting.add_listener(lambda **_: reporter.write(final=True))
