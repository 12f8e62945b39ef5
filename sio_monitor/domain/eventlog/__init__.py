"""The event log: a million observed events in columns, their filters and search."""
