"""The server side as the monitor knows it: servers, namespaces, rooms, sockets, their changes."""
