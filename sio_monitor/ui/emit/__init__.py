"""The emit console: a Socket.IO test client beside the monitor."""
