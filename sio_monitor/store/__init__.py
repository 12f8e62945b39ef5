"""Recording and export to files; never imports Qt."""
