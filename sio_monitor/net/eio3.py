"""Socket.IO 2 (Engine.IO 3) for the probe: python-socketio's client, adapted at its seams.

Socket.IO 2 servers are still common, and the emit console must reach them.
Rather than a second client written from scratch, python-engineio's and
python-socketio's own clients are used, and only what Engine.IO 3 and the
Socket.IO 2 protocol do differently is changed, each at the one place the
libraries let it be changed:

- The URL says ``EIO=3``; polling asks for ``b64=1``, so every payload is text
  and binary travels as base64 (``b4<base64>``).
- Polling payloads are framed ``<length>:<packet>`` (the length in UTF-16
  units, as JavaScript counts) instead of split by the record separator:
  translated at the HTTP boundary (``_send_request``), so python-engineio's
  connect, read and write loops run unchanged.
- Binary websocket frames carry the packet type as a first byte: added and
  removed by the websocket class (``EngineIO3WebSocket``).
- The client pings and the server answers (the reverse of Engine.IO 4): a ping
  task sends ``2`` every ``pingInterval``; the server's ``3`` keeps the read
  loop's watchdog fed.
- Socket.IO 2 joins ``/`` by itself (the client sends no CONNECT for it), takes
  no ``auth`` payload, and names a namespace's socket ``/nsp#<engine id>``.

Everything else (packet encoding, binary attachments, acks both ways,
reconnection) is the libraries' own code.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aiohttp
import engineio
import socketio
from engineio import packet as engine_packet
from socketio import packet as socket_packet

#: The Engine.IO protocol revision a Socket.IO 2 server speaks.
ENGINE_IO_3 = 3
_RECORD_SEPARATOR = "\x1e"
_BINARY_FRAME_TYPE = bytes([engine_packet.MESSAGE])


def _utf16_units(text: str) -> int:
    """The length JavaScript gives a string: characters outside the BMP count twice."""
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


def decode_payload(text: str) -> list[str]:
    """Split an Engine.IO 3 text payload (``<length>:<packet>…``) into its packets.

    Raises ValueError when the framing is broken, as python-engineio's own
    decoder does for a malformed payload.
    """
    packets: list[str] = []
    at = 0
    while at < len(text):
        colon = text.find(":", at)
        if colon < 0 or not text[at:colon].isdigit():
            raise ValueError("Engine.IO 3 payload without a length")
        units, start = int(text[at:colon]), colon + 1
        end, counted = start, 0
        while counted < units and end < len(text):
            counted += 2 if ord(text[end]) > 0xFFFF else 1
            end += 1
        if counted != units:
            raise ValueError("Engine.IO 3 payload shorter than its length")
        packets.append(text[start:end])
        at = end
    return packets


def encode_payload(packets: list[str]) -> str:
    """Frame text packets as an Engine.IO 3 payload."""
    return "".join(f"{_utf16_units(p)}:{p}" for p in packets)


def to_engineio_4(text: str) -> str:
    """An Engine.IO 3 payload in Engine.IO 4's framing, for python-engineio's decoder.

    A base64 binary packet is ``b4<base64>`` in Engine.IO 3 and ``b<base64>`` in 4.
    """
    packets = decode_payload(text)
    return _RECORD_SEPARATOR.join("b" + p[2:] if p.startswith("b4") else p for p in packets)


def to_engineio_3(text: str) -> str:
    """python-engineio's Engine.IO 4 payload (what it POSTs) framed for Engine.IO 3.

    Text packets start with their type's digit and JSON escapes control
    characters, so the record separator only ever separates packets.
    """
    packets = text.split(_RECORD_SEPARATOR) if text else []
    return encode_payload(["b4" + p[1:] if p.startswith("b") else p for p in packets])


class _TranslatedResponse:
    """An aiohttp response whose body reads in Engine.IO 4's framing."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response
        self.status = response.status

    async def read(self) -> bytes:
        body = await self._response.read()
        if not 200 <= self.status < 300:
            return body
        try:
            return to_engineio_4(body.decode("utf-8")).encode("utf-8")
        except ValueError:
            return body  # python-engineio says "Unexpected response from server"

    async def json(self) -> Any:
        return await self._response.json()


class EngineIO3WebSocket(aiohttp.ClientWebSocketResponse):
    """aiohttp's websocket with Engine.IO 3's binary frames: a type byte, then the data."""

    async def receive(self, timeout: float | None = None) -> aiohttp.WSMessage:
        message = await super().receive(timeout)
        if message.type is aiohttp.WSMsgType.BINARY and message.data[:1] == _BINARY_FRAME_TYPE:
            return aiohttp.WSMessage(message.type, message.data[1:], message.extra)
        return message

    async def send_bytes(self, data: bytes, compress: int | None = None) -> None:
        await super().send_bytes(_BINARY_FRAME_TYPE + bytes(data), compress)


class EngineIO3Client(engineio.AsyncClient):  # type: ignore[misc]
    """python-engineio's client speaking Engine.IO 3: URL, payload framing, pings."""

    _pinger: asyncio.Task[None] | None = None

    def _get_engineio_url(self, url: str, engineio_path: str, transport: str) -> str:
        engine_url = str(super()._get_engineio_url(url, engineio_path, transport))
        engine_url = engine_url.replace("&EIO=4", f"&EIO={ENGINE_IO_3}")
        return engine_url + "&b64=1" if transport == "polling" else engine_url

    async def _send_request(
        self,
        method: str,
        url: str,
        headers: Any = None,
        body: Any = None,
        timeout: float | None = None,
    ) -> Any:
        if method == "POST" and isinstance(body, str):
            body = to_engineio_3(body)
        response = await super()._send_request(method, url, headers, body, timeout)
        if method == "GET" and isinstance(response, aiohttp.ClientResponse):
            return _TranslatedResponse(response)
        return response

    async def _trigger_event(self, event: str, *args: Any, **kwargs: Any) -> Any:
        if event == "connect":
            self._start_pinging()
        return await super()._trigger_event(event, *args, **kwargs)

    def _start_pinging(self) -> None:
        if self._pinger is None or self._pinger.done():
            self._pinger = asyncio.ensure_future(self._ping_loop())

    async def _ping_loop(self) -> None:
        """Engine.IO 3: the client pings every ``pingInterval``; the server answers."""
        while self.state == "connected":
            await asyncio.sleep(self.ping_interval)
            if self.state != "connected":
                break
            await self._send_packet(engine_packet.Packet(engine_packet.PING))

    async def _receive_packet(self, pkt: Any) -> None:
        if pkt.packet_type == engine_packet.PONG:
            return  # the answer to our ping: its arrival is what the read loop waits for
        await super()._receive_packet(pkt)

    async def _reset(self) -> None:
        pinger, self._pinger = self._pinger, None
        if pinger is not None and pinger is not asyncio.current_task():
            pinger.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pinger
        await super()._reset()


def engineio_3_session(**options: Any) -> aiohttp.ClientSession:
    """An HTTP session whose websockets frame binary as Engine.IO 3 does."""
    return aiohttp.ClientSession(ws_response_class=EngineIO3WebSocket, **options)


class SocketIO2Mixin:
    """The Socket.IO 2 protocol on python-socketio's client (mixed in before it).

    ``/`` is joined by the server itself, so no CONNECT is sent for it; the
    other namespaces are joined with a bare CONNECT (Socket.IO 2 has no auth
    payload). A namespace's socket id is ``/nsp#<engine id>``, as the server
    names it.
    """

    async def _handle_eio_connect(self) -> None:
        self.sid = self.eio.sid  # type: ignore[attr-defined]
        for namespace in self.connection_namespaces:  # type: ignore[attr-defined]
            if namespace != "/":
                connect = self.packet_class(socket_packet.CONNECT, namespace=namespace)  # type: ignore[attr-defined]
                await self._send_packet(connect)  # type: ignore[attr-defined]

    async def _handle_connect(self, namespace: str | None, data: Any) -> None:
        namespace = namespace or "/"
        if namespace not in self.connection_namespaces:  # type: ignore[attr-defined]
            return  # "/", joined by the server though only other namespaces were asked for
        sid = self.sid if namespace == "/" else f"{namespace}#{self.sid}"  # type: ignore[attr-defined]
        await super()._handle_connect(namespace, {"sid": sid})  # type: ignore[misc]

    def _engineio_client_class(self) -> type[engineio.AsyncClient]:
        return EngineIO3Client


class SocketIO2Client(SocketIO2Mixin, socketio.AsyncClient):  # type: ignore[misc]
    """python-socketio's AsyncClient talking to a Socket.IO 2 server."""
