"""Counts in sentences agree with their nouns."""

from __future__ import annotations

import pytest

from sio_monitor.domain.format import counted


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 namespaces"), (1, "1 namespace"), (2, "2 namespaces"), (12_500, "12,500 namespaces")],
)
def test_a_count_agrees_with_its_noun(count: int, expected: str) -> None:
    assert counted(count, "namespace") == expected
