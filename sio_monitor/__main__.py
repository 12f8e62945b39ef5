"""``python -m sio_monitor`` runs the same command line as the ``sio-monitor`` script."""

import sys

from sio_monitor.cli import main

sys.exit(main())
