"""Prove that the Node test peers behave as the monitor's other tests assume."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import socketio

from tests.peers.launch import NodePeer, fetch_truth, node_available
from tests.support.skips import require

pytestmark = [pytest.mark.node, pytest.mark.network]

# Every wait is bounded: a peer that misbehaves fails the test instead of hanging it.
TIMEOUT = 10.0
USER, PASSWORD = "admin", "s3cret"


@pytest.fixture(autouse=True, scope="module")
def _require_node() -> None:
    """Skip without Node locally, but fail on CI, where a skip would hide lost coverage."""
    require(node_available())


@pytest.fixture(scope="module")
def admin_peer() -> Iterator[NodePeer]:
    with NodePeer("admin_server.js", "--auth", f"{USER}:{PASSWORD}") as peer:
        yield peer


def new_client() -> socketio.AsyncClient:
    # No reconnection: a test that loses its server should fail, not retry.
    return socketio.AsyncClient(handle_sigint=False, reconnection=False)


@asynccontextmanager
async def connected(
    url: str, namespaces: list[str], client: socketio.AsyncClient | None = None, **kwargs: Any
) -> AsyncIterator[socketio.AsyncClient]:
    """Connect, and always disconnect, so no aiohttp session outlives its loop."""
    client = client or new_client()
    await client.connect(
        url, namespaces=namespaces, transports=["websocket"], wait_timeout=TIMEOUT, **kwargs
    )
    try:
        yield client
    finally:
        await asyncio.wait_for(client.disconnect(), TIMEOUT)


def first_event(client: socketio.AsyncClient, event: str, namespace: str) -> asyncio.Future[Any]:
    """A future for the first arguments of ``event``; register before connecting."""
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def handler(*args: Any) -> None:
        if not future.done():
            future.set_result(args[0] if len(args) == 1 else args)

    client.on(event, handler, namespace=namespace)
    return future


def features_of(url: str, **kwargs: Any) -> list[str]:
    async def scenario() -> list[str]:
        client = new_client()
        config = first_event(client, "config", "/admin")
        async with connected(url, ["/admin"], client, **kwargs):
            payload = await asyncio.wait_for(config, TIMEOUT)
        return list(payload["supportedFeatures"])

    return asyncio.run(scenario())


def test_admin_with_right_credentials_gets_config_and_session(admin_peer: NodePeer) -> None:
    async def scenario() -> tuple[Any, Any]:
        client = new_client()
        config = first_event(client, "config", "/admin")
        session = first_event(client, "session", "/admin")
        auth = {"username": USER, "password": PASSWORD}
        async with connected(admin_peer.url, ["/admin"], client, auth=auth):
            return await asyncio.wait_for(asyncio.gather(config, session), TIMEOUT)

    config, session_id = asyncio.run(scenario())
    assert "ALL_EVENTS" in config["supportedFeatures"]
    assert "EMIT" in config["supportedFeatures"]
    assert isinstance(session_id, str) and session_id


def test_admin_with_wrong_credentials_gets_invalid_credentials(admin_peer: NodePeer) -> None:
    async def scenario() -> Any:
        client = new_client()
        error = first_event(client, "connect_error", "/admin")
        with pytest.raises(socketio.exceptions.ConnectionError):
            await client.connect(
                admin_peer.url,
                namespaces=["/admin"],
                transports=["websocket"],
                auth={"username": USER, "password": "wrong"},
                wait_timeout=TIMEOUT,
            )
        return await asyncio.wait_for(error, TIMEOUT)

    assert asyncio.run(scenario()) == {"message": "invalid credentials"}


def test_production_mode_lacks_all_events() -> None:
    with NodePeer("admin_server.js", "--no-auth", "--mode", "production") as peer:
        features = features_of(peer.url)
    assert "ALL_EVENTS" not in features
    assert {"AGGREGATED_EVENTS", "EMIT"} <= set(features)


def test_read_only_advertises_no_actions() -> None:
    with NodePeer("admin_server.js", "--no-auth", "--read-only") as peer:
        features = features_of(peer.url)
    assert set(features) == {"AGGREGATED_EVENTS", "ALL_EVENTS"}


def test_truth_reflects_rooms_from_query_and_join(admin_peer: NodePeer) -> None:
    async def scenario() -> tuple[dict[str, Any], str, str]:
        namespaces = ["/", "/chat"]
        async with (
            connected(f"{admin_peer.url}?rooms=red,blue", namespaces) as first,
            connected(f"{admin_peer.url}?rooms=blue", namespaces) as second,
        ):
            # The ack arrives after the server has joined the room.
            assert await first.call("join", "green", namespace="/chat", timeout=TIMEOUT)
            truth = await fetch_truth(admin_peer.url)
            return truth, first.get_sid("/"), second.get_sid("/chat")

    truth, first_root, second_chat = asyncio.run(scenario())
    assert set(truth["namespaces"]) == {"/", "/chat"}
    root, chat = truth["namespaces"]["/"], truth["namespaces"]["/chat"]
    assert first_root in root["sockets"]
    assert root["rooms"]["red"] == [first_root]
    assert len(root["rooms"]["blue"]) == 2
    assert second_chat in chat["rooms"]["blue"]
    assert len(chat["rooms"]["green"]) == 1
    assert "green" not in root["rooms"]


def test_echo_acks_its_arguments(admin_peer: NodePeer) -> None:
    async def scenario() -> Any:
        async with connected(admin_peer.url, ["/chat"]) as client:
            return await client.call("echo", ({"a": 1}, "b"), namespace="/chat", timeout=TIMEOUT)

    assert asyncio.run(scenario()) == ({"a": 1}, "b")


def test_push_server_delivers_every_tick_then_done() -> None:
    count = 2_000

    async def scenario(url: str) -> tuple[list[int], Any]:
        client = new_client()
        seen: list[int] = []
        client.on("tick", lambda data: seen.append(data["i"]))
        done = first_event(client, "done", "/")
        async with connected(url, ["/"], client):
            await client.emit("start", {"count": count})
            return seen, await asyncio.wait_for(done, TIMEOUT)

    with NodePeer("push_server.js") as peer:
        seen, reported = asyncio.run(scenario(peer.url))
    assert reported == count
    assert seen == list(range(count))
