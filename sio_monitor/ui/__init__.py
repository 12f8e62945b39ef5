"""Widgets, windows and dialogs."""
