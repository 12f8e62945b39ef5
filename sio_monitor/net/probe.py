"""The probe: an ordinary Socket.IO client for the emit console and ``sio-monitor emit``.

It connects to one or several namespaces with the ``auth``, headers and query
a user chose, sends events with typed arguments, measures ack round trips,
catches every event the server sends and answers the server's own acks with
a reply configured per event name. As with the admin client, everything that
happens goes to a sink as a typed event, and every failure is a sentence.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import json
import logging
import re
import ssl
import time
from collections.abc import Callable, Sequence
from typing import Any

import aiohttp
import socketio

from sio_monitor.domain.emit.probe_events import (
    EmitResult,
    ProbeAckReceived,
    ProbeAckTimedOut,
    ProbeEmitted,
    ProbeEventReceived,
    ProbeState,
    ProbeStateChanged,
)
from sio_monitor.domain.emit.probe_settings import ProbeSettings
from sio_monitor.domain.events import FailureKind
from sio_monitor.net.certificates import PROBE_SECRETS
from sio_monitor.net.eio3 import SocketIO2Mixin, engineio_3_session
from sio_monitor.net.engine import MAX_MESSAGE_BYTES, JoinWatch
from sio_monitor.net.failures import (
    NAMESPACE_FAILURE,
    NAMESPACE_REFUSALS,
    describe_connect_error,
    diagnose_transport_failure,
)
from sio_monitor.net.parsers import (
    answers_at_all,
    other_parser,
    parser_mismatch_message,
    serializer_for,
)
from sio_monitor.net.teardown import abandon

log = logging.getLogger(__name__)

Sink = Callable[[object], None]

#: Event names Socket.IO keeps for itself: clients may not emit them.
RESERVED_EVENTS = frozenset(
    {"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"}
)
#: What python-engineio says when a polling handshake was not Engine.IO 4.
_FOREIGN_HANDSHAKE = ("OPEN packet not returned by server", "Unexpected response from server")
#: The start of an Engine.IO 3 polling payload: "<length>:" text framing, or its binary form.
_EIO3_PAYLOAD = re.compile(rb"\d+:0\{|\x00[\x00-\x09]+\xff0")


class EmitError(RuntimeError):
    """An emit that cannot go out; the message is the sentence to show."""


class _AckAwareClient(JoinWatch, socketio.AsyncClient):  # type: ignore[misc]
    """A client that tells its handlers whether the server asked for an ack.

    python-socketio hands a catch-all handler the event and its arguments but
    not the packet's ack id, and the probe must record what it answered. The
    flag is set and read with no await in between, so concurrent handlers
    never see each other's.
    """

    ack_requested = False

    async def _handle_event(self, namespace: str, ack_id: int | None, data: list[Any]) -> None:
        self.ack_requested = ack_id is not None
        await super()._handle_event(namespace, ack_id, data)

    async def _handle_eio_message(self, data: Any) -> None:
        # After a CONNECT without a sid (Socket.IO 2) this client would misread what follows
        # (its binary frames carry a type byte): the probe starts over as Socket.IO 2.
        if not self.socketio_2_seen:
            await super()._handle_eio_message(data)


class _AckAwareSocketIO2Client(SocketIO2Mixin, _AckAwareClient):
    """The same, talking to a Socket.IO 2 server (see net/eio3)."""


class ProbeClient:
    """One probe connection; its state and everything it hears go to the sink."""

    def __init__(
        self,
        settings: ProbeSettings,
        sink: Sink,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        #: Per event name, the arguments answered when the server asks for an ack.
        self.ack_replies: dict[str, tuple[Any, ...]] = {}
        self.state = ProbeState.DISCONNECTED
        self.sid: str | None = None
        self.transport: str | None = None
        self.connected_namespaces: tuple[str, ...] = ()
        self.failure: FailureKind | None = None
        self.failure_message: str | None = None
        self._sink = sink
        self._clock = clock
        self._ids = itertools.count(1)
        self._send_lock = asyncio.Lock()
        self._refusals: dict[str, str] = {}
        self._held: list[ProbeEventReceived] | None = None  # a connect() is under way
        self._closing = False
        #: The server's Socket.IO major version once connected: 2, or 4 for 3 and 4 alike.
        self.socketio_version: int | None = None
        self._sio = self._make_client(socketio_2=False)

    def _make_client(self, *, socketio_2: bool) -> _AckAwareClient:
        """A python-socketio client for the server's protocol, with the probe's handlers."""
        settings = self.settings
        client_class = _AckAwareSocketIO2Client if socketio_2 else _AckAwareClient
        sio = client_class(
            reconnection=settings.reconnection,
            reconnection_delay=settings.reconnection_delay,
            reconnection_delay_max=settings.reconnection_delay_max,
            handle_sigint=False,
            ssl_verify=settings.verify_tls,
            http_session=functools.partial(self._make_http_session, engineio_3=socketio_2),
            serializer=serializer_for(settings.parser),
            websocket_extra_options={"max_msg_size": MAX_MESSAGE_BYTES},
        )
        for ns in settings.namespaces:
            sio.on("connect", functools.partial(self._on_connect, ns), namespace=ns)
            sio.on("disconnect", functools.partial(self._on_disconnect, ns), namespace=ns)
            sio.on("connect_error", functools.partial(self._on_refused, ns), namespace=ns)
            sio.on("*", functools.partial(self._on_event, ns), namespace=ns)
        return sio

    # --- public ------------------------------------------------------------------

    async def connect(self) -> bool:
        """Connect once; on failure say why (sink, ``failure``) and return False.

        Events that arrive while connecting are handed over after the CONNECTED
        state, so a reader sees the state first (after a failure, not at all)."""
        if self.state is ProbeState.CONNECTED:
            return True
        self.failure = self.failure_message = None
        self._refusals.clear()
        self._closing = False
        self._set_state(ProbeState.CONNECTING, f"Connecting to {self.settings.where}…")
        self._held = []
        try:
            connected = await self._attempt()
        finally:
            held, self._held = self._held, None
        for event in held if connected else ():
            self._sink(event)
        return connected

    async def _attempt(self) -> bool:
        """Connect; a Socket.IO 2 server is found on the way and connected to as such."""
        connected = await self._attempt_once()
        if connected is not None:
            return connected
        await self._abandon()
        if self._held is not None:
            self._held.clear()  # heard through the wrong protocol: not what the server sent
        self._sio = self._make_client(socketio_2=True)
        again = await self._attempt_once()
        return bool(again)

    async def _attempt_once(self) -> bool | None:
        """True or False as ``connect`` returns; None for a Socket.IO 2 server met as 3+."""
        socketio_2 = isinstance(self._sio, SocketIO2Mixin)
        try:
            await asyncio.wait_for(
                self._sio.connect(
                    self.settings.connect_url(),
                    headers=dict(self.settings.headers),
                    auth=self.settings.auth,
                    transports=self.settings.transports,
                    namespaces=list(self.settings.namespaces),
                    socketio_path=self.settings.path,
                    # The outer timeout must speak first: it says "no answer", not "error".
                    wait_timeout=self.settings.connect_timeout + 1,
                ),
                self.settings.connect_timeout,
            )
        except TimeoutError:
            reached = self._sio.engine_connected
            await self._abandon()
            if reached and await self._answers_in_other_parser():
                return self._fail(FailureKind.PROTOCOL, self._parser_sentence())
            settings = self.settings.connection_settings()
            return self._fail(*describe_connect_error(settings, "timed out", None))
        except (socketio.exceptions.ConnectionError, ValueError, OSError) as exc:
            closed = self._sio.closed_while_joining
            await self._abandon()
            if not socketio_2 and self._sio.socketio_2_seen:
                return None
            if closed and await self._answers_in_other_parser():
                return self._fail(FailureKind.PROTOCOL, self._parser_sentence())
            foreign = any(text in str(exc) for text in _FOREIGN_HANDSHAKE)
            if not socketio_2 and foreign and await self._speaks_engineio_3():
                return None
            return self._fail(*await self._diagnose(str(exc)))
        if not socketio_2 and self._speaks_socketio_2():
            return None
        self.socketio_version = 2 if socketio_2 else 4
        self._announce_connected(again=False)
        return True

    async def _answers_in_other_parser(self) -> bool:
        """Whether the namespaces answer a client using the other parser (see net/parsers)."""
        settings = self.settings
        other = _AckAwareClient(
            reconnection=False,
            handle_sigint=False,
            ssl_verify=settings.verify_tls,
            http_session=self._make_http_session,
            serializer=serializer_for(other_parser(settings.parser)),
        )
        return await answers_at_all(
            other,
            settings.connect_url(),
            settings.connect_timeout,
            headers=dict(settings.headers),
            auth=settings.auth,
            transports=settings.transports,
            namespaces=list(settings.namespaces),
            socketio_path=settings.path,
        )

    def _parser_sentence(self) -> str:
        return parser_mismatch_message(self.settings.where, self.settings.parser)

    def sid_of(self, namespace: str) -> str | None:
        """The socket id on one namespace (each namespace has its own); None when not connected."""
        return self._sio.get_sid(namespace)

    async def emit(
        self,
        namespace: str,
        event: str,
        args: Sequence[Any],
        *,
        ack_timeout: float | None = None,
    ) -> EmitResult:
        """Send one event; with ``ack_timeout``, wait that long for the ack and time its round trip.

        Returns once the packet is written to the connection (and the ack is
        in, or the wait is over). EmitError says why it could not go out.
        """
        self._check_emit(namespace, event, ack_timeout)
        values = tuple(args)
        emit_id = next(self._ids)
        reply: asyncio.Future[tuple[Any, float]] = asyncio.get_running_loop().create_future()

        def on_ack(*data: Any) -> None:
            if not reply.done():
                reply.set_result((data, time.perf_counter()))

        at, callback = self._clock(), None if ack_timeout is None else on_ack
        async with self._send_lock:  # python-socketio's emit must not interleave binary packets
            started = time.perf_counter()
            try:
                await self._sio.emit(event, values, namespace=namespace, callback=callback)
            except socketio.exceptions.SocketIOError as exc:
                raise EmitError(f"The event could not be sent: {exc}") from None
            await self._flush()
        self._sink(ProbeEmitted(emit_id, namespace, event, values, at, ack_timeout))
        if ack_timeout is None:
            return EmitResult(emit_id, acked=False)
        remaining = ack_timeout - (time.perf_counter() - started)
        try:
            data, arrived = await asyncio.wait_for(reply, max(0.0, remaining))
        except TimeoutError:
            self._sink(ProbeAckTimedOut(emit_id, ack_timeout, self._clock()))
            return EmitResult(emit_id, acked=False, timed_out=True)
        rtt_ms = (arrived - started) * 1000.0
        self._sink(ProbeAckReceived(emit_id, data, rtt_ms, self._clock()))
        return EmitResult(emit_id, acked=True, reply=data, rtt_ms=rtt_ms)

    async def close(self) -> None:
        """Stop for good (reconnection too), within a bounded time."""
        self._closing = True
        await self._abandon()
        if self.state is not ProbeState.DISCONNECTED:
            self._set_state(ProbeState.DISCONNECTED, "Disconnected.")

    # --- socket.io handlers: record, hand over, nothing else -----------------------

    def _on_event(self, namespace: str, event: str, *args: Any) -> tuple[Any, ...] | None:
        reply = tuple(self.ack_replies.get(event, ())) if self._sio.ack_requested else None
        received = ProbeEventReceived(namespace, event, args, self._clock(), reply)
        if self._held is not None:
            self._held.append(received)
        else:
            self._sink(received)
        return reply  # python-socketio sends a returned tuple as the ack's arguments

    def _on_connect(self, namespace: str) -> None:
        if self._held is not None or self._closing:
            return  # connect() announces the first connection itself, after its checks
        if all(ns in self._sio.namespaces for ns in self.settings.namespaces):
            self._announce_connected(again=True)

    def _on_disconnect(self, namespace: str, reason: Any = None) -> None:
        if self._held is not None or self._closing:
            return
        where = self.settings.where
        left = tuple(n for n in self.connected_namespaces if n != namespace)
        if reason == self._sio.reason.SERVER_DISCONNECT:
            state = ProbeState.CONNECTED if left else ProbeState.DISCONNECTED
            message = f"Disconnected: {where} closed the connection."
            if left:
                message = f"The server closed {namespace}; still connected on {', '.join(left)}."
        elif self.state is not ProbeState.CONNECTED:
            return  # one loss disconnects every namespace: said once
        elif self.settings.reconnection:
            state = ProbeState.RECONNECTING
            message = f"Lost the connection to {where}; reconnecting."
        else:
            state = ProbeState.DISCONNECTED
            message = f"Disconnected: lost the connection to {where}."
        self.connected_namespaces = left
        self._set_state(state, message)

    def _on_refused(self, namespace: str, *data: Any) -> None:
        if data:
            self._refusals.setdefault(namespace, _refusal_text(data[0]))

    # --- internals -----------------------------------------------------------------

    def _check_emit(self, namespace: str, event: str, ack_timeout: float | None) -> None:
        if not event:
            raise EmitError("Type an event name.")
        if event in RESERVED_EVENTS:
            raise EmitError(f'"{event}" is reserved by Socket.IO: choose another event name.')
        if ack_timeout is not None and not ack_timeout > 0:
            raise EmitError("The ack timeout must be more than 0 seconds.")
        if namespace not in self._sio.namespaces:
            if namespace not in self.settings.namespaces:
                raise EmitError(f"{namespace} is not one of the namespaces of this connection.")
            if self.state is ProbeState.RECONNECTING:
                raise EmitError(f"Not connected to {namespace} while reconnecting: wait a moment.")
            raise EmitError(f"Not connected to {namespace}: connect first.")

    async def _flush(self) -> None:
        """Wait until python-engineio has written out its queue: "sent" means on the wire."""
        try:
            await asyncio.wait_for(self._sio.eio.queue.join(), self.settings.connect_timeout)
        except TimeoutError:
            raise EmitError(
                f"The event could not be written to {self.settings.where} within "
                f"{self.settings.connect_timeout:g} s: the connection stalled."
            ) from None

    async def _diagnose(self, error: str) -> tuple[FailureKind, str]:
        if NAMESPACE_FAILURE in error:
            return FailureKind.CREDENTIALS, self._refusal_sentence()
        return await diagnose_transport_failure(
            self.settings.connection_settings(), error, secrets=PROBE_SECRETS
        )

    def _refusal_sentence(self) -> str:
        if not self._refusals:
            return f"The server at {self.settings.where} refused the connection without a reason."
        namespace, said = next(iter(self._refusals.items()))
        if any(text in said.lower() for text in NAMESPACE_REFUSALS):
            return (
                f"Connection refused by the server: it has no namespace {namespace} "
                f"(it said: {said}). Check the namespace name."
            )
        on = f" on {namespace}" if len(self.settings.namespaces) > 1 else ""
        return f"Connection refused by the server{on}: {said}"

    def _speaks_socketio_2(self) -> bool:
        """Socket.IO 3 and 4 give each namespace its own sid in the CONNECT reply;
        Socket.IO 2 sends none, and python-socketio then falls back to the engine's."""
        engine_sid = self._sio.eio.sid
        return any(self._sio.get_sid(ns) == engine_sid for ns in self.settings.namespaces)

    async def _speaks_engineio_3(self) -> bool:
        """Read one polling handshake by hand: Engine.IO 3 frames its payload with lengths."""
        timeout = aiohttp.ClientTimeout(total=max(1.0, self.settings.connect_timeout))
        try:
            async with (
                self._make_http_session() as http,
                http.get(self.settings.handshake_url("polling"), timeout=timeout) as response,
            ):
                head = await response.content.read(64)
        except (aiohttp.ClientError, TimeoutError, OSError):
            return False
        return _EIO3_PAYLOAD.match(head) is not None

    def _make_http_session(self, *, engineio_3: bool = False) -> aiohttp.ClientSession:
        """Headers as session defaults reach every request: the handshake on either
        transport and each later poll, which python-engineio would otherwise send bare.
        ``engineio_3``: websockets frame binary as Engine.IO 3 does."""
        ssl_option: ssl.SSLContext | bool = True
        if not self.settings.verify_tls:
            ssl_option = False
        elif self.settings.ca_file:
            ssl_option = ssl.create_default_context(cafile=self.settings.ca_file)
        connector = aiohttp.TCPConnector(ssl=ssl_option)
        if engineio_3:
            return engineio_3_session(headers=self.settings.headers, connector=connector)
        return aiohttp.ClientSession(headers=self.settings.headers, connector=connector)

    def _announce_connected(self, *, again: bool) -> None:
        namespaces = tuple(ns for ns in self.settings.namespaces if ns in self._sio.namespaces)
        self.connected_namespaces = namespaces
        self.sid = self._sio.get_sid(namespaces[0]) if namespaces else None
        self.transport = self._sio.transport()
        on = "" if namespaces == ("/",) else f" on {', '.join(namespaces)}"
        connected = "Connected again" if again else "Connected"
        where = self.settings.where
        message = f"{connected} to {where} as {self.sid} over {self.transport}{on}."
        if self.socketio_version == 2:
            message += " The server speaks Socket.IO 2 (Engine.IO 3)"
            message += (
                ", which takes no auth payload: the auth given was not sent."
                if self.settings.auth is not None
                else "."
            )
        self._set_state(ProbeState.CONNECTED, message)

    async def _abandon(self) -> None:
        await abandon(self._sio)

    def _fail(self, kind: FailureKind, sentence: str) -> bool:
        log.warning("%s", sentence)
        self.failure, self.failure_message = kind, sentence
        self._set_state(ProbeState.DISCONNECTED, sentence, kind)
        return False

    def _set_state(
        self, state: ProbeState, message: str, failure: FailureKind | None = None
    ) -> None:
        self.state = state
        if state is not ProbeState.CONNECTED:
            self.sid = self.transport = None
            self.connected_namespaces = ()
        sid, transport, namespaces = self.sid, self.transport, self.connected_namespaces
        version = self.socketio_version if state is ProbeState.CONNECTED else None
        changed = ProbeStateChanged(
            state, message, self._clock(), sid, transport, namespaces, failure, version
        )
        self._sink(changed)


def _refusal_text(data: Any) -> str:
    """The server's reason: Node and python-socketio send {"message": …, "data"?: …}."""
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        extra = data.get("data")
        if extra is None:
            return data["message"]
        return f"{data['message']} ({json.dumps(extra, default=str, ensure_ascii=False)})"
    return data if isinstance(data, str) else json.dumps(data, default=str, ensure_ascii=False)
