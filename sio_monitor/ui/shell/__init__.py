"""The window itself: connection tabs, one workspace per connection, error panel, saved state."""
