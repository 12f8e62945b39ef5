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
    PayloadRejected,
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


# --- salvage: refuse a payload only as far as it is wrong ----------------------


class _Salvage:
    """Collects the parts of one payload that were dropped, as ``PayloadRejected``.

    A list keeps its valid items and an object its valid fields: one bad
    socket must not cost the other thousand, nor a bad ``rooms`` the socket.
    Only what the event cannot stand without (a socket's id and namespace, a
    server's id, the list itself) refuses the whole event.
    """

    __slots__ = ("at", "dropped", "event", "item")

    def __init__(self, event: str, at: float, dropped: list[PayloadRejected]) -> None:
        self.event, self.at, self.dropped, self.item = event, at, dropped, ""

    def drop(self, reason: str, field: str = "", item: str | None = None) -> None:
        self.dropped.append(
            PayloadRejected(self.event, reason, self.at, self.item if item is None else item, field)
        )

    def items(self, values: list[Any], what: str, convert: Callable[[Any], Any]) -> list[Any]:
        """Each item converted; the bad ones dropped and named by position."""
        kept = []
        for index, value in enumerate(values):
            try:
                kept.append(convert(value))
            except PayloadError as error:
                self.drop(str(error), item=f"{what} {index + 1} of {len(values)}")
        return kept


def _optional(
    salvage: _Salvage,
    unknown: list[str],
    field: str,
    convert: Callable[[Any], Any],
    value: Any,
    default: Any,
) -> Any:
    """A field that the rest of its object can do without: unknown when malformed."""
    try:
        return convert(value)
    except PayloadError as error:
        salvage.drop(str(error), field)
        unknown.append(field)
        return default


def _issued(value: Any) -> float | None:
    # python-socketio sends 0 when it does not know the connection time.
    if value is None or value == 0:
        return None
    number = as_number(value, "handshake.issued")
    return as_epoch(number / 1000.0 if number >= MS_THRESHOLD else number, "handshake.issued")


def _flag(value: Any, what: str) -> bool | None:
    if value is None or type(value) is bool:
        return value
    raise PayloadError(f"{what} is not a boolean")


# --- structures --------------------------------------------------------------


def _handshake_whole(raw: dict[str, Any]) -> Handshake:
    """The usual case, every field valid, in one pass; PayloadError sends it field by field."""
    secure, xdomain = raw.get("secure", False), raw.get("xdomain")
    if type(secure) is not bool or (xdomain is not None and type(xdomain) is not bool):
        raise PayloadError("handshake flag is not a boolean")
    return Handshake(
        address=as_text(raw.get("address"), "handshake.address"),
        headers=as_string_map(raw.get("headers"), "handshake.headers"),
        query=as_string_map(raw.get("query"), "handshake.query"),
        issued=_issued(raw.get("issued")),
        time=as_text(raw.get("time"), "handshake.time"),
        secure=secure,
        url=as_text(raw.get("url"), "handshake.url"),
        xdomain=xdomain,
    )


def _handshake(value: Any, salvage: _Salvage, unknown: list[str]) -> Handshake:
    if value is None:
        return Handshake()
    if type(value) is dict:
        try:
            return _handshake_whole(value)
        except PayloadError:
            pass  # keep what is valid, below
    else:
        salvage.drop("handshake is not an object", "handshake")
        unknown.append("handshake")
        return Handshake()
    get = value.get

    def part(name: str, convert: Callable[[Any], Any], default: Any) -> Any:
        return _optional(salvage, unknown, f"handshake.{name}", convert, get(name), default)

    return Handshake(
        address=part("address", lambda v: as_text(v, "handshake.address"), ""),
        headers=part("headers", lambda v: as_string_map(v, "handshake.headers"), {}),
        query=part("query", lambda v: as_string_map(v, "handshake.query"), {}),
        issued=part("issued", _issued, None),
        time=part("time", lambda v: as_text(v, "handshake.time"), ""),
        secure=part("secure", lambda v: _flag(v, "handshake.secure") or False, False),
        url=part("url", lambda v: as_text(v, "handshake.url"), ""),
        xdomain=part("xdomain", lambda v: _flag(v, "handshake.xdomain"), None),
    )


def _rooms(value: Any, salvage: _Salvage) -> tuple[str, ...]:
    if value is None:
        return ()
    rooms = as_list(value, "rooms", MAX_ROOMS_PER_SOCKET)
    try:
        return tuple(as_name(room, "room") for room in rooms)
    except PayloadError:  # the rare case: keep the good rooms, name the bad ones
        what = f"{salvage.item} room".lstrip()
        kept = salvage.items(rooms, what, lambda room: as_name(room, "room"))
        return tuple(kept)


def _socket(
    value: Any, connected_at: float | None, received_at: float, salvage: _Salvage
) -> SocketInfo:
    """A SerializedSocket; ``connected_at`` is the event's own timestamp, if any.

    The earlier of the event timestamp and ``handshake.issued`` wins: python
    re-sends ``socket_connected`` at every ping with the ping's time, while its
    ``issued`` is the real connection time; Node's ``issued`` is the socket's
    creation, a few ms before its ``socket_connected``. Its id and namespace
    are what a socket cannot be without; any other malformed field is dropped,
    named, and listed in ``unknown``.
    """
    raw = as_dict(value, "socket")
    sid = as_name(raw.get("id"), "socket id")
    nsp = as_name(raw.get("nsp"), "nsp")
    outer, salvage.item = salvage.item, f"socket {sid[:40]}"
    unknown: list[str] = []
    handshake = _handshake(raw.get("handshake"), salvage, unknown)
    issued = handshake.issued
    if connected_at is None:
        connected_at = issued if issued is not None else received_at
    elif issued is not None and issued < connected_at:
        connected_at = issued
    get = raw.get
    try:  # the usual case, every field valid, in one pass
        client_id = as_text(get("clientId"), "clientId")
        transport = as_text(get("transport"), "transport", "websocket")
        rooms = get("rooms")
        if rooms is None:
            room_names: tuple[str, ...] = ()
        else:
            rooms = as_list(rooms, "rooms", MAX_ROOMS_PER_SOCKET)
            room_names = tuple([as_name(room, "room") for room in rooms])
    except PayloadError:
        pass  # keep what is valid, below
    else:
        salvage.item = outer
        return SocketInfo(
            sid, client_id, nsp, transport, get("data"), room_names, handshake, connected_at,
            tuple(unknown),
        )  # fmt: skip
    info = SocketInfo(
        id=sid,
        client_id=_optional(
            salvage, unknown, "clientId", lambda v: as_text(v, "clientId"), get("clientId"), ""
        ),
        nsp=nsp,
        transport=_optional(
            salvage,
            unknown,
            "transport",
            lambda v: as_text(v, "transport", "websocket"),
            get("transport"),
            "websocket",
        ),
        data=raw.get("data"),
        rooms=_optional(salvage, unknown, "rooms", lambda v: _rooms(v, salvage), get("rooms"), ()),
        handshake=handshake,
        connected_at=connected_at,
        unknown=tuple(unknown),
    )
    salvage.item = outer
    return info


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


def _stamp(value: Any, received_at: float, salvage: _Salvage) -> float:
    """An event's own time; when malformed, the receive time stands in, as when absent."""
    try:
        return as_timestamp(value, received_at)
    except PayloadError as error:
        salvage.drop(str(error), "timestamp")
        return received_at


# --- one decoder per event ----------------------------------------------------


def _config(args: tuple[Any, ...], received_at: float, salvage: _Salvage) -> ConfigReceived:
    check_arity(args, 1, 1, "config")
    raw = as_dict(args[0], "config")
    features = as_list(raw.get("supportedFeatures", []), "supportedFeatures", MAX_FEATURES)
    kept = salvage.items(features, "feature", lambda f: as_name(f, "feature"))
    return ConfigReceived(frozenset(kept), received_at)


def _session(args: tuple[Any, ...], received_at: float, salvage: _Salvage) -> SessionReceived:
    check_arity(args, 1, 1, "session")
    return SessionReceived(as_name(args[0], "session id"), received_at)


def _all_sockets(
    args: tuple[Any, ...], received_at: float, salvage: _Salvage
) -> AllSocketsReceived:
    check_arity(args, 1, 1, "all_sockets")
    sockets = as_list(args[0], "all_sockets", MAX_SOCKETS)
    kept = salvage.items(sockets, "socket", lambda s: _socket(s, None, received_at, salvage))
    return AllSocketsReceived(tuple(kept), received_at)


def _pid(value: Any) -> int | None:
    if value is not None and (type(value) is not int or not 0 <= value <= MAX_COUNT):
        raise PayloadError("pid is not an integer")
    return value


def _uptime(value: Any) -> float:
    uptime = as_number(value, "uptime")
    if uptime < 0:
        raise PayloadError("uptime is negative")
    return uptime


def _server_stats(
    args: tuple[Any, ...], received_at: float, salvage: _Salvage
) -> ServerStatsReceived:
    check_arity(args, 1, 1, "server_stats")
    raw = as_dict(args[0], "server_stats")
    server_id = as_name(raw.get("serverId"), "serverId")
    salvage.item = f"server {server_id[:40]}"
    get, unknown = raw.get, []  # a server's figures have no "unknown" to show: defaults
    polling = raw.get("pollingClientsCount")
    # admin-ui's polling counter can dip below zero on an upgrade race: clamp it.
    if type(polling) is int and -MAX_COUNT <= polling < 0:
        polling = 0

    def listed(name: str, what: str, limit: int, convert: Callable[[Any], Any]) -> list[Any]:
        values = _optional(
            salvage, unknown, name, lambda v: as_list(v, name, limit), get(name, []), []
        )
        return salvage.items(values, what, convert)

    namespaces = listed("namespaces", "namespace", MAX_NAMESPACES, _namespace_count)
    buckets = listed("aggregatedEvents", "aggregated event", MAX_BUCKETS, _bucket)
    return ServerStatsReceived(
        server_id=server_id,
        hostname=_optional(
            salvage, unknown, "hostname", lambda v: as_text(v, "hostname"), get("hostname"), ""
        ),
        pid=_optional(salvage, unknown, "pid", _pid, get("pid"), None),
        uptime=_optional(salvage, unknown, "uptime", _uptime, get("uptime", 0), 0.0),
        clients_count=_optional(
            salvage,
            unknown,
            "clientsCount",
            lambda v: as_count(v, "clientsCount", 0),
            get("clientsCount"),
            0,
        ),
        polling_clients_count=_optional(
            salvage,
            unknown,
            "pollingClientsCount",
            lambda v: as_count(v, "pollingClientsCount", 0),
            polling,
            0,
        ),
        namespaces=tuple(namespaces),
        aggregated=tuple(buckets),
        at=received_at,
    )


def _socket_connected(
    args: tuple[Any, ...], received_at: float, salvage: _Salvage
) -> SocketConnected:
    check_arity(args, 1, 2, "socket_connected")
    stamp = args[1] if len(args) == 2 else None
    at = _stamp(stamp, received_at, salvage)
    socket = _socket(args[0], None if stamp is None else at, received_at, salvage)
    return SocketConnected(socket, at)


def _socket_updated(args: tuple[Any, ...], received_at: float, salvage: _Salvage) -> SocketUpdated:
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


def _reason(value: Any) -> str:
    if value is not None and (type(value) is not str or len(value) > MAX_NAME):
        raise PayloadError("disconnection reason is not a short string")
    return value or ""


def _socket_disconnected(
    args: tuple[Any, ...], received_at: float, salvage: _Salvage
) -> SocketDisconnected:
    check_arity(args, 2, 4, "socket_disconnected")
    nsp, sid = as_name(args[0], "nsp"), as_name(args[1], "socket id")
    salvage.item = f"socket {sid[:40]}"
    reason = _optional(salvage, [], "reason", _reason, args[2] if len(args) > 2 else None, "")
    return SocketDisconnected(
        nsp, sid, reason, _stamp(args[3] if len(args) > 3 else None, received_at, salvage)
    )


def _room(cls: type[RoomJoined] | type[RoomLeft], event: str) -> Callable[..., ProtocolEvent]:
    def decode_room(args: tuple[Any, ...], received_at: float, salvage: _Salvage) -> ProtocolEvent:
        check_arity(args, 3, 4, event)
        return cls(
            as_name(args[0], "nsp"),
            as_name(args[1], "room"),
            as_name(args[2], "socket id"),
            _stamp(args[3] if len(args) > 3 else None, received_at, salvage),
        )

    return decode_room


def _traffic(
    cls: type[EventReceived] | type[EventSent], event: str
) -> Callable[..., ProtocolEvent]:
    def decode_traffic(
        args: tuple[Any, ...], received_at: float, salvage: _Salvage
    ) -> ProtocolEvent:
        check_arity(args, 3, 4, event)
        packet = args[2]
        if type(packet) is not list or not packet:
            raise PayloadError(f"{event} packet is not a non-empty list")
        at = received_at
        if len(args) > 3:  # inline, not _stamp: this is the busiest event of all
            try:
                at = as_timestamp(args[3], received_at)
            except PayloadError as error:
                salvage.drop(str(error), "timestamp")
        return cls(
            as_name(args[0], "nsp"),
            as_name(args[1], "socket id"),
            as_event_name(packet[0]),
            tuple(packet[1:]),
            at,
        )

    return decode_traffic


_DECODERS: dict[str, Callable[[tuple[Any, ...], float, _Salvage], ProtocolEvent]] = {
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


def decode(
    event_name: str,
    args: tuple[Any, ...],
    received_at: float,
    dropped: list[PayloadRejected] | None = None,
) -> ProtocolEvent:
    """Turn one admin event into a domain event, or raise PayloadError.

    What can be kept is: a bad item of a list is left out and a bad optional
    field left at its default, each named in ``dropped`` (when given) as a
    ``PayloadRejected``; PayloadError means the event could not stand at all.
    Any other exception from a checker is a bug in the face of odd input; it is
    re-raised as PayloadError so that one strange packet can never take the
    receive handler (and with it the connection) down.
    """
    decoder = _DECODERS.get(event_name) if type(event_name) is str else None
    if decoder is None:
        raise PayloadError(f"unknown event {str(event_name)[:40]!r}")
    if type(args) is not tuple:
        args = tuple(args) if type(args) is list else (args,)
    salvage = _Salvage(event_name, received_at, [] if dropped is None else dropped)
    try:
        return decoder(args, received_at, salvage)
    except PayloadError:
        raise
    except Exception as error:
        raise PayloadError(f"{event_name}: unexpected {type(error).__name__}") from error
