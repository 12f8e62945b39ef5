"""The Load panel: virtual users against the connection's server, figures beside its own."""
