"""Validation of every server-to-monitor admin event into a typed domain event.

Both server flavours (Node socket.io + @socket.io/admin-ui, python-socketio
``instrument()``) are accepted and their differences are smoothed over here,
so nothing past this module ever sees a raw payload. The checks are written by
hand because this runs once per event on the GUI thread: a schema library
would cost more than the rest of the pipeline.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sio_monitor.domain.events import (
    AggregatedBucket,
    AllSocketsReceived,
    ConfigReceived,
    EventReceived,
    EventSent,
    Handshake,
    NamespaceCount,
    ProtocolEvent,
    RoomJoined,
    RoomLeft,
    ServerStatsReceived,
    SessionReceived,
    SocketConnected,
    SocketDisconnected,
    SocketInfo,
    SocketUpdated,
)
from sio_monitor.net.wire_checks import (
    MAX_BUCKETS,
    MAX_COUNT,
    MAX_FEATURES,
    MAX_NAME,
    MAX_NAMESPACES,
    MAX_ROOMS_PER_SOCKET,
    MAX_SOCKETS,
    MS_THRESHOLD,
    PayloadError,
    as_count,
    as_dict,
    as_epoch,
    as_event_name,
    as_list,
    as_name,
    as_number,
    as_string_map,
    as_text,
    as_timestamp,
    check_arity,
)

__all__ = ["EVENT_NAMES", "PayloadError", "decode", "display_address", "header_value"]

_IPV4_MAPPED = "::ffff:"


# --- helpers the views use ---------------------------------------------------


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """Find a header whichever flavour sent it (``user-agent`` or ``user_agent``).

    Node keeps HTTP's dashes, python-socketio rebuilds names from WSGI keys with
    underscores; both lower-case them. Exact and swapped spellings are tried
    first so that the usual case never scans the dict.
    """
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    for candidate in (lowered, lowered.replace("-", "_"), lowered.replace("_", "-")):
        value = headers.get(candidate)
        if value is not None:
            return value
    wanted = lowered.replace("_", "-")
    for key, value in headers.items():
        if key.lower().replace("_", "-") == wanted:
            return value
    return None


def display_address(address: str) -> str:
    """Drop Node's IPv4-mapped IPv6 prefix (``::ffff:127.0.0.1``) for display only."""
    if address.startswith(_IPV4_MAPPED) and "." in address:
        return address[len(_IPV4_MAPPED) :]
    return address


# --- structures --------------------------------------------------------------


def _handshake(value: Any) -> Handshake:
    if value is None:
        return Handshake()
    raw = as_dict(value, "handshake")
    issued_raw = raw.get("issued")
    issued: float | None = None
    # python-socketio sends 0 when it does not know the connection time.
    if issued_raw is not None and issued_raw != 0:
        number = as_number(issued_raw, "handshake.issued")
        issued = as_epoch(number / 1000.0 if number >= MS_THRESHOLD else number, "handshake.issued")
    secure = raw.get("secure", False)
    xdomain = raw.get("xdomain")
    if type(secure) is not bool or (xdomain is not None and type(xdomain) is not bool):
        raise PayloadError("handshake flag is not a boolean")
    return Handshake(
        address=as_text(raw.get("address"), "handshake.address"),
        headers=as_string_map(raw.get("headers"), "handshake.headers"),
        query=as_string_map(raw.get("query"), "handshake.query"),
        issued=issued,
        time=as_text(raw.get("time"), "handshake.time"),
        secure=secure,
        url=as_text(raw.get("url"), "handshake.url"),
        xdomain=xdomain,
    )


def _rooms(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    rooms = as_list(value, "rooms", MAX_ROOMS_PER_SOCKET)
    return tuple(as_name(room, "room") for room in rooms)


def _socket(value: Any, connected_at: float | None, received_at: float) -> SocketInfo:
    """A SerializedSocket; ``connected_at`` is the event's own timestamp, if any.

    The earlier of the event timestamp and ``handshake.issued`` wins: python
    re-sends ``socket_connected`` at every ping with the ping's time, while its
    ``issued`` is the real connection time; Node's ``issued`` is the socket's
    creation, a few ms before its ``socket_connected``.
    """
    raw = as_dict(value, "socket")
    handshake = _handshake(raw.get("handshake"))
    issued = handshake.issued
    if connected_at is None:
        connected_at = issued if issued is not None else received_at
    elif issued is not None and issued < connected_at:
        connected_at = issued
    return SocketInfo(
        id=as_name(raw.get("id"), "socket id"),
        client_id=as_text(raw.get("clientId"), "clientId"),
        nsp=as_name(raw.get("nsp"), "nsp"),
        transport=as_text(raw.get("transport"), "transport", "websocket"),
        data=raw.get("data"),
        rooms=_rooms(raw.get("rooms")),
        handshake=handshake,
        connected_at=connected_at,
    )


def _bucket(value: Any) -> AggregatedBucket:
    raw = as_dict(value, "aggregated event")
    stamp = as_number(raw.get("timestamp"), "bucket timestamp")
    seconds = stamp / 1000.0 if stamp >= MS_THRESHOLD else stamp
    sub_type = raw.get("subType")
    return AggregatedBucket(
        timestamp=as_epoch(seconds, "bucket timestamp"),
        type=as_name(raw.get("type"), "bucket type"),
        count=as_count(raw.get("count"), "bucket count"),
        sub_type=None if sub_type is None else as_name(sub_type, "bucket subType"),
    )


def _namespace_count(value: Any) -> NamespaceCount:
    raw = as_dict(value, "namespace")
    return NamespaceCount(
        name=as_name(raw.get("name"), "namespace name"),
        sockets_count=as_count(raw.get("socketsCount"), "socketsCount", 0),
    )


# --- one decoder per event ----------------------------------------------------


def _config(args: tuple[Any, ...], received_at: float) -> ConfigReceived:
    check_arity(args, 1, 1, "config")
    raw = as_dict(args[0], "config")
    features = as_list(raw.get("supportedFeatures", []), "supportedFeatures", MAX_FEATURES)
    return ConfigReceived(frozenset(as_name(f, "feature") for f in features), received_at)


def _session(args: tuple[Any, ...], received_at: float) -> SessionReceived:
    check_arity(args, 1, 1, "session")
    return SessionReceived(as_name(args[0], "session id"), received_at)


def _all_sockets(args: tuple[Any, ...], received_at: float) -> AllSocketsReceived:
    check_arity(args, 1, 1, "all_sockets")
    sockets = as_list(args[0], "all_sockets", MAX_SOCKETS)
    return AllSocketsReceived(tuple(_socket(s, None, received_at) for s in sockets), received_at)


def _server_stats(args: tuple[Any, ...], received_at: float) -> ServerStatsReceived:
    check_arity(args, 1, 1, "server_stats")
    raw = as_dict(args[0], "server_stats")
    pid = raw.get("pid")
    if pid is not None and (type(pid) is not int or not 0 <= pid <= MAX_COUNT):
        raise PayloadError("pid is not an integer")
    uptime = as_number(raw.get("uptime", 0), "uptime")
    if uptime < 0:
        raise PayloadError("uptime is negative")
    polling = raw.get("pollingClientsCount")
    # admin-ui's polling counter can dip below zero on an upgrade race: clamp it.
    if type(polling) is int and -MAX_COUNT <= polling < 0:
        polling = 0
    namespaces = as_list(raw.get("namespaces", []), "namespaces", MAX_NAMESPACES)
    buckets = as_list(raw.get("aggregatedEvents", []), "aggregatedEvents", MAX_BUCKETS)
    return ServerStatsReceived(
        server_id=as_name(raw.get("serverId"), "serverId"),
        hostname=as_text(raw.get("hostname"), "hostname"),
        pid=pid,
        uptime=uptime,
        clients_count=as_count(raw.get("clientsCount"), "clientsCount", 0),
        polling_clients_count=as_count(polling, "pollingClientsCount", 0),
        namespaces=tuple(_namespace_count(n) for n in namespaces),
        aggregated=tuple(_bucket(b) for b in buckets),
        at=received_at,
    )


def _socket_connected(args: tuple[Any, ...], received_at: float) -> SocketConnected:
    check_arity(args, 1, 2, "socket_connected")
    stamp = args[1] if len(args) == 2 else None
    at = as_timestamp(stamp, received_at)
    socket = _socket(args[0], None if stamp is None else at, received_at)
    return SocketConnected(socket, at)


def _socket_updated(args: tuple[Any, ...], received_at: float) -> SocketUpdated:
    check_arity(args, 1, 1, "socket_updated")
    raw = as_dict(args[0], "socket_updated")
    changes: dict[str, Any] = {}
    if "transport" in raw:
        changes["transport"] = as_name(raw["transport"], "transport")
    if "data" in raw:
        changes["data"] = raw["data"]
    if not changes:
        raise PayloadError("socket_updated carries neither transport nor data")
    return SocketUpdated(
        as_name(raw.get("nsp"), "nsp"), as_name(raw.get("id"), "socket id"), changes, received_at
    )


def _socket_disconnected(args: tuple[Any, ...], received_at: float) -> SocketDisconnected:
    check_arity(args, 2, 4, "socket_disconnected")
    reason = args[2] if len(args) > 2 else None
    if reason is not None and (type(reason) is not str or len(reason) > MAX_NAME):
        raise PayloadError("disconnection reason is not a short string")
    return SocketDisconnected(
        as_name(args[0], "nsp"),
        as_name(args[1], "socket id"),
        reason or "",
        as_timestamp(args[3] if len(args) > 3 else None, received_at),
    )


def _room(cls: type[RoomJoined] | type[RoomLeft], event: str) -> Callable[..., ProtocolEvent]:
    def decode_room(args: tuple[Any, ...], received_at: float) -> ProtocolEvent:
        check_arity(args, 3, 4, event)
        return cls(
            as_name(args[0], "nsp"),
            as_name(args[1], "room"),
            as_name(args[2], "socket id"),
            as_timestamp(args[3] if len(args) > 3 else None, received_at),
        )

    return decode_room


def _traffic(
    cls: type[EventReceived] | type[EventSent], event: str
) -> Callable[..., ProtocolEvent]:
    def decode_traffic(args: tuple[Any, ...], received_at: float) -> ProtocolEvent:
        check_arity(args, 3, 4, event)
        packet = args[2]
        if type(packet) is not list or not packet:
            raise PayloadError(f"{event} packet is not a non-empty list")
        return cls(
            as_name(args[0], "nsp"),
            as_name(args[1], "socket id"),
            as_event_name(packet[0]),
            tuple(packet[1:]),
            as_timestamp(args[3] if len(args) > 3 else None, received_at),
        )

    return decode_traffic


_DECODERS: dict[str, Callable[[tuple[Any, ...], float], ProtocolEvent]] = {
    "config": _config,
    "session": _session,
    "all_sockets": _all_sockets,
    "server_stats": _server_stats,
    "socket_connected": _socket_connected,
    "socket_updated": _socket_updated,
    "socket_disconnected": _socket_disconnected,
    "room_joined": _room(RoomJoined, "room_joined"),
    "room_left": _room(RoomLeft, "room_left"),
    "event_received": _traffic(EventReceived, "event_received"),
    "event_sent": _traffic(EventSent, "event_sent"),
}

EVENT_NAMES: tuple[str, ...] = tuple(_DECODERS)


def decode(event_name: str, args: tuple[Any, ...], received_at: float) -> ProtocolEvent:
    """Turn one admin event into a domain event, or raise PayloadError.

    Any other exception from a checker is a bug in the face of odd input; it is
    re-raised as PayloadError so that one strange packet can never take the
    receive handler (and with it the connection) down.
    """
    decoder = _DECODERS.get(event_name) if type(event_name) is str else None
    if decoder is None:
        raise PayloadError(f"unknown event {str(event_name)[:40]!r}")
    if type(args) is not tuple:
        args = tuple(args) if type(args) is list else (args,)
    try:
        return decoder(args, received_at)
    except PayloadError:
        raise
    except Exception as error:
        raise PayloadError(f"{event_name}: unexpected {type(error).__name__}") from error
