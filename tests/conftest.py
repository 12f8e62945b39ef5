"""Test-wide settings: Qt renders offscreen, and remembered settings go to a scratch folder.

The scratch configuration folder keeps the suite from reading or overwriting
the window layout a developer's own copy of the app remembers.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="sio-monitor-tests-")
