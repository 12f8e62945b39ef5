"""Reaching a server: the connect dialog, the probe connection form, profiles, reconnecting."""
