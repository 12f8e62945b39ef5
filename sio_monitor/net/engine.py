"""A Socket.IO client whose receive path costs a third of the stock one per event.

The admin stream of a busy server is tens of thousands of small events per
second, and python-socketio's own receive path, measured against a flooding
server, spends about 32 us on each before any handler runs; the whole app's
budget is about 38 us (tests/benchmarks/bench_app.py). Three costs dominate,
and each is removed without changing what the client delivers:

- JSON decoding: ``wire_codec.wire_json`` (msgspec, the stock decoder as
  fallback), by way of the packet class ``wire_codec.WirePacket``.
- The websocket read loop wraps each receive in ``asyncio.wait_for``: a task
  and a timer per message. Here the receive has no timeout; a watchdog task
  cancels it after ``ping_interval + ping_timeout`` of silence, the same
  limit, with the same "stopped communicating" outcome.
- Each message was dispatched in a task of its own. Here it is awaited in
  the read loop: the monitor's handlers are plain functions, and an error in
  one goes to the loop's exception handler as a task's error would.

Text frames are read as bytes once the handshake is done, so that a long
message reaches ``WirePacket`` without being decoded and copied first
(``wire_codec`` says what that saves); short ones are decoded here, as
aiohttp would have.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aiohttp
import engineio
import socketio
from engineio import packet as engine_packet

from sio_monitor.net.wire_codec import (
    LONG_PACKET,
    OFF_THREAD_BYTES,
    LongText,
    WirePacket,
    decode_off_thread,
)

#: Messages read in a row before the loop yields. A receive returns without suspending
#: while the socket has data buffered, so without this a flood would hold the thread;
#: 64 events are about 1 ms of work, well inside the 30 ms the views coalesce over.
YIELD_EVERY = 64


#: The largest websocket message taken; aiohttp's default (4 MB) drops the connection on a
#: 10 MB event, and a monitor must show such an event, not lose the connection over it.
MAX_MESSAGE_BYTES = 256 * 1024 * 1024
#: An Engine.IO message packet's type, as the first byte of its text frame.
_MESSAGE = b"4"
_TEXT = aiohttp.WSMsgType.TEXT


class WatchedEngineClient(engineio.AsyncClient):  # type: ignore[misc]
    """Engine.IO client with a watchdog instead of a timer per message, and inline dispatch.

    ``stalled`` says why the last connection ended when it was the watchdog: a
    server that stopped answering without closing its socket, which a user
    needs told apart from one that closed or refused.
    """

    stalled = False

    async def _read_loop_websocket(self) -> None:
        self.stalled = False
        if isinstance(self.ws, TextAsBytesWebSocket):
            self.ws.raw_text = True  # the handshake is done: text frames as bytes from here
        reader = asyncio.current_task()
        assert reader is not None
        limit = float(self.ping_interval + self.ping_timeout)
        state = {"received": 0, "stalled": False}
        watchdog = asyncio.ensure_future(self._watch(reader, limit, state))
        try:
            while self.state == "connected" and self.write_loop_task:
                try:
                    message = await self.ws.receive()
                except asyncio.CancelledError:
                    if not state["stalled"]:
                        raise
                    reader.uncancel()
                    self.stalled = True
                    self.logger.warning("Server has stopped communicating, aborting")
                    await self.queue.put(None)
                    break
                except Exception as exc:  # the socket is gone; the stock loop says the same
                    self.logger.info('Unexpected error receiving packet: "%s", aborting', exc)
                    await self.queue.put(None)
                    break
                state["received"] += 1
                data = message.data
                if not isinstance(data, (str, bytes)):  # a close frame, or the socket closed
                    self.logger.info("Server sent %s, aborting", message.type)
                    await self.queue.put(None)
                    break
                raw_text = type(data) is bytes and message.type is _TEXT
                if raw_text and len(data) >= LONG_PACKET and data[:1] == _MESSAGE:
                    await self._deliver(LongText(memoryview(data)[1:]))
                else:
                    try:
                        text_or_binary = data.decode("utf-8") if raw_text else data
                        pkt = engine_packet.Packet(encoded_packet=text_or_binary)
                    except Exception as exc:  # not UTF-8: aiohttp's decoding would have said so
                        self.logger.info('Unexpected error decoding packet: "%s", aborting', exc)
                        await self.queue.put(None)
                        break
                    await self._receive_packet(pkt)
                if state["received"] % YIELD_EVERY == 0:
                    # Buffered messages are read without suspending: let the GUI in.
                    await asyncio.sleep(0)
        finally:
            watchdog.cancel()
        await self._finish_read_loop()

    async def _watch(self, reader: asyncio.Task[Any], limit: float, state: dict[str, Any]) -> None:
        """Cancel the read after ``limit`` s without a message; checked four times as often."""
        loop = asyncio.get_running_loop()
        seen, quiet_since = -1, loop.time()
        while True:
            await asyncio.sleep(limit / 4)
            if state["received"] != seen:
                seen, quiet_since = state["received"], loop.time()
            elif loop.time() - quiet_since >= limit:
                state["stalled"] = True
                reader.cancel()
                return

    async def _finish_read_loop(self) -> None:
        """What the stock loop does once reading stops: end the writer, report the disconnect."""
        if self.write_loop_task:
            await self.write_loop_task
        if self.state == "connected":
            await self._trigger_event("disconnect", self.reason.TRANSPORT_ERROR, run_async=False)
            with contextlib.suppress(ValueError):
                engineio.base_client.connected_clients.remove(self)
            await self._reset()
        self.logger.info("Exiting read loop task")

    async def _receive_packet(self, pkt: Any) -> None:
        if pkt.packet_type != engine_packet.MESSAGE:
            await super()._receive_packet(pkt)
            return
        await self._deliver(pkt.data)

    async def _deliver(self, data: str | bytes | LongText) -> None:
        """Hand a message to Socket.IO, as the stock client's task would, without the task."""
        handler = self.handlers.get("message")
        if handler is None:
            return
        try:
            await handler(data)
        except Exception as exc:  # a task's error would have gone to the loop's handler too
            asyncio.get_running_loop().call_exception_handler(
                {"message": "Error in a Socket.IO message handler", "exception": exc}
            )


class TextAsBytesWebSocket(aiohttp.ClientWebSocketResponse):
    """aiohttp's client websocket, giving text frames as their UTF-8 bytes once asked to.

    The connection is opened with ``decode_text=False``; until ``raw_text`` is
    set (by the read loop, once the Engine.IO handshake is done) text frames
    are decoded here, so the handshake reads what it always read.
    """

    raw_text = False

    async def receive(self, timeout: float | None = None) -> Any:
        message = await super().receive(timeout)
        if self.raw_text or type(message.data) is not bytes or message.type is not _TEXT:
            return message
        return aiohttp.WSMessage(_TEXT, message.data.decode("utf-8"), None)


def text_as_bytes_session(
    connector: aiohttp.BaseConnector | None = None,
) -> aiohttp.ClientSession:
    """An HTTP session whose websockets are ``TextAsBytesWebSocket``: ``MonitorClient``'s."""
    return aiohttp.ClientSession(connector=connector, ws_response_class=TextAsBytesWebSocket)


class JoinWatch:
    """How a ``connect`` that reached the server ended, for the sentence that says why.

    Mixed in before ``socketio.AsyncClient``. python-socketio waits out its whole
    timeout when the server closes the connection, or answers as Socket.IO 2,
    while the namespaces are joined; here the wait ends at once and says which.
    """

    #: The engine connected during the last ``connect`` (the server was reached).
    engine_connected = False
    #: The server closed the engine connection while the namespaces were being joined.
    closed_while_joining = False
    #: A CONNECT came back without a sid: a Socket.IO 2 server.
    socketio_2_seen = False

    async def connect(self, *args: Any, **kwargs: Any) -> None:
        self.engine_connected = self.closed_while_joining = self.socketio_2_seen = False
        await super().connect(*args, **kwargs)  # type: ignore[misc]

    async def _handle_eio_connect(self) -> None:
        self.engine_connected = True
        await super()._handle_eio_connect()  # type: ignore[misc]

    async def _handle_connect(self, namespace: str | None, data: Any) -> None:
        if not (isinstance(data, dict) and "sid" in data):
            # Socket.IO 3+ answers a CONNECT with the socket's own sid; Socket.IO 2 never does.
            self.socketio_2_seen = True
            self._give_up_joining()
            return
        await super()._handle_connect(namespace, data)  # type: ignore[misc]

    async def _handle_eio_disconnect(self, reason: Any = None) -> None:
        joined = getattr(self, "connected", False)
        if not joined and self.engine_connected and not getattr(self, "failed_namespaces", None):
            # Not our own disconnect after a refusal (the namespace is in failed_namespaces).
            self.closed_while_joining = True
            self._give_up_joining()
        await super()._handle_eio_disconnect(reason)  # type: ignore[misc]

    def _give_up_joining(self) -> None:
        """End ``connect``'s wait for the namespaces now, instead of at its timeout."""
        wanted = getattr(self, "connection_namespaces", None) or []
        joined = getattr(self, "namespaces", {})
        self.failed_namespaces = [n for n in wanted if n not in joined]
        event = getattr(self, "_connect_event", None)
        if event is not None:
            event.set()


class MonitorClient(JoinWatch, socketio.AsyncClient):  # type: ignore[misc]
    """``socketio.AsyncClient`` on the watched engine client, decoding with ``WirePacket``.

    ``http_session``, when given, must make its sessions with
    ``text_as_bytes_session()``: the websocket is opened without decoding text frames.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("serializer", WirePacket)
        kwargs.setdefault("http_session", text_as_bytes_session)
        kwargs.setdefault(
            "websocket_extra_options", {"max_msg_size": MAX_MESSAGE_BYTES, "decode_text": False}
        )
        super().__init__(*args, **kwargs)

    async def _handle_eio_message(self, data: Any) -> None:
        if isinstance(data, LongText) and self._binary_packet:
            data = data.text()  # a text message where an attachment was due: as the stock client
        elif isinstance(data, LongText) and len(data.data) >= OFF_THREAD_BYTES:
            # Parsed on a worker thread, the window painting meanwhile; the read loop
            # awaits this before it reads on, so the events keep their order.
            data = await decode_off_thread(data)
        await super()._handle_eio_message(data)

    def _engineio_client_class(self) -> type[engineio.AsyncClient]:
        return WatchedEngineClient

    @property
    def stalled(self) -> bool:
        """The last connection ended because the server went silent past its ping timeout."""
        return bool(getattr(self.eio, "stalled", False))
