"""The throughput view: live rate charts and the tables beside them."""
