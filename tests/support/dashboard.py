"""The Grafana dashboard shipped in packaging/, read as the tests need it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

DASHBOARD = (
    Path(__file__).resolve().parents[2] / "packaging" / "grafana" / "sio-monitor-dashboard.json"
)


def panels(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in document["panels"]:
        yield panel
        yield from panel.get("panels", [])  # a collapsed row holds its panels


def dashboard_queries() -> list[tuple[str, str]]:
    """``(panel title, expression)`` of every query of every panel that is not a row."""
    document = json.loads(DASHBOARD.read_text())
    queries = []
    for panel in panels(document):
        if panel["type"] == "row":
            continue
        assert panel.get("targets"), f"panel {panel['title']!r} has no query"
        queries += [(panel["title"], target["expr"]) for target in panel["targets"]]
    return queries
