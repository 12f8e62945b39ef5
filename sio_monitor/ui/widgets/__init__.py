"""Small widgets the views share: inline errors, masked pairs, a JSON tree."""
