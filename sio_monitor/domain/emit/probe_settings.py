"""Probe settings: everything needed to reach a server as an ordinary Socket.IO client.

The probe is the emit console's own connection, separate from the admin one:
it joins the application's namespaces with whatever ``auth``, headers and
query the application expects. The window, the ``emit`` command and the tests
build this same object, and the preview of the handshake URL comes from the
rule the client library itself follows, so what is shown is what is sent.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlencode, urlsplit, urlunsplit

from sio_monitor.domain.sensitive import MASK, is_sensitive_name
from sio_monitor.domain.settings import (
    DEFAULT_PATH,
    TRANSPORT_CHOICES,
    ConnectionSettings,
    SettingsError,
)

#: Query parameters Engine.IO sets itself; a user's value would be overwritten or break it.
ENGINE_QUERY_KEYS = frozenset({"EIO", "transport", "sid", "t", "b64"})


@dataclass(frozen=True)
class ProbeSettings:
    url: str
    path: str = DEFAULT_PATH
    namespaces: tuple[str, ...] = ("/",)
    transport: str = "websocket"  # a key of TRANSPORT_CHOICES; "both" = polling, then upgrade
    auth: Any = None  # a JSON object sent as the Socket.IO auth payload; None = none
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    verify_tls: bool = True
    ca_file: str | None = None
    connect_timeout: float = 10.0
    reconnection: bool = True
    reconnection_delay: float = 1.0
    reconnection_delay_max: float = 5.0
    parser: str = "default"  # a key of PARSER_CHOICES: the server's Socket.IO parser

    def __repr__(self) -> str:
        # Tokens live in auth, headers and query: a log line shows their names only.
        hidden = "None" if self.auth is None else "<hidden>"
        return (
            f"ProbeSettings(url={self.url!r}, path={self.path!r}, "
            f"namespaces={self.namespaces!r}, transport={self.transport!r}, auth={hidden}, "
            f"headers={sorted(self.headers)!r}, query={sorted(self.query)!r}, "
            f"verify_tls={self.verify_tls!r}, ca_file={self.ca_file!r}, "
            f"connect_timeout={self.connect_timeout!r}, reconnection={self.reconnection!r})"
        )

    # --- derived values ----------------------------------------------------------

    @property
    def transports(self) -> list[str]:
        return list(TRANSPORT_CHOICES[self.transport])

    @property
    def host_port(self) -> tuple[str, int]:
        return self.connection_settings().host_port

    @property
    def where(self) -> str:
        host, port = self.host_port
        return f"{host}:{port}"

    def query_pairs(self) -> list[tuple[str, str]]:
        """The URL's own query, then the query table, in the order they are sent."""
        own = parse_qsl(urlsplit(self.url).query, keep_blank_values=True)
        return own + list(self.query.items())

    def connect_url(self) -> str:
        """The URL handed to the client library: scheme and host, plus every query parameter."""
        parts = urlsplit(self.url)
        return urlunsplit((parts.scheme, parts.netloc, "/", urlencode(self.query_pairs()), ""))

    def handshake_url(
        self, transport: str | None = None, masked: bool = False, engine_io: int = 4
    ) -> str:
        """The first URL requested, built by python-engineio's rule (query, transport, EIO).

        ``transport`` defaults to the first one tried. Each request also carries
        a ``t`` cache-busting timestamp, which is left out of the preview.
        ``masked``: secret query values shown as ``MASK``, for the screen.
        ``engine_io``: 3 for a Socket.IO 2 server (which polls in base64 text, ``b64=1``).
        """
        first = transport or TRANSPORT_CHOICES[self.transport][0]
        parts = urlsplit(self.url)
        scheme = "ws" if first == "websocket" else "http"
        if parts.scheme in ("https", "wss"):
            scheme += "s"
        query = "&".join(  # urlencode's rule, with a mask in place of each secret
            f"{quote_plus(name)}="
            + (MASK if masked and value and is_sensitive_name(name) else quote_plus(value))
            for name, value in self.query_pairs()
        )
        sep = "&" if query else ""
        tail = "&b64=1" if engine_io == 3 and first == "polling" else ""
        return (
            f"{scheme}://{parts.netloc}/{self.path.strip('/')}/?{query}{sep}"
            f"transport={first}&EIO={engine_io}{tail}"
        )

    def connection_settings(self) -> ConnectionSettings:
        """The same server as the admin connection sees it: its checks and diagnosis apply."""
        return ConnectionSettings(
            url=self.url,
            path=self.path,
            transport=self.transport,
            verify_tls=self.verify_tls,
            ca_file=self.ca_file,
            headers=dict(self.headers),
            connect_timeout=self.connect_timeout,
            parser=self.parser,
        )

    # --- validation --------------------------------------------------------------

    def validated(self) -> ProbeSettings:
        """Return self, or raise SettingsError with one sentence naming the bad field."""
        self.connection_settings().validated()  # URL, path, transport, header names
        path = urlsplit(self.url).path
        if path not in ("", "/"):
            raise SettingsError(
                f"The URL {self.url!r} has the path {path}, which a Socket.IO client ignores: "
                "put the namespace under Namespaces and the Socket.IO path under Path."
            )
        self._validate_namespaces()
        self._validate_auth()
        for name in self.query:
            if not name:
                raise SettingsError("A query parameter has no name.")
            if name in ENGINE_QUERY_KEYS:
                raise SettingsError(
                    f"The query parameter {name!r} is set by Engine.IO itself: choose another name."
                )
        if self.ca_file is not None and not os.path.isfile(self.ca_file):
            raise SettingsError(f"The CA bundle {self.ca_file!r} is not a readable file.")
        if not self.connect_timeout > 0:
            raise SettingsError("The connect timeout must be more than 0 seconds.")
        if not 0 < self.reconnection_delay <= self.reconnection_delay_max:
            raise SettingsError(
                "The reconnection delay must be more than 0 seconds and at most the maximum delay."
            )
        return self

    def _validate_namespaces(self) -> None:
        if not self.namespaces:
            raise SettingsError("Choose at least one namespace, such as /.")
        for name in self.namespaces:
            if not name.startswith("/"):
                raise SettingsError(f"The namespace {name!r} must start with '/', as in /chat.")
        if len(set(self.namespaces)) != len(self.namespaces):
            raise SettingsError("Each namespace may be listed only once.")

    def _validate_auth(self) -> None:
        if self.auth is None:
            return
        if not isinstance(self.auth, dict):
            raise SettingsError(
                'The auth payload must be a JSON object, as in {"token": "…"}: '
                "Socket.IO servers drop the connection on anything else."
            )
        try:
            json.dumps(self.auth, allow_nan=False)
        except (TypeError, ValueError):
            raise SettingsError(
                "The auth payload must hold JSON values only (no binary, no NaN)."
            ) from None
