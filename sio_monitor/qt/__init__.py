"""Qt glue: the event loop, the bridge from the network to the views, item models."""
