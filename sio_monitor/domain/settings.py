"""Connection settings: everything needed to reach one server's admin namespace.

Kept in the domain so the window, the command-line tools and the tests build
the same object; the password is excluded from ``repr`` so it never lands in
a log line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

TRANSPORT_CHOICES: dict[str, tuple[str, ...]] = {
    "websocket": ("websocket",),
    "polling": ("polling",),
    "both": ("polling", "websocket"),
}

#: Socket.IO parsers a server may use; a client must use the same one (net/parsers).
PARSER_CHOICES = ("default", "msgpack")

DEFAULT_PATH = "/socket.io"
DEFAULT_ADMIN_NAMESPACE = "/admin"


class SettingsError(ValueError):
    """A setting a user typed cannot work; the message says which and why."""


@dataclass(frozen=True)
class ConnectionSettings:
    url: str
    path: str = DEFAULT_PATH
    admin_namespace: str = DEFAULT_ADMIN_NAMESPACE
    username: str = ""
    password: str = field(default="", repr=False)
    transport: str = "websocket"  # a key of TRANSPORT_CHOICES
    verify_tls: bool = True
    ca_file: str | None = None
    headers: dict[str, str] = field(default_factory=dict, repr=False)  # may carry tokens
    connect_timeout: float = 10.0
    parser: str = "default"  # one of PARSER_CHOICES

    @property
    def transports(self) -> list[str]:
        return list(TRANSPORT_CHOICES[self.transport])

    @property
    def host_port(self) -> tuple[str, int]:
        """Host and port the URL points at, defaulting the port from the scheme."""
        parts = urlsplit(self.url)
        default = 443 if parts.scheme in ("https", "wss") else 80
        return parts.hostname or "", parts.port or default

    def auth_payload(self) -> dict[str, str] | None:
        """The Socket.IO ``auth`` payload: both server flavours read username/password."""
        if not self.username and not self.password:
            return None
        return {"username": self.username, "password": self.password}

    def validated(self) -> ConnectionSettings:
        """Return self, or raise SettingsError with a sentence naming the bad field."""
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https", "ws", "wss"):
            raise SettingsError(
                f"The URL {self.url!r} must start with http://, https://, ws:// or wss://."
            )
        if not parts.hostname:
            raise SettingsError(f"The URL {self.url!r} has no host name.")
        try:
            parts.port  # noqa: B018 - raises on a bad port
        except ValueError:
            raise SettingsError(f"The URL {self.url!r} has an invalid port.") from None
        if not self.path.startswith("/"):
            raise SettingsError("The Socket.IO path must start with '/', as in /socket.io.")
        if not self.admin_namespace.startswith("/"):
            raise SettingsError("The admin namespace must start with '/', as in /admin.")
        if self.transport not in TRANSPORT_CHOICES:
            raise SettingsError(
                f"Unknown transport {self.transport!r}: use websocket, polling or both."
            )
        if self.parser not in PARSER_CHOICES:
            raise SettingsError(f"Unknown parser {self.parser!r}: use default or msgpack.")
        for name in self.headers:
            if not name or any(c in name for c in " :\r\n"):
                raise SettingsError(f"The header name {name!r} is not a valid HTTP header name.")
        return self


def parse_pairs(text: str, separator: str, what: str) -> dict[str, str]:
    """``name<separator>value`` per line (blank lines skipped); SettingsError names a bad line."""
    pairs: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        name, sep, value = line.partition(separator)
        if not sep or not name.strip():
            spaced = f"{separator} " if separator == ":" else separator
            raise SettingsError(f"{what} line {number} must look like 'name{spaced}value'.")
        pairs[name.strip()] = value.strip()
    return pairs
