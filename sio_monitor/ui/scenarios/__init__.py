"""The Scenarios view of a connection: write, check and run scripted Socket.IO checks."""
