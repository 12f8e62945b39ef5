"""Alert rules in the window: the rules dialog, the line over the overview, the notifier."""
