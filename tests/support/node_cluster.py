"""A three-worker Node cluster: node:cluster, @socket.io/redis-adapter, admin-ui on each worker.

``tests/peers/cluster_server.js`` forks the workers (serverId ``worker-1`` ...),
which share one port, balanced round-robin by the primary, and a Redis given
by the ``redis_server`` fixture (``tests/integration/redis_server.py``). A late
worker can join on demand, muted (it never sends ``server_stats``): a node the
monitor never hears from, though its sockets are in every snapshot. A test
kills a worker with SIGKILL, as a crash would.

:class:`NodeCluster` starts one; the ``node_cluster`` fixture of
``tests/support/fixtures.py`` wraps it with a fresh Redis.
"""

from __future__ import annotations

import os
import shutil
import signal
from typing import Any

from tests.peers.launch import NODE_MODULES, PEERS_DIR, node_available
from tests.support.process import ServerProcess


def cluster_missing() -> str | None:
    """Say why the Node cluster cannot run here, or None when it can."""
    reason = node_available()
    if reason is None and not (NODE_MODULES / "@socket.io" / "redis-adapter").is_dir():
        reason = f"@socket.io/redis-adapter is missing: run `npm ci` in {PEERS_DIR}"
    return reason


class NodeCluster(ServerProcess):
    """The cluster's primary process; its workers are listed in ``workers``."""

    def __init__(self, redis_url: str, workers: int = 3, late: int = 0, mute_late: bool = False):
        argv = [shutil.which("node") or "node", str(PEERS_DIR / "cluster_server.js")]
        argv += ["--port", "0", "--redis", redis_url, "--workers", str(workers)]
        argv += ["--late", str(late)] + (["--mute-late"] if mute_late else [])
        super().__init__("cluster_server.js", argv=argv)

    @property
    def workers(self) -> list[dict[str, Any]]:
        return list(self.announcement["workers"])

    def add_late_worker(self) -> dict[str, Any]:
        """Start the next late worker; return it once it listens: {index, pid, serverId}."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGUSR2)
        worker = self.next_line()
        assert worker["event"] == "worker", worker
        self.announcement["workers"].append(worker)
        return worker

    def kill_worker(self, pid: int) -> None:
        """SIGKILL one worker: it says goodbye to no one, and stays dead."""
        os.kill(pid, signal.SIGKILL)
