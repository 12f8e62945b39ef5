"""Sentences for connection failures: what happened and what to do about it.

python-socketio reports every failure as one ``ConnectionError`` with a
library-flavoured message; a user needs to know whether to fix the password,
the URL, the path or the server, so the message is classified here, once, for
the window and the command-line tools alike.
"""

from __future__ import annotations

import asyncio
import re
import socket
import ssl
from dataclasses import dataclass

import aiohttp

from sio_monitor.domain.events import FailureKind
from sio_monitor.domain.settings import ConnectionSettings
from sio_monitor.net.certificates import (
    ADMIN_SECRETS,
    describe_untrusted_server,
    unverified_sentence,
)

#: What each server flavour says when the admin credentials are wrong.
CREDENTIAL_REFUSALS = ("invalid credentials", "authentication failed")
#: What python-socketio says when the engine connected but a namespace refused us.
NAMESPACE_FAILURE = "namespaces failed to connect"
#: What python-engineio says when a polling handshake was not Engine.IO 4.
FOREIGN_HANDSHAKE = ("OPEN packet not returned by server", "Unexpected response from server")
#: What a server says when nothing serves the namespace asked for.
NAMESPACE_REFUSALS = ("invalid namespace", "unable to connect")

INSTRUMENT_HINT = (
    "To instrument it, in Node: instrument(io, { auth: false }) from @socket.io/admin-ui; "
    "in Python: sio.instrument(auth=False)."
)


def not_instrumented_message(settings: ConnectionSettings) -> str:
    host, port = settings.host_port
    sentence = (
        f"Connected to {host}:{port}, but nothing answers on the admin namespace "
        f"{settings.admin_namespace}: the server does not look instrumented. {INSTRUMENT_HINT}"
    )
    if settings.admin_namespace == "/":
        sentence += " The admin namespace is usually /admin, not the main namespace /."
    return sentence


def unreadable_ca_file_message(path: str, error: OSError) -> str:
    """A CA file that is missing, unreadable or holds no certificate (ssl.SSLError)."""
    if isinstance(error, ssl.SSLError) or not error.strerror:
        reason = "it holds no PEM certificate"
    else:
        reason = error.strerror[:1].lower() + error.strerror[1:]
    return (
        f"The CA file {path} could not be used ({reason}). Choose a PEM file with the "
        "certificate authority that signed the server's certificate."
    )


def describe_connect_error(
    settings: ConnectionSettings,
    error: str,
    refusal: str | None,
    *,
    secrets: str = ADMIN_SECRETS,
) -> tuple[FailureKind, str]:
    """Classify a failed first connect; ``refusal`` is the namespace's connect_error text.

    ``secrets`` names what the connection sends, for the warning against turning TLS
    verification off.
    """
    host, port = settings.host_port
    where = f"{host}:{port}"
    if NAMESPACE_FAILURE not in error:
        refusal = None  # the engine failed: connect_error only echoes its message
    said = (refusal or "").lower()
    if any(text in said for text in CREDENTIAL_REFUSALS):
        return (
            FailureKind.CREDENTIALS,
            "The server refused these admin credentials. Check the username and password "
            "the server was instrumented with.",
        )
    if any(text in said for text in NAMESPACE_REFUSALS):
        return FailureKind.NOT_INSTRUMENTED, not_instrumented_message(settings)
    if refusal:
        return (
            FailureKind.PROTOCOL,
            f"The server at {where} refused the admin connection: {refusal}.",
        )
    lowered = error.lower()
    if "certificate" in lowered or ("ssl" in lowered and "verify" in lowered):
        return FailureKind.UNREACHABLE, unverified_sentence(host, secrets=secrets)
    if "unexpected status code" in lowered or "404" in lowered:
        return (
            FailureKind.NOT_INSTRUMENTED,
            f"Reached {where}, but no Socket.IO server answers at the path {settings.path}. "
            "Check the Socket.IO path (the default is /socket.io).",
        )
    if (
        "name or service not known" in lowered
        or "nodename nor servname" in lowered
        or ("temporary failure in name resolution" in lowered)
    ):
        return (
            FailureKind.UNREACHABLE,
            f"The host name {host} could not be resolved. Check the URL.",
        )
    if "refused" in lowered or "cannot connect" in lowered or "connect call failed" in lowered:
        return (
            FailureKind.UNREACHABLE,
            f"Could not connect to {where}: the connection was refused. "
            "Check that the server is running and listening on that port.",
        )
    if "timed out" in lowered or "timeout" in lowered:
        return (
            FailureKind.TIMEOUT,
            f"No answer from {where} within {settings.connect_timeout:g} s. "
            "Check the URL, and any firewall or proxy on the way to the server.",
        )
    return (
        FailureKind.UNREACHABLE,
        f"Could not connect to {where}: {error or 'the connection failed'}.",
    )


async def diagnose_transport_failure(
    settings: ConnectionSettings, error: str, *, secrets: str = ADMIN_SECRETS
) -> tuple[FailureKind, str]:
    """Find out why the engine could not connect: name, port, TLS or path.

    Over websocket python-engineio reports every failure as "Connection error",
    which tells a user nothing; a name look-up, a TCP connect and one polling
    request, each bounded by the connect timeout, tell them which part to fix.
    A refused certificate is fetched once more to name it (see certificates).
    """
    host, port = settings.host_port
    where = f"{host}:{port}"
    budget = max(1.0, settings.connect_timeout)
    loop = asyncio.get_running_loop()
    try:
        await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), budget)
    except (OSError, TimeoutError):
        return (
            FailureKind.UNREACHABLE,
            f"The host name {host} could not be resolved. Check the URL.",
        )
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), budget)
    except TimeoutError:
        return describe_connect_error(settings, "timed out", None, secrets=secrets)
    except OSError:
        return describe_connect_error(settings, "connection refused", None, secrets=secrets)
    writer.close()
    scheme = "https" if settings.url.startswith(("https", "wss")) else "http"
    probe_url = f"{scheme}://{where}{settings.path.rstrip('/')}/?EIO=4&transport=polling"
    ssl_option: ssl.SSLContext | bool = True
    if not settings.verify_tls:
        ssl_option = False
    elif settings.ca_file:
        try:
            ssl_option = ssl.create_default_context(cafile=settings.ca_file)
        except OSError as exc:  # ssl.SSLError too: a file that holds no certificate
            return FailureKind.UNREACHABLE, unreadable_ca_file_message(settings.ca_file, exc)
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=budget)) as http,
            http.get(probe_url, headers=settings.headers, ssl=ssl_option) as response,
        ):
            status = response.status
            answer = ProxyAnswer(
                status,
                response.reason or "",
                response.headers.get("Server", ""),
                response.headers.get("Content-Type", ""),
                await response.content.read(HEAD_BYTES),
            )
    except aiohttp.ClientConnectorCertificateError as exc:
        refused = exc.certificate_error
        sentence = await describe_untrusted_server(
            host,
            port,
            budget,
            refused if isinstance(refused, ssl.SSLCertVerificationError) else None,
            ca_file=settings.ca_file,
            secrets=secrets,
        )
        return FailureKind.UNREACHABLE, sentence
    except aiohttp.ClientConnectorSSLError as exc:
        return FailureKind.UNREACHABLE, _handshake_failed(where, exc)
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        return describe_connect_error(settings, str(exc) or error, None, secrets=secrets)
    named = describe_proxy_answer(settings, answer)
    if named is not None:
        return named
    return describe_connect_error(settings, error, None, secrets=secrets)


#: Bytes of an answer's body read to tell an HTML page from a Socket.IO handshake.
HEAD_BYTES = 512


@dataclass(frozen=True)
class ProxyAnswer:
    """What answered the diagnostic handshake request: status, reason, Server, type, body head."""

    status: int
    reason: str
    server: str
    content_type: str
    head: bytes

    @property
    def is_html(self) -> bool:
        start = self.head.lstrip()[:15].lower()
        return "text/html" in self.content_type.lower() or start.startswith(
            (b"<!doctype", b"<html")
        )


#: What a proxy's gateway answers mean for the Socket.IO server behind it.
_GATEWAY_MEANINGS = {
    502: "so the Socket.IO server behind it is not answering (down, or not at the address "
    "the proxy forwards to). Start the Socket.IO server, or fix the proxy's upstream address.",
    503: "so the Socket.IO server behind it is unavailable (down, overloaded or in "
    "maintenance). Connect again once it is back, or check the server behind the proxy.",
    504: "so the Socket.IO server behind it did not answer the proxy in time. Check whether "
    "that server is hung or overloaded, and the proxy's timeouts.",
}


def describe_proxy_answer(
    settings: ConnectionSettings, answer: ProxyAnswer
) -> tuple[FailureKind, str] | None:
    """Name a proxy's answer (502/503/504, 401/403, an HTML page); None when it is not one."""
    host, port = settings.host_port
    where = f"{host}:{port}"
    proxy = f"a proxy ({answer.server})" if answer.server else "a proxy"
    title = f"{answer.status} {answer.reason}".strip()
    if answer.status in _GATEWAY_MEANINGS:
        return (
            FailureKind.UNREACHABLE,
            f"{proxy[0].upper()}{proxy[1:]} at {where} answered {title}, "
            f"{_GATEWAY_MEANINGS[answer.status]}",
        )
    if answer.status in (401, 403):
        who = proxy if answer.server or answer.is_html else "a proxy or the server"
        return (
            FailureKind.UNREACHABLE,
            f"{where} answered HTTP {answer.status}: {who} wants credentials "
            "before Socket.IO. Add the header it expects under Extra headers.",
        )
    if answer.status == 404:
        return describe_connect_error(settings, "unexpected status code 404", None)
    if answer.is_html:
        return (
            FailureKind.NOT_INSTRUMENTED,
            f"{where} answered HTTP {answer.status} with an HTML page where Socket.IO was "
            f"expected: a web server or proxy answers at the path {settings.path}, not Socket.IO. "
            "Check the Socket.IO path and the proxy's location for it.",
        )
    return None


def closed_at_join_message(settings: ConnectionSettings) -> str:
    """The server dropped the connection as the admin namespace was joined."""
    host, port = settings.host_port
    return (
        f"The server at {host}:{port} closed the connection as the admin namespace "
        f"{settings.admin_namespace} was joined: its admin instrumentation failed there. "
        "Check the server's log; a known cause is @socket.io/cluster-adapter with "
        "@socket.io/sticky, whose workers crash as soon as an admin connects."
    )


#: The start of an Engine.IO 3 polling payload: "<length>:" text framing, or its binary form.
_EIO3_PAYLOAD = re.compile(rb"\d+:0\{|\x00[\x00-\x09]+\xff0")


async def speaks_engineio_3(
    settings: ConnectionSettings, session: aiohttp.ClientSession | None = None
) -> bool:
    """Read one polling handshake by hand: Engine.IO 3 frames its payload with lengths."""
    scheme = "https" if settings.url.startswith(("https", "wss")) else "http"
    host, port = settings.host_port
    url = f"{scheme}://{host}:{port}{settings.path.rstrip('/')}/?EIO=4&transport=polling"
    timeout = aiohttp.ClientTimeout(total=max(1.0, settings.connect_timeout))
    ssl_option: ssl.SSLContext | bool = True
    if not settings.verify_tls:
        ssl_option = False
    elif settings.ca_file:
        try:
            ssl_option = ssl.create_default_context(cafile=settings.ca_file)
        except OSError:
            return False
    try:
        async with (
            session or aiohttp.ClientSession() as http,
            http.get(url, headers=settings.headers, timeout=timeout, ssl=ssl_option) as response,
        ):
            head = await response.content.read(64)
    except (aiohttp.ClientError, TimeoutError, OSError):
        return False
    return _EIO3_PAYLOAD.match(head) is not None


def _handshake_failed(where: str, error: aiohttp.ClientConnectorSSLError) -> str:
    """A TLS handshake that failed before any certificate: most often TLS to a plain server."""
    reason = getattr(error.os_error, "reason", None) or "no reason given"
    plain = str(reason).lower().replace("_", " ")
    if any(
        text in plain for text in ("wrong version number", "record layer", "packet length too long")
    ):
        return (
            f"{where} does not answer in TLS: if the server does not use TLS, "
            "start the URL with http:// or ws:// instead."
        )
    return f"The TLS handshake with {where} failed ({plain}). Check the URL and the port."
