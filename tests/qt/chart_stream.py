"""A scripted stream for the throughput charts, fed through the real bridge, and curve readers."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from pytestqt.qtbot import QtBot

from sio_monitor.domain.events import (
    ConfigReceived,
    DomainEvent,
    EventReceived,
    EventSent,
    ServerStatsReceived,
)
from sio_monitor.qt.bridge import EventBridge
from sio_monitor.ui.charts.charts import ThroughputCharts
from tests.support import events as build

NOW = 1_795_311_600
DEV = frozenset({"ALL_EVENTS", "AGGREGATED_EVENTS", "EMIT", "JOIN", "LEAVE"})
PRODUCTION = frozenset({"AGGREGATED_EVENTS"})


def stats(
    server: str,
    seconds: range,
    counts: dict[str, int],
    clients: int = 0,
    namespaces: dict[str, int] | None = None,
    reason: str | None = None,
) -> ServerStatsReceived:
    """One stats message carrying ``counts`` for every second of ``seconds``."""
    buckets = build.buckets(
        *((s, kind, count) for s in seconds for kind, count in counts.items()), reason=reason
    )
    return build.stats(
        server,
        float(seconds[-1] + 1),
        hostname=f"host-{server}",
        pid=7,
        uptime=60.0,
        clients=clients,
        counts=namespaces,
        aggregated=buckets,
    )


def events(second: int, nsp: str, name: str, received: int, sent: int) -> list[DomainEvent]:
    out: list[DomainEvent] = [
        EventReceived(nsp, f"s{k}", name, (), second + k / (received + 1)) for k in range(received)
    ]
    out += [EventSent(nsp, f"s{k}", name, (), second + k / (sent + 1)) for k in range(sent)]
    return out


def feed(bridge: EventBridge, *batch: DomainEvent) -> None:
    for event in batch:
        bridge.sink(event)
    bridge.flush()


def curve(panel: ThroughputCharts, chart: str, label: str) -> tuple[np.ndarray, np.ndarray]:
    plot = panel.plots[chart]
    for key, spec in plot.specs.items():
        if spec.label == label:
            xs, ys = plot.curves[key].getData()
            return xs, ys
    raise AssertionError(f"no {label!r} curve in {chart}: {[s.label for s in plot.specs.values()]}")


def labels(panel: ThroughputCharts, chart: str) -> list[str]:
    return [spec.label for spec in panel.plots[chart].specs.values()]


def development_stream(bridge: EventBridge, panel: ThroughputCharts, last: int = NOW) -> None:
    """Ten seconds of two servers and two namespaces, sampled each second as the timer would."""
    feed(bridge, ConfigReceived(DEV, NOW - 60))
    for second in range(last - 9, last + 1):
        k = second - (last - 9)
        feed(
            bridge,
            stats(
                "node-a",
                range(second, second + 1),
                {"bytesIn": 1000 * k, "packetsIn": 10 + k},
                clients=12,
                namespaces={"/": 7, "/chat": 5},
            ),
            stats(
                "node-b",
                range(second, second + 1),
                {"bytesIn": 3, "packetsIn": 1},
                clients=4,
                namespaces={"/": 4},
            ),
            *events(second, "/", "chat:message", received=k, sent=2 * k),
            *events(second, "/chat", "typing", received=1, sent=0),
        )
        panel.sample(now=second)


def shown_panel(qtbot: QtBot, bridge: EventBridge) -> Iterator[ThroughputCharts]:
    """A panel at a fixed "now", shown at a size where every chart has room (a fixture body)."""
    panel = ThroughputCharts(bridge)
    panel.clock = lambda: NOW
    qtbot.addWidget(panel)
    panel.resize(1200, 780)
    panel.show()
    qtbot.waitExposed(panel)
    yield panel
    panel.hide()
