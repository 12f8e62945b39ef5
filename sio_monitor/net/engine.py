"""A Socket.IO client whose receive path costs a third of the stock one per event.

The admin stream of a busy server is tens of thousands of small events per
second, and python-socketio's own receive path, measured against a flooding
server, spends about 32 us on each before any handler runs; the whole app's
budget is about 38 us (tests/benchmarks/bench_app.py). Three costs dominate,
and each is removed here without changing what the client delivers:

- ``engineio.json.loads`` builds a new ``JSONDecoder`` per call and runs a
  Python callback for every integer (to refuse integers of over 100 digits,
  whose conversion used to be quadratic). ``wire_json.loads`` parses with
  msgspec, four times faster here, and hands the stock function what msgspec
  refuses (NaN, lone surrogates), so payloads decode to what they did before,
  with one difference: integers of 101 to 4,300 digits, which the stock
  decoder refused (dropping the whole packet), are read; msgspec converts
  them in microseconds and refuses longer ones as Python itself does.
- The websocket read loop wraps each receive in ``asyncio.wait_for``: a task
  and a timer per message. Here the receive has no timeout; a watchdog task
  cancels it after ``ping_interval + ping_timeout`` of silence, the same
  limit, with the same "stopped communicating" outcome.
- Each message was dispatched in a task of its own. Here it is awaited in
  the read loop: the monitor's handlers are plain functions, and an error in
  one goes to the loop's exception handler as a task's error would.

Encoding stays with the standard library: the monitor sends little, and
msgspec would write NaN as null where ``json`` writes NaN.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import engineio
import msgspec
import socketio
from engineio import json as engineio_json
from engineio import packet as engine_packet

from sio_monitor.domain.format import dumps_deep, loads_deep

_decode = msgspec.json.Decoder().decode

#: Messages read in a row before the loop yields. A receive returns without suspending
#: while the socket has data buffered, so without this a flood would hold the thread;
#: 64 events are about 1 ms of work, well inside the 30 ms the views coalesce over.
YIELD_EVERY = 64


#: The largest websocket message taken; aiohttp's default (4 MB) drops the connection on a
#: 10 MB event, and a monitor must show such an event, not lose the connection over it.
MAX_MESSAGE_BYTES = 256 * 1024 * 1024


class wire_json:  # noqa: N801 - stands in for a module: python-socketio calls json.loads/dumps
    """msgspec for decoding, with the stock decoder for whatever msgspec refuses.

    Both nest by recursion; a payload nested deeper than they go (10,000 levels is
    a few kilobytes) is decoded and encoded by ``domain.format``'s explicit-stack
    versions instead of failing the whole message.
    """

    @staticmethod
    def dumps(value: Any, **options: Any) -> str:
        try:
            return str(engineio_json.dumps(value, **options))
        except RecursionError:
            return dumps_deep(value, separators=options.get("separators", (", ", ": ")))

    @staticmethod
    def loads(text: str | bytes, **options: Any) -> Any:
        try:
            try:
                return _decode(text)
            except msgspec.DecodeError:
                return engineio_json.loads(text, **options)
        except RecursionError:
            return loads_deep(text, parse_int=engineio_json._safe_int)


class WatchedEngineClient(engineio.AsyncClient):  # type: ignore[misc]
    """Engine.IO client with a watchdog instead of a timer per message, and inline dispatch.

    ``stalled`` says why the last connection ended when it was the watchdog: a
    server that stopped answering without closing its socket, which a user
    needs told apart from one that closed or refused.
    """

    stalled = False

    async def _read_loop_websocket(self) -> None:
        self.stalled = False
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
                try:
                    pkt = engine_packet.Packet(encoded_packet=data)
                except Exception as exc:
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
        handler = self.handlers.get("message")
        if handler is None:
            return
        try:
            await handler(pkt.data)
        except Exception as exc:  # a task's error would have gone to the loop's handler too
            asyncio.get_running_loop().call_exception_handler(
                {"message": "Error in a Socket.IO message handler", "exception": exc}
            )


class MonitorClient(socketio.AsyncClient):  # type: ignore[misc]
    """``socketio.AsyncClient`` on the watched engine client, decoding with ``wire_json``.

    python-socketio sets the JSON module on its packet classes, process-wide;
    ``wire_json`` decodes exactly what the stock module does, so that is safe.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("json", wire_json)
        kwargs.setdefault("websocket_extra_options", {"max_msg_size": MAX_MESSAGE_BYTES})
        super().__init__(*args, **kwargs)

    def _engineio_client_class(self) -> type[engineio.AsyncClient]:
        return WatchedEngineClient

    @property
    def stalled(self) -> bool:
        """The last connection ended because the server went silent past its ping timeout."""
        return bool(getattr(self.eio, "stalled", False))
