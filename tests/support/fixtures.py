"""Pytest fixtures for the real servers of ``tests/support``: import the ones a module needs.

Each yields a started server and kills it after the test. A missing runtime
(Node, Redis) skips with what to install, except under CI (``CI=true``), where
it fails (:func:`tests.support.skips.require`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.redis_server import RedisServer, redis_missing
from tests.peers.launch import NodePeer
from tests.support.node_admin import node_admin, node_admin_missing
from tests.support.node_cluster import NodeCluster, cluster_missing
from tests.support.skips import require
from tests.support.sync_server import SyncServer


@pytest.fixture(params=["development", "production"])
def sync_server(request: pytest.FixtureRequest) -> Iterator[SyncServer]:
    """Flask-SocketIO (threading) with sync ``instrument()``, 50 clients, 2 s stats.

    Once in each admin mode (``request.param``; ``server.mode`` says which).
    """
    with SyncServer(clients=50, stats_interval=2.0, mode=request.param) as server:
        yield server  # type: ignore[misc]


@pytest.fixture
def node_cluster() -> Iterator[NodeCluster]:
    """Three Node workers on node:cluster with the Redis adapter, and one muted late worker.

    The late worker starts on ``add_late_worker()`` and never sends ``server_stats``.
    """
    require(cluster_missing() or redis_missing())
    with RedisServer() as redis, NodeCluster(redis.url, late=1, mute_late=True) as cluster:
        yield cluster  # type: ignore[misc]


@pytest.fixture
def node48_server() -> Iterator[NodePeer]:
    """Node socket.io 4.8 with @socket.io/admin-ui, development mode, no auth."""
    require(node_admin_missing("4.8"))
    with node_admin("4.8") as peer:
        yield peer


@pytest.fixture
def node31_server() -> Iterator[NodePeer]:
    """Node socket.io 3.1 (the socket.io-v3 alias) with @socket.io/admin-ui, no auth."""
    require(node_admin_missing("3.1"))
    with node_admin("3.1") as peer:
        yield peer
