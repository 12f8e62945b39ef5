"""SIO Monitor: a desktop monitor and test console for Socket.IO servers."""

__version__ = "0.1.0"
