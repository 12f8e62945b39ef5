"""The admin-protocol client: one connection to a server's admin namespace.

Its handlers do the least possible on the receive path: python-socketio awaits
each handler before it reads the next packet, so a handler decodes its payload
into a domain event and hands it to the sink, nothing more. Everything the
connection does (connecting, failing, losing the server, coming back) also goes
to the sink as a ``ConnectionChanged`` carrying the sentence a user should read,
so the window, the command-line tools and the tests all see one ordered stream.
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

from sio_monitor.domain.events import (
    ConfigReceived,
    ConnectionChanged,
    ConnectionState,
    DomainEvent,
    FailureKind,
    PayloadRejected,
    SessionReceived,
)
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.net import codec
from sio_monitor.net.failures import (
    NAMESPACE_FAILURE,
    describe_connect_error,
    diagnose_transport_failure,
    not_instrumented_message,
)

log = logging.getLogger(__name__)

Sink = Callable[[DomainEvent], None]

#: Seconds to wait for ``config`` after the namespace accepted us.
INSTRUMENTED_TIMEOUT = 5.0
#: Upper bound on every step of an orderly shutdown.
SHUTDOWN_STEP_TIMEOUT = 1.0


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
        self._closing = False
        self._ever_connected = False
        self._refusal: str | None = None
        self._sio = socketio.AsyncClient(
            reconnection=reconnection,
            reconnection_delay=0.5,
            reconnection_delay_max=5,
            handle_sigint=False,
            ssl_verify=settings.verify_tls,
            http_session=self._make_http_session if settings.ca_file else None,
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

    async def connect(self) -> bool:
        """Connect once; on failure say why through the sink and return False.

        Reconnection after a later loss is python-socketio's job; the first
        attempt is not retried, because a user who typed a wrong URL wants to
        hear so now, not after a minute of silent retries.
        """
        host, port = self.settings.host_port
        self._emit_state(ConnectionState.CONNECTING, f"Connecting to {host}:{port}…")
        self._refusal = None
        try:
            await self._connect_once()
        except TimeoutError:
            await self._abandon()
            self._fail(
                FailureKind.TIMEOUT,
                f"No answer from {host}:{port} within {self.settings.connect_timeout:g} s. "
                "Check the URL, and any firewall or proxy on the way to the server.",
            )
            return False
        except (socketio.exceptions.ConnectionError, ValueError, OSError) as exc:
            await self._abandon()
            if NAMESPACE_FAILURE in str(exc):
                kind, sentence = describe_connect_error(self.settings, str(exc), self._refusal)
            else:
                kind, sentence = await diagnose_transport_failure(self.settings, str(exc))
            self._fail(kind, sentence)
            return False
        return True

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
        now = self._clock()
        try:
            decoded = codec.decode(event, args, now)
        except codec.PayloadError as exc:
            log.warning("Dropped a malformed %r payload: %s", event, exc)
            self._sink(PayloadRejected(event, str(exc), now))
            return
        if isinstance(decoded, ConfigReceived):
            self._features = decoded.features
            self._config_seen.set()
        elif isinstance(decoded, SessionReceived):
            self._session_id = decoded.session_id
        self._sink(decoded)

    def _on_connect(self) -> None:
        host, port = self.settings.host_port
        again = " again" if self._ever_connected else ""
        self._ever_connected = True
        self._emit_state(ConnectionState.CONNECTED, f"Connected{again} to {host}:{port}.")
        if self._watchdog is not None:
            self._watchdog.cancel()
        self._config_seen.clear()
        self._watchdog = asyncio.ensure_future(self._expect_config())

    def _on_disconnect(self, *reason: Any) -> None:
        if self._closing:
            return
        host, port = self.settings.host_port
        self._emit_state(
            ConnectionState.RECONNECTING,
            f"Lost the connection to {host}:{port}; reconnecting. "
            "The figures shown are the last ones received.",
        )
        # python-socketio only retries lost transports; a server that closed our
        # socket on its way down (a deploy, a restart) must be retried too.
        server_closed = bool(reason) and reason[0] == self._sio.reason.SERVER_DISCONNECT
        if server_closed and (self._recovery is None or self._recovery.done()):
            self._recovery = asyncio.ensure_future(self._recover())

    async def _recover(self) -> None:
        delay = 0.5
        while not self._closing:
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
            if self._sio.connected or self._closing:
                return
            try:
                await self._connect_once()
            except (socketio.exceptions.ConnectionError, ValueError, OSError, TimeoutError):
                log.debug("Reconnect attempt failed; next in %.1f s", delay)
            else:
                return

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
        context = ssl.create_default_context(cafile=self.settings.ca_file)
        return aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context))

    async def _expect_config(self) -> None:
        try:
            await asyncio.wait_for(self._config_seen.wait(), self._instrumented_timeout)
        except TimeoutError:
            self._closing = True
            self._fail(FailureKind.NOT_INSTRUMENTED, not_instrumented_message(self.settings))
            await self._abandon()

    async def _abandon(self) -> None:
        """Tear the client down; each step bounded so a dead host cannot hold up exit."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._sio.shutdown(), SHUTDOWN_STEP_TIMEOUT)
        eio = self._sio.eio
        with contextlib.suppress(Exception):
            await asyncio.wait_for(eio.disconnect(abort=True), SHUTDOWN_STEP_TIMEOUT)
        http = getattr(eio, "http", None)
        if http is not None and not getattr(eio, "external_http", False) and not http.closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(http.close(), SHUTDOWN_STEP_TIMEOUT)

    def _fail(self, kind: FailureKind, sentence: str) -> None:
        log.warning("%s", sentence)
        self._config_seen.set()  # release anyone waiting for the configuration
        self._emit_state(ConnectionState.FAILED, sentence, kind)

    def _emit_state(
        self, state: ConnectionState, message: str, failure: FailureKind | None = None
    ) -> None:
        self._sink(ConnectionChanged(state, message, self._clock(), failure))
