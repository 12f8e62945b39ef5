"""Socket.IO packets off the wire: what the stock parser gives, for less of the GUI thread.

Two costs are removed here without changing what any message decodes to.

Small messages: ``engineio.json.loads`` builds a new ``JSONDecoder`` per call
and runs a Python callback for every integer (to refuse integers of over 100
digits, whose conversion used to be quadratic). ``wire_json.loads`` parses
with msgspec, four times faster, and hands the stock function what msgspec
refuses (NaN, lone surrogates), so payloads decode to what they did before,
with one difference: integers of 101 to 4,300 digits, which the stock decoder
refused (dropping the whole packet), are read; msgspec converts them in
microseconds and refuses longer ones as Python itself does.

Long messages (a 10 MB argument) cost little per event but all of it at once.
The stock path decodes the frame's UTF-8 into a string, copies it twice
(Engine.IO and Socket.IO headers sliced off), looks for an attachment count's
dash through all of it, and then parses it: about 55 ms for 10 MB on the test
machine, most of it page faults for fresh copies. ``WirePacket`` reads a long
message's header from its head and has msgspec parse the body straight from
the frame's bytes (``LongText``): no copy before the one the result needs.

Multi-megabyte messages: even one parse takes the thread that runs it for
10-20 ms per 10 MB. ``decode_off_thread`` runs it on a worker thread (msgspec
lets other threads run while it parses) and hands the result back as a
``Decoded``, which ``WirePacket`` takes as it stands. The caller awaits it
before reading the next message, so events keep their order.
"""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
import socketio
from engineio import json as engineio_json

from sio_monitor.domain.format import dumps_deep, loads_deep

_decode = msgspec.json.Decoder().decode

#: Messages shorter than this are parsed by the stock code; the scans it makes cost nothing.
LONG_PACKET = 65_536
#: Characters a long packet's header is read from. Any header the stock parser accepts
#: that ends ``HEADER_MARGIN`` characters before the head's end reads the same from the
#: head alone: an attachment count has at most 10 digits and an ack id at most 100.
HEAD_CHARS = 4_096
HEADER_MARGIN = 128
#: Messages of at least this many bytes are decoded on a worker thread (``decode_off_thread``).
OFF_THREAD_BYTES = 1_048_576


def _text(data: str | bytes | memoryview) -> str:
    """The stock decoders take text; bytes that are not UTF-8 raise ``UnicodeDecodeError``,
    a ``ValueError``, as a malformed packet does."""
    return data if isinstance(data, str) else bytes(data).decode("utf-8")


class wire_json:  # noqa: N801 - stands in for a module: python-socketio calls json.loads/dumps
    """msgspec for decoding, with the stock decoder for whatever msgspec refuses.

    Both nest by recursion; a payload nested deeper than they go (10,000 levels is
    a few kilobytes) is decoded and encoded by ``domain.format``'s explicit-stack
    versions instead of failing the whole message. Encoding stays with the
    standard library: the monitor sends little, and msgspec would write NaN as
    null where ``json`` writes NaN.
    """

    @staticmethod
    def dumps(value: Any, **options: Any) -> str:
        try:
            return str(engineio_json.dumps(value, **options))
        except RecursionError:
            return dumps_deep(value, separators=options.get("separators", (", ", ": ")))

    @staticmethod
    def loads(text: str | bytes | memoryview, **options: Any) -> Any:
        try:
            try:
                return _decode(text)
            except msgspec.DecodeError:
                return engineio_json.loads(_text(text), **options)
        except RecursionError:
            return loads_deep(_text(text), parse_int=engineio_json._safe_int)


class LongText:
    """A long Socket.IO packet still as the UTF-8 bytes of its text frame."""

    __slots__ = ("data",)

    def __init__(self, data: memoryview) -> None:
        self.data = data

    def text(self) -> str:
        return _text(self.data)


class Decoded:
    """A packet decoded off the event loop's thread, for ``WirePacket`` to take as it stands."""

    __slots__ = ("packet",)

    def __init__(self, packet: WirePacket) -> None:
        self.packet = packet


def _decode_long(data: LongText) -> Decoded:
    return Decoded(WirePacket(encoded_packet=data))


async def decode_off_thread(data: LongText) -> Decoded:
    """Decode a long message on the loop's executor; a malformed one raises as inline."""
    return await asyncio.get_running_loop().run_in_executor(None, _decode_long, data)


class _Rest:
    """Stands in for the JSON module while a packet's head is parsed: keeps what is left."""

    def __init__(self) -> None:
        self.rest: str | None = None

    def loads(self, text: str) -> None:
        self.rest = text


class WirePacket(socketio.packet.Packet):  # type: ignore[misc]
    """The stock Socket.IO packet, reading a long message's header from its head.

    The header (type, attachment count, namespace, ack id) is parsed by the
    stock code on the first ``HEAD_CHARS`` characters; where that could read
    differently from the whole text (an exception, or no body left well within
    the head) the stock code parses the whole text instead, so every message
    decodes to exactly what it did. The packet class carries its own JSON
    module: python-socketio's own ``Packet`` class, and every other client in
    the process, keep the stock one.
    """

    json = wire_json

    def decode(self, encoded_packet: Any) -> int:
        if isinstance(encoded_packet, Decoded):
            done = encoded_packet.packet
            self.packet_type, self.namespace, self.id = done.packet_type, done.namespace, done.id
            self.data = done.data
            return int(done.attachment_count)
        if isinstance(encoded_packet, LongText):
            view = encoded_packet.data
            # A character cut at the head's end stays escaped; it lies past any header used.
            head = bytes(view[: HEAD_CHARS * 4]).decode("utf-8", "surrogateescape")[:HEAD_CHARS]
            found = self._decode_head(head)
            if found is None:
                return int(super().decode(encoded_packet.text()))
            attachments, header = found
            # Strict: a header that is not UTF-8 fails here, as decoding the frame would have.
            self.data = self.json.loads(view[len(header.encode("utf-8")) :])
            return attachments
        if not isinstance(encoded_packet, str) or len(encoded_packet) < LONG_PACKET:
            return int(super().decode(encoded_packet))
        found = self._decode_head(encoded_packet[:HEAD_CHARS])
        if found is None:
            return int(super().decode(encoded_packet))
        attachments, header = found
        self.data = self.json.loads(encoded_packet[len(header) :])
        return attachments

    def _decode_head(self, head: str) -> tuple[int, str] | None:
        """(attachment count, header text) as the stock parser reads them from ``head``;
        None where the whole text must be parsed to know."""
        rest = _Rest()
        self.json = rest  # an instance attribute: the class keeps its decoder
        try:
            attachments = int(super().decode(head))
        except ValueError:
            return None
        finally:
            del self.json
        if not rest.rest or len(rest.rest) < HEADER_MARGIN:
            return None
        return attachments, head[: len(head) - len(rest.rest)]
