"""asyncio Socket.IO clients and the embedded demo server; never imports Qt."""
