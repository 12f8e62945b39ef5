"""Launchers of real Socket.IO servers for the tests, each a process on a free port.

Every launcher waits for its server's announcement line and kills the process
(its whole group, Node cluster workers included) when the test ends; the
fixtures that wrap them live in ``tests/support/fixtures.py``. Import a
fixture into a test module (``from tests.support.fixtures import sync_server``).
"""
