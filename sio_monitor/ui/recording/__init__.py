"""Recordings in the window: the recorder's menu and the replay bar."""
