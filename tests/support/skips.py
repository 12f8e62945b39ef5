"""The one rule for a missing runtime: skip locally, saying what to install; fail under CI.

A leaf module (no imports from the rest of ``tests``), so the launchers and
fixtures that find out what is missing can all use it without import cycles.
"""

from __future__ import annotations

import os

import pytest


def require(reason: str | None) -> None:
    """Skip locally, saying what to install, when ``reason`` is set; fail under CI.

    Under CI (``CI=true``) the runtime was installed on purpose, so its absence
    is a failure: a skip there would hide lost coverage.
    """
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)
