"""The first view: servers and namespaces at a glance."""
