"""Rates over time: per-second rings, event-name history, and the series the charts plot."""
