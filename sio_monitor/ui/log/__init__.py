"""The event log view: every observed event, filtered, detailed, exported."""
