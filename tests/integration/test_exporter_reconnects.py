"""The exporter never gives up on a target: it waits for a server that is not up yet, and
follows one that goes away and comes back, saying so in its own metrics.

The exporter runs in this process on a free port and is scraped over HTTP as
Prometheus would; the demo server starts, stops and starts again on one port.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.net.demo import DemoServer
from sio_monitor.terminal.exporter import Exporter, ExporterTarget
from tests.support.net import free_port

pytestmark = pytest.mark.network

Samples = dict[str, float]


async def scrape(session: aiohttp.ClientSession, url: str) -> Samples:
    async with session.get(url) as reply:
        assert reply.status == 200
        text = await reply.text()
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[sample.name] = samples.get(sample.name, 0.0) + sample.value
    return samples


async def until(
    session: aiohttp.ClientSession, url: str, check: Callable[[Samples], bool], what: str
) -> Samples:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while True:
        samples = await scrape(session, url)
        if check(samples):
            return samples
        assert loop.time() < deadline, f"waited for {what}; the metrics say {samples}"
        await asyncio.sleep(0.2)  # scraping as Prometheus does: the endpoint is what is tested


def test_a_target_is_waited_for_and_followed_through_a_restart() -> None:
    async def main() -> None:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        err = io.StringIO()
        target = ExporterTarget(url, ConnectionSettings(url, connect_timeout=3.0), err)
        exporter = Exporter([target])
        metrics = await exporter.start("127.0.0.1", 0)
        stop = asyncio.Event()
        following = asyncio.ensure_future(target.run(stop))
        server: DemoServer | None = None
        try:
            async with aiohttp.ClientSession() as session:
                first = await until(
                    session,
                    metrics,
                    lambda s: s["sio_monitor_reconnects_total"] >= 1,
                    "a failed first attempt, retried",
                )
                assert first["sio_monitor_connected"] == 0
                assert "sio_server_up" not in first
                assert f"{url}: Could not connect to 127.0.0.1:{port}" in err.getvalue()

                server = DemoServer(port=port, clients=3, auth=False, stats_interval=0.5)
                await server.start()
                up = await until(
                    session,
                    metrics,
                    lambda s: s["sio_monitor_connected"] == 1 and s.get("sio_server_up") == 1,
                    "the server, once it is up",
                )
                losses = up["sio_monitor_reconnects_total"]

                await server.stop()
                await until(
                    session,
                    metrics,
                    lambda s: (
                        s["sio_monitor_connected"] == 0
                        and s["sio_monitor_reconnects_total"] > losses
                    ),
                    "the loss of the server",
                )
                server = DemoServer(port=port, clients=3, auth=False, stats_interval=0.5)
                await server.start()
                await until(
                    session,
                    metrics,
                    lambda s: s["sio_monitor_connected"] == 1 and s.get("sio_server_up") == 1,
                    "the server, back",
                )
        finally:
            stop.set()
            await asyncio.wait_for(following, 10)
            await exporter.stop()
            if server is not None:
                await server.stop()

    asyncio.run(main())
