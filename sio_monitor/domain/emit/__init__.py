"""What the emit console sends and hears: typed arguments, requests, snippets, probe settings."""
