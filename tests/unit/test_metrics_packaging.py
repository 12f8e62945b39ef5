"""The ready-made Grafana dashboard and Prometheus alert rules agree with what the exporter serves.

The dashboard must load as JSON with every panel's query naming only metrics
the exporter serves; the alert rules must pass ``promtool check rules`` and
fire, in ``promtool test rules``, on the series they are meant for.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from sio_monitor.terminal.exporter import listen_address
from sio_monitor.terminal.exporter_metrics import COUNTERS, GAUGES
from tests.integration.prometheus_server import prometheus_missing, promtool
from tests.support.dashboard import DASHBOARD, dashboard_queries
from tests.support.skips import require

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "packaging" / "prometheus" / "sio-monitor-alerts.yml"
UNIT = ROOT / "packaging" / "sio-monitor-exporter.service"
SERVED = set(GAUGES) | {f"{name}_total" for name in COUNTERS}
METRIC = re.compile(r"\bsio_[a-z_]+\b")


def test_every_dashboard_query_names_a_metric_the_exporter_serves() -> None:
    queries = dashboard_queries()
    used: set[str] = set()
    for title, expression in queries:
        names = set(METRIC.findall(expression))
        assert names, f"{title!r}: {expression!r} names no sio_ metric"
        assert names <= SERVED, f"{title!r} asks for {sorted(names - SERVED)}, not served"
        used |= names
    assert used == SERVED, f"served but on no panel: {sorted(SERVED - used)}"
    document = json.loads(DASHBOARD.read_text())
    variable = document["templating"]["list"][1]
    assert set(METRIC.findall(variable["definition"])) <= SERVED


def test_the_alert_rules_pass_promtool_check() -> None:
    require(prometheus_missing())
    result = subprocess.run(
        [promtool(), "check", "rules", str(RULES)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 4 rules found" in result.stdout
    assert set(METRIC.findall(RULES.read_text())) <= SERVED


UNIT_TESTS = """
rule_files: [{rules}]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'sio_server_up{{target="t", server_id="a"}}'
        values: '1 1 0 0 0 0'
      - series: 'sio_monitor_connected{{target="t"}}'
        values: '1 0 0 0 0 0'
      - series: 'sio_server_clients{{target="t", server_id="a"}}'
        values: '100 100 100 100 100 100 100 40 40 40'
      - series: 'sio_disconnections_total{{target="t", server_id="a", reason="transport close"}}'
        values: '0+600x20'
    alert_rule_test:
      - eval_time: 1m
        alertname: SocketIOServerNotReporting
        exp_alerts: []
      - eval_time: 4m
        alertname: SocketIOServerNotReporting
        exp_alerts:
          - exp_labels: {{severity: critical, target: t, server_id: a}}
            exp_annotations:
              summary: "a of t stopped reporting its stats"
              description: "No server_stats from a for three of its intervals (0): the
                process is down, hung, or cut off from the cluster adapter."
      - eval_time: 4m
        alertname: SocketIOMonitorDisconnected
        exp_alerts:
          - exp_labels: {{severity: critical, target: t}}
            exp_annotations:
              summary: "The exporter cannot reach the admin namespace of t"
              description: "The server is down or unreachable, or refuses the exporter's
                admin credentials; the exporter's log says which, and it keeps retrying."
      - eval_time: 6m
        alertname: SocketIOClientsDroppedByHalf
        exp_alerts: []
      - eval_time: 9m
        alertname: SocketIOClientsDroppedByHalf
        exp_alerts:
          - exp_labels: {{severity: warning, target: t}}
            exp_annotations:
              summary: "t lost half of its clients in five minutes"
              description: "40 clients now, less than half of five minutes ago."
      - eval_time: 15m
        alertname: SocketIODisconnectionRateHigh
        exp_alerts:
          - exp_labels: {{severity: warning, target: t}}
            exp_annotations:
              summary: "t closes more than 5 connections a second"
              description: "10 disconnections a second over five minutes; the dashboard's
                \\"Connections and disconnections\\" panel shows them by reason."
"""


def test_the_alert_rules_fire_on_the_series_they_watch(tmp_path: Path) -> None:
    require(prometheus_missing())
    tests = tmp_path / "alerts_test.yml"
    tests.write_text(UNIT_TESTS.format(rules=json.dumps(str(RULES))))
    result = subprocess.run(
        [promtool(), "test", "rules", str(tests)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_systemd_unit_runs_the_exporter_on_a_valid_address() -> None:
    lines = dict(
        line.split("=", 1)
        for line in UNIT.read_text().splitlines()
        if "=" in line and line[0] != "#"
    )
    command = lines["ExecStart"].split()
    assert command[1] == "exporter"
    assert listen_address(command[command.index("--listen") + 1]) == ("127.0.0.1", 9798)
    assert "SIO_MONITOR_PASSWORD" not in lines["ExecStart"]  # never on a command line


@pytest.mark.parametrize("text", ["9798", "host:", "h:99999"])
def test_a_listen_address_without_host_and_port_is_refused(text: str) -> None:
    with pytest.raises(Exception, match="HOST:PORT"):
        listen_address(text)
