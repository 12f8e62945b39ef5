"""Test-wide settings: Qt renders offscreen, and remembered settings go to a scratch folder.

The scratch configuration, data and state folders keep the suite from reading
or overwriting the window layout, recordings and logs of a developer's own
copy of the app.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="sio-monitor-tests-")
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="sio-monitor-tests-data-")  # recordings
os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="sio-monitor-tests-state-")  # logs
