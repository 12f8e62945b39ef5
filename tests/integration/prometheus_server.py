"""A real Prometheus for the exporter tests: Debian's prometheus on a free loopback port.

Its configuration (one scrape job at a short interval) and its storage live in
a temporary directory removed when it stops. Start-up is judged by its own
``/-/ready`` answering, and results by its HTTP query API, never by sleeping.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from tests.support.net import free_port

PROMETHEUS = "/usr/bin/prometheus"
PROMTOOL = "/usr/bin/promtool"
STARTUP_TIMEOUT = 30.0
STOP_TIMEOUT = 5.0
PORT_ATTEMPTS = 3  # another process may take the probed port before Prometheus binds it
SCRAPE_INTERVAL = "500ms"


def prometheus_missing() -> str | None:
    """Say why Prometheus cannot run here, or None when it can."""
    for name, default in (("prometheus", PROMETHEUS), ("promtool", PROMTOOL)):
        binary = shutil.which(name) or default
        if not os.access(binary, os.X_OK):
            return f"{name} is not installed: install Debian's prometheus package"
    return None


def promtool() -> str:
    return shutil.which("promtool") or PROMTOOL


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError:
        return 0, b""


class PrometheusServer:
    """One prometheus process scraping ``targets`` (host:port) every 500 ms."""

    def __init__(self, targets: list[str], rule_files: list[Path] | None = None) -> None:
        self.targets = targets
        self.rule_files = rule_files or []
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._dir: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> PrometheusServer:
        reason = prometheus_missing()
        if reason is not None:
            raise RuntimeError(reason)
        self._dir = Path(tempfile.mkdtemp(prefix="sio-monitor-prometheus-"))
        config = {
            "global": {"scrape_interval": SCRAPE_INTERVAL, "evaluation_interval": "1s"},
            "rule_files": [str(path) for path in self.rule_files],
            "scrape_configs": [
                {
                    "job_name": "sio-monitor",
                    "scrape_interval": SCRAPE_INTERVAL,
                    "scrape_timeout": "400ms",
                    "static_configs": [{"targets": self.targets}],
                }
            ],
        }
        (self._dir / "prometheus.yml").write_text(json.dumps(config))  # JSON is YAML
        for _ in range(PORT_ATTEMPTS):
            self.port = free_port()
            if self._launch():
                return self
        log = self.log()
        self.stop()
        raise RuntimeError(f"prometheus did not become ready on any free port; its log:\n{log}")

    def log(self) -> str:
        path = self._dir / "prometheus.log" if self._dir is not None else None
        return path.read_text(errors="replace")[-4000:] if path and path.exists() else ""

    def _launch(self) -> bool:
        assert self._dir is not None
        binary = shutil.which("prometheus") or PROMETHEUS
        args = [
            binary,
            f"--config.file={self._dir / 'prometheus.yml'}",
            f"--storage.tsdb.path={self._dir / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--log.level=warn",
        ]
        with (self._dir / "prometheus.log").open("ab") as log:
            self.process = subprocess.Popen(
                args, stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=self._dir
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False  # exited: most likely the port was taken meanwhile
            if _get(f"{self.url}/-/ready")[0] == 200:
                return True
            time.sleep(0.1)  # polling a child process for readiness, not synchronising a test
        self._terminate()
        return False

    def query(self, expression: str) -> list[dict[str, Any]]:
        """The instant vector of ``expression`` now: ``[{"metric": {...}, "value": [t, "v"]}]``."""
        url = f"{self.url}/api/v1/query?" + urllib.parse.urlencode({"query": expression})
        status, body = _get(url)
        if status != 200:
            raise AssertionError(f"Prometheus answered {status} to {expression!r}: {body[:300]!r}")
        document = json.loads(body)
        return list(document["data"]["result"])

    def value(self, expression: str) -> float | None:
        """The single value of ``expression``, or None while it has no sample."""
        result = self.query(expression)
        if not result:
            return None
        assert len(result) == 1, f"{expression!r} has {len(result)} series: {result}"
        return float(result[0]["value"][1])

    def _terminate(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop(self) -> None:
        self._terminate()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> PrometheusServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
