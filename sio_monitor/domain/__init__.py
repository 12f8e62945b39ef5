"""Plain-Python state and rules: no Qt, no network, testable in milliseconds."""
