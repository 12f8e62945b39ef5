"""Alert rules without a window or a network: firing after the duration, clearing, saving."""

from __future__ import annotations

from pathlib import Path

import pytest

from sio_monitor.domain import events as ev
from sio_monitor.domain.alerts import (
    AlertEngine,
    AlertError,
    AlertRule,
    Comparison,
    Figure,
    read_figure,
    rules_from_json,
    rules_to_json,
)
from sio_monitor.domain.monitor_state import MonitorState
from sio_monitor.store.alerts_store import AlertStore, profile_key, server_key

NOW = 1_800_000_000.0


def rule(**overrides: object) -> AlertRule:
    values: dict[str, object] = {
        "figure": Figure.CLIENTS,
        "comparison": Comparison.BELOW,
        "threshold": 10,
        "for_seconds": 30,
    }
    return AlertRule(**{**values, **overrides}).validated()  # type: ignore[arg-type]


def test_a_rule_fires_only_after_holding_for_its_duration_and_clears_at_once() -> None:
    watched = rule()
    engine = AlertEngine([watched])
    assert engine.judge({watched.id: 4}, NOW) == []  # breached, not yet for 30 s
    assert engine.judge({watched.id: 12}, NOW + 10) == []  # back: the wait starts over
    assert engine.judge({watched.id: 4}, NOW + 20) == []
    [fired] = engine.judge({watched.id: 3}, NOW + 50)
    assert fired.firing and fired.message == "Alert: clients below 10 for 30 s (now 3)."
    assert engine.judge({watched.id: 2}, NOW + 51) == []  # said once
    assert engine.firing() == [fired]
    assert engine.judge({watched.id: None}, NOW + 52) == []  # unknown: still firing
    [cleared] = engine.judge({watched.id: 10}, NOW + 53)
    assert not cleared.firing and cleared.message == "Cleared: clients below 10 for 30 s (now 10)."
    assert engine.firing() == []


def test_removing_a_firing_rule_clears_it() -> None:
    watched = rule(for_seconds=0)
    engine = AlertEngine([watched])
    assert len(engine.judge({watched.id: 1}, NOW)) == 1
    [removed] = engine.set_rules([])
    assert not removed.firing and removed.message.startswith("Alert removed: clients below 10")


def test_rules_need_their_parameter_and_survive_json() -> None:
    with pytest.raises(AlertError, match="namespace"):
        rule(figure=Figure.SOCKETS)
    rules = [
        rule(figure=Figure.SOCKETS, parameter=" /chat "),
        rule(figure=Figure.EVENT_RATE, parameter="message", comparison=Comparison.ABOVE),
        rule(figure=Figure.ACK_RTT, threshold=250, parameter="ignored"),
    ]
    assert rules[0].parameter == "/chat" and rules[2].parameter == ""
    assert rules[2].describe() == "ack round trip below 250 ms for 30 s"
    assert rules_from_json(rules_to_json(rules)) == rules
    with pytest.raises(AlertError):
        rules_from_json([{"figure": "nonsense", "comparison": "above", "threshold": 1}])


def test_figures_are_read_as_the_views_show_them() -> None:
    state = MonitorState()
    stats = ev.ServerStatsReceived(
        "web-1", "web-1", 1, 5.0, 7, 0,
        (ev.NamespaceCount("/chat", 4), ev.NamespaceCount("/admin", 1)), (), NOW,
    )  # fmt: skip
    state.apply([ev.ConfigReceived(frozenset(), NOW), stats])
    assert read_figure(rule(), state, NOW) == 6  # the admin connection is not a client
    assert read_figure(rule(figure=Figure.SOCKETS, parameter="/chat"), state, NOW) == 4
    health = rule(figure=Figure.UNHEALTHY_SERVERS, comparison=Comparison.ABOVE, threshold=0)
    assert read_figure(health, state, NOW) == 0
    state.tick(NOW + 60)
    assert read_figure(health, state, NOW + 60) == 1
    assert read_figure(rule(figure=Figure.ACK_RTT), state, NOW, ack_rtt_ms=12.5) == 12.5


def test_rules_are_saved_per_profile_and_per_server(tmp_path: Path) -> None:
    store = AlertStore(tmp_path / "alerts.json")
    staging, server = profile_key("staging"), server_key("http://a:3000/", "/admin")
    store.save(staging, [rule()])
    store.save(server, [rule(threshold=3), rule(threshold=4)])
    again = AlertStore(tmp_path / "alerts.json")
    assert [r.describe() for r in again.load(staging)] == [rule().describe()]
    assert [r.threshold for r in again.load(server)] == [3, 4]
    assert again.load(profile_key("other")) == []
    (tmp_path / "alerts.json").write_text("[1, 2]")
    assert again.load(staging) == [] and again.problem and "kept as" in again.problem
