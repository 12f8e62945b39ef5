"""The topology explorer: namespaces, rooms and sockets, their details and the actions on them."""
