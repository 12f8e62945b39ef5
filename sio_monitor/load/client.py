"""The virtual users' Socket.IO client: python-socketio's sync client, minus two costs.

Profiled with fifty users emitting as fast as their acks came back, the stock
sync client spent most of its time on two things a load generator does not
need: python-engineio starts a thread (under gevent, a greenlet) for every
message it receives, to run the handler off the read loop, and
websocket-client validates every received text frame's UTF-8 in pure Python.
Here the handler runs in the read loop (the users' handlers only record a
figure or queue an event, and an ack the server asked for is queued to the
write loop, so nothing blocks it), and the frames' text is decoded by Python
itself, which rejects invalid UTF-8 anyway.
"""

from __future__ import annotations

from typing import Any

import engineio
import socketio


class _EngineClient(engineio.Client):  # type: ignore[misc]
    def _trigger_event(self, event: str, *args: Any, **kwargs: Any) -> Any:
        if event == "message":
            kwargs.pop("run_async", None)
        return super()._trigger_event(event, *args, **kwargs)


class LoadClient(socketio.Client):  # type: ignore[misc]
    """``socketio.Client`` for a virtual user (no reconnection, no signal handler)."""

    def __init__(self, **options: Any) -> None:
        options.setdefault("reconnection", False)
        options.setdefault("handle_sigint", False)
        extra = dict(options.pop("websocket_extra_options", None) or {})
        extra.setdefault("skip_utf8_validation", True)
        super().__init__(websocket_extra_options=extra, **options)

    def _engineio_client_class(self) -> type[engineio.Client]:
        return _EngineClient
