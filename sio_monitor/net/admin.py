"""The admin-protocol client: one connection to a server's admin namespace.

Its handlers do the least possible on the receive path: python-socketio awaits
each handler before it reads the next packet, so a handler decodes its payload
into a domain event and hands it to the sink, nothing more. Everything the
connection does (connecting, failing, losing the server, coming back) also goes
to the sink as a ``ConnectionChanged`` carrying the sentence a user should read,
so the window, the command-line tools and the tests all see one ordered stream.

Reconnection is the client's own, for every way a connection ends that the
user did not ask for (a lost transport, a server going down, a server closing
our socket on a deploy): waits that double up to a cap, each shortened by a
random part so that many monitors cut off by one deploy do not all knock at
once, and every wait announced as a ``ReconnectScheduled`` before it starts,
so a view can count down to it. ``reconnect_now()`` cuts the wait short.

A server can also hang without closing anything (a stopped process, a dead
route): the engine gives up after its ping interval plus ping timeout of
silence, and the client tells that apart from a closed connection by how long
it had heard nothing (``ServerStalled``, then the sentence).

Server times more than a few seconds off the receive time are replaced by the
receive time here, before any view sees the event, and the offset is
announced (``ClockSkewMeasured``; see ``domain/topology/clock_skew.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import socketio

from sio_monitor.domain.compatibility import socketio_2_message
from sio_monitor.domain.events import (
    ConfigReceived,
    ConnectionChanged,
    ConnectionState,
    DomainEvent,
    FailureKind,
    PayloadRejected,
    ReconnectScheduled,
    ServerStalled,
    ServerStatsReceived,
    SessionReceived,
)
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.domain.topology.clock_skew import TOLERANCE, ServerClocks
from sio_monitor.net import codec
from sio_monitor.net.backoff import Backoff
from sio_monitor.net.engine import MonitorClient, text_as_bytes_session
from sio_monitor.net.failures import (
    CREDENTIAL_REFUSALS,
    FOREIGN_HANDSHAKE,
    NAMESPACE_FAILURE,
    closed_at_join_message,
    describe_connect_error,
    diagnose_transport_failure,
    not_instrumented_message,
    speaks_engineio_3,
)
from sio_monitor.net.parsers import (
    answers_at_all,
    other_parser,
    parser_mismatch_message,
    serializer_for,
)
from sio_monitor.net.teardown import SHUTDOWN_STEP_TIMEOUT, abandon

log = logging.getLogger(__name__)

Sink = Callable[[DomainEvent], None]

#: Seconds to wait for ``config`` after the namespace accepted us.
INSTRUMENTED_TIMEOUT = 5.0
_CONNECT_FAILURES = (socketio.exceptions.ConnectionError, ValueError, OSError, TimeoutError)
#: The engine's reason when the server said goodbye (a deploy closing its sockets).
SERVER_DISCONNECT = "server disconnect"
#: Share of the engine's allowance of silence that marks a loss as a hung server: the
#: engine gives up only after all of it, a closed socket ends at once.
STALL_SHARE = 0.9


class AdminClient:
    """Connects to one admin namespace and turns everything it hears into domain events."""

    def __init__(
        self,
        settings: ConnectionSettings,
        sink: Sink,
        *,
        instrumented_timeout: float = INSTRUMENTED_TIMEOUT,
        reconnection: bool = True,
        clock: Callable[[], float] = time.time,
        backoff: Backoff | None = None,
    ) -> None:
        self.settings = settings
        self._sink = sink
        self._clock = clock
        self._instrumented_timeout = instrumented_timeout
        self._namespace = settings.admin_namespace
        self._session_id: str | None = None
        self._features: frozenset[str] = frozenset()
        self._config_seen = asyncio.Event()
        self._watchdog: asyncio.Task[None] | None = None
        self._recovery: asyncio.Task[None] | None = None
        self._reconnection = reconnection
        self._backoff = backoff or Backoff()
        self._wake = asyncio.Event()
        self._closing = False
        self._resyncing = False
        self._ever_connected = False
        self._refusal: str | None = None
        self._heard = 0.0  # receive time of the latest admin event
        self._clocks = ServerClocks()
        self._sio = MonitorClient(
            reconnection=False,  # ours: explicit, observable, and for every kind of loss
            handle_sigint=False,
            ssl_verify=settings.verify_tls,
            http_session=self._make_http_session,
            serializer=serializer_for(settings.parser),
        )
        ns = self._namespace
        self._sio.on("connect", self._on_connect, namespace=ns)
        self._sio.on("disconnect", self._on_disconnect, namespace=ns)
        self._sio.on("connect_error", self._on_connect_error, namespace=ns)
        self._sio.on("*", self._on_event, namespace=ns)

    # --- public ------------------------------------------------------------

    @property
    def features(self) -> frozenset[str]:
        return self._features

    @property
    def connected(self) -> bool:
        return self._sio.connected and self._namespace in self._sio.namespaces

    @property
    def reconnecting(self) -> bool:
        return self._recovery is not None and not self._recovery.done()

    async def connect(self) -> bool:
        """Connect once; on failure say why through the sink and return False.

        Only a connection that was up is retried after a loss; the first
        attempt is not, because a user who typed a wrong URL wants to hear so
        now, not after a minute of silent retries.
        """
        host, port = self.settings.host_port
        self._emit_state(ConnectionState.CONNECTING, f"Connecting to {host}:{port}…")
        self._refusal = None
        try:
            await self._connect_once()
        except TimeoutError:
            reached = self._sio.engine_connected
            await self._abandon()
            if reached and await self._answers_in_other_parser():
                self._fail(FailureKind.PROTOCOL, self._parser_sentence())
                return False
            self._fail(
                FailureKind.TIMEOUT,
                f"No answer from {host}:{port} within {self.settings.connect_timeout:g} s. "
                "Check the URL, and any firewall or proxy on the way to the server.",
            )
            return False
        except (socketio.exceptions.ConnectionError, ValueError, OSError) as exc:
            sio = self._sio
            closed, socketio_2 = sio.closed_while_joining, sio.socketio_2_seen
            await self._abandon()
            if socketio_2 or (
                any(text in str(exc) for text in FOREIGN_HANDSHAKE)
                and await speaks_engineio_3(self.settings, self._make_http_session())
            ):
                self._fail(FailureKind.PROTOCOL, socketio_2_message(f"{host}:{port}"))
                return False
            if closed:
                if await self._answers_in_other_parser():
                    self._fail(FailureKind.PROTOCOL, self._parser_sentence())
                else:
                    self._fail(FailureKind.PROTOCOL, closed_at_join_message(self.settings))
                return False
            if NAMESPACE_FAILURE in str(exc):
                kind, sentence = describe_connect_error(self.settings, str(exc), self._refusal)
            else:
                kind, sentence = await diagnose_transport_failure(self.settings, str(exc))
            self._fail(kind, sentence)
            return False
        return True

    async def _answers_in_other_parser(self) -> bool:
        """Whether the admin namespace answers a client using the other parser.

        A server reached but silent or closing at the namespace is most often
        one whose parser is not the one chosen; one short attempt with the
        other tells it apart from a server whose instrumentation failed.
        """
        settings = self.settings
        other = MonitorClient(
            reconnection=False,
            handle_sigint=False,
            ssl_verify=settings.verify_tls,
            http_session=self._make_http_session,
            serializer=serializer_for(other_parser(settings.parser)),
        )
        return await answers_at_all(
            other,
            settings.url,
            settings.connect_timeout,
            headers=dict(settings.headers),
            auth=self._auth,
            transports=settings.transports,
            namespaces=[self._namespace],
            socketio_path=settings.path,
        )

    def _parser_sentence(self) -> str:
        host, port = self.settings.host_port
        return parser_mismatch_message(f"{host}:{port}", self.settings.parser)

    async def _connect_once(self) -> None:
        await asyncio.wait_for(
            self._sio.connect(
                self.settings.url,
                headers=dict(self.settings.headers),
                auth=self._auth,
                transports=self.settings.transports,
                namespaces=[self._namespace],
                socketio_path=self.settings.path,
                wait_timeout=self.settings.connect_timeout,
            ),
            timeout=self.settings.connect_timeout,
        )

    def reconnect_now(self) -> bool:
        """Cut the current reconnect wait short; False when no reconnection is waiting."""
        if not self.reconnecting:
            return False
        self._wake.set()
        return True

    async def resync(self) -> bool:
        """Join the admin namespace afresh, for the snapshot it sends to a new admin.

        The socket list is the only thing the admin protocol re-sends, and only
        to a new connection. The ``CONNECTED`` that follows makes the topology
        start over, and the snapshot fills it again. On failure the usual
        reconnection takes over; the return value says whether it worked.
        """
        if self._closing or self.reconnecting or not self.connected:
            return False
        host, port = self.settings.host_port
        self._resyncing = True
        try:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._sio.disconnect(), SHUTDOWN_STEP_TIMEOUT)
            await self._connect_once()
        except _CONNECT_FAILURES as exc:
            log.info("Refreshing the socket list failed: %s", exc)
            self._lost(f"Lost the connection to {host}:{port} while refreshing the socket list")
            return False
        finally:
            self._resyncing = False
        return True

    async def send(self, command: str, *args: Any) -> None:
        """Send an admin command (emit, join, leave, _disconnect); effects come back as events."""
        await self._sio.emit(command, tuple(args), namespace=self._namespace)

    async def close(self) -> None:
        """Stop for good, within a bounded time even mid-connect or mid-reconnect."""
        self._closing = True
        for task in (self._watchdog, self._recovery):
            if task is not None:
                task.cancel()
        await self._abandon()
        if self._ever_connected:
            self._emit_state(ConnectionState.DISCONNECTED, "Disconnected.")

    # --- socket.io handlers: decode, hand over, nothing else ------------------

    def _on_event(self, event: str, *args: Any) -> None:
        now = self._heard = self._clock()
        dropped: list[PayloadRejected] = []
        try:
            decoded = codec.decode(event, args, now, dropped)
        except codec.PayloadError as exc:
            log.warning("Dropped a malformed %r payload: %s", event, exc)
            self._sink(PayloadRejected(event, str(exc), now))
            return
        for part in dropped:  # the rest of the payload stands; what went is named
            log.warning("Dropped part of a malformed payload: %s", part.describe())
            self._sink(part)
        clocks = self._clocks
        offset = decoded.at - now  # zero for the events that carry no server time
        if offset > TOLERANCE or offset < -TOLERANCE or clocks.stream.held is not None:
            measured = clocks.to_receive_time(decoded, offset, now)
            if measured is not None:
                self._sink(measured)
        if type(decoded) is ServerStatsReceived:
            stats, measured = clocks.stats(decoded, now)
            self._sink(stats)
            if measured is not None:  # after the stats, so that the server it names is known
                self._sink(measured)
            return
        if isinstance(decoded, ConfigReceived):
            self._features = decoded.features
            self._config_seen.set()
        elif isinstance(decoded, SessionReceived):
            self._session_id = decoded.session_id
        self._sink(decoded)

    def _on_connect(self) -> None:
        host, port = self.settings.host_port
        if self._resyncing:
            message = f"Connected to {host}:{port}; the socket list was refreshed."
        else:
            again = " again" if self._ever_connected else ""
            message = f"Connected{again} to {host}:{port}."
        self._ever_connected = True
        self._heard = self._clock()
        self._emit_state(ConnectionState.CONNECTED, message)
        if self._watchdog is not None:
            self._watchdog.cancel()
        self._config_seen.clear()
        self._watchdog = asyncio.ensure_future(self._expect_config())

    def _on_disconnect(self, *reason: Any) -> None:
        if self._closing or self._resyncing:
            return
        host, port = self.settings.host_port
        if reason and reason[0] == SERVER_DISCONNECT:
            self._lost(f"Lost the connection to {host}:{port}: the server closed it")
            return
        stalled = self._stall()
        if stalled is not None:
            self._sink(stalled)
            self._lost(
                f"{host}:{port} stopped answering (nothing heard for "
                f"{stalled.silence:.0f} s; its pings are due every {stalled.ping_interval:g} s)"
            )
            return
        self._lost(f"Lost the connection to {host}:{port}")

    def _stall(self) -> ServerStalled | None:
        """A ``ServerStalled`` when the loss came after the engine's whole allowance of silence.

        The engine ends a connection without a word from the server only after
        ``ping_interval + ping_timeout`` (websocket) or ``max(...) + 5`` s (a
        long poll); a closed socket ends it at once, usually within a stats
        interval of the last event. Anything an admin hears counts, pings
        excepted: a connected admin hears stats every few seconds.
        """
        eio = getattr(self._sio, "eio", None)
        interval = getattr(eio, "ping_interval", None)
        timeout = getattr(eio, "ping_timeout", None)
        if not isinstance(interval, int | float) or not isinstance(timeout, int | float):
            return None
        now = self._clock()
        silence = now - self._heard
        allowance = min(interval + timeout, max(interval, timeout) + 5.0)
        if not self._heard or silence < STALL_SHARE * allowance:
            return None
        return ServerStalled(silence, float(interval), float(timeout), now)

    def _lost(self, what: str) -> None:
        self._emit_state(
            ConnectionState.RECONNECTING,
            f"{what}; reconnecting. The figures shown are the last ones received.",
        )
        if self._reconnection and not self._closing and not self.reconnecting:
            self._recovery = asyncio.ensure_future(self._recover())

    async def _recover(self) -> None:
        """Try again after each wait of the back-off until connected, closed or refused."""
        attempt = 0
        while not self._closing:
            attempt += 1
            delay = self._backoff.delay(attempt)
            now = self._clock()
            self._wake.clear()
            self._sink(ReconnectScheduled(attempt, now + delay, now))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)
            if self._closing or self.connected:
                return
            self._refusal = None
            try:
                await self._connect_once()
            except _CONNECT_FAILURES as exc:
                if self._refused_credentials(str(exc)):
                    return
                log.debug("Reconnect attempt %d failed: %s", attempt, exc)
            else:
                return

    def _refused_credentials(self, error: str) -> bool:
        """A server that now refuses the credentials will refuse them every time: stop."""
        said = (self._refusal or "").lower()
        if NAMESPACE_FAILURE not in error or not any(t in said for t in CREDENTIAL_REFUSALS):
            return False
        kind, sentence = describe_connect_error(self.settings, error, self._refusal)
        self._fail(kind, sentence)
        return True

    def _on_connect_error(self, data: Any = None) -> None:
        if isinstance(data, dict):
            message = data.get("message")
            self._refusal = message if isinstance(message, str) else str(data)
        elif data is not None:
            self._refusal = str(data)

    # --- internals ---------------------------------------------------------

    def _auth(self) -> dict[str, str] | None:
        """Credentials for each (re)connect; Node accepts a known session id first."""
        auth = self.settings.auth_payload()
        if self._session_id:
            auth = dict(auth or {}, sessionId=self._session_id)
        return auth

    def _make_http_session(self) -> aiohttp.ClientSession:
        if not self.settings.ca_file:
            return text_as_bytes_session()
        context = ssl.create_default_context(cafile=self.settings.ca_file)
        return text_as_bytes_session(aiohttp.TCPConnector(ssl=context))

    async def _expect_config(self) -> None:
        try:
            await asyncio.wait_for(self._config_seen.wait(), self._instrumented_timeout)
        except TimeoutError:
            self._closing = True
            self._fail(FailureKind.NOT_INSTRUMENTED, not_instrumented_message(self.settings))
            await self._abandon()

    async def _abandon(self) -> None:
        await abandon(self._sio)

    def _fail(self, kind: FailureKind, sentence: str) -> None:
        log.warning("%s", sentence)
        self._config_seen.set()  # release anyone waiting for the configuration
        self._emit_state(ConnectionState.FAILED, sentence, kind)

    def _emit_state(
        self, state: ConnectionState, message: str, failure: FailureKind | None = None
    ) -> None:
        self._sink(ConnectionChanged(state, message, self._clock(), failure))
