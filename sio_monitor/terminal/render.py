"""What the terminal commands print: the snapshot document and its tree, and watch lines.

The JSON shapes here are documented as stable in the README, so scripts can
rely on them: keys never disappear, lists are sorted so that two snapshots of
the same server state print the same bytes, and the monitor's own admin
namespace is left out, being the monitor rather than the application.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sio_monitor.domain.format import format_duration, format_si
from sio_monitor.domain.topology.nodes import SocketState
from sio_monitor.domain.topology.topology import DEVELOPMENT, Topology
from sio_monitor.net.codec import display_address


def iso_utc(epoch: float | None) -> str | None:
    """``2026-05-01T12:00:00.123Z``: sortable, unambiguous, and what Node sends too."""
    if epoch is None:
        return None
    stamp = datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


# --- snapshot ------------------------------------------------------------------


def snapshot_document(
    topology: Topology, url: str, admin_namespace: str, now: float
) -> dict[str, Any]:
    """The ``snapshot --json`` document; in production mode rooms and sockets stay empty."""
    development = topology.is_production is False
    document: dict[str, Any] = {
        "url": url,
        "mode": topology.mode,
        "features": sorted(topology.features),
        "servers": [
            {
                "serverId": server.server_id,
                "hostname": server.hostname,
                "pid": server.pid,
                "uptime": round(server.uptime, 3),
                "clientsCount": server.clients_count,
                "pollingClientsCount": server.polling_clients_count,
                "healthy": server.is_healthy(now),
            }
            for server in topology.servers()
        ],
        "namespaces": [
            _namespace(topology, name, development)
            for name in topology.namespaces()
            if name != admin_namespace
        ],
    }
    unreported = topology.unreported_servers() if development else []
    if unreported:
        document["incomplete"] = True
        document["unreportedServers"] = unreported
    return document


def _namespace(topology: Topology, name: str, development: bool) -> dict[str, Any]:
    if not development:
        count = topology.reported_socket_count(name)
        return {"name": name, "socketsCount": count, "rooms": [], "sockets": []}
    return {
        "name": name,
        "socketsCount": topology.socket_count(name),
        "rooms": [
            {"name": room.name, "private": room.private, "sockets": sorted(room.members)}
            for room in topology.rooms(name, include_private=True)
        ],
        "sockets": [_socket(s) for s in sorted(topology.sockets(name), key=lambda s: s.id)],
    }


def _socket(state: SocketState) -> dict[str, Any]:
    handshake = state.info.handshake
    issued = handshake.issued
    return {
        "id": state.id,
        "clientId": state.client_id,
        "transport": state.transport,
        "address": display_address(handshake.address),
        "connectedAt": iso_utc(state.connected_at),
        "rooms": sorted(state.rooms),
        "data": state.data,
        "handshake": {
            "address": handshake.address,
            "headers": dict(sorted(handshake.headers.items())),
            "query": dict(sorted(handshake.query.items())),
            "issued": round(issued * 1000) if issued is not None else None,  # epoch ms, as sent
            "time": handshake.time,
            "secure": handshake.secure,
            "url": handshake.url,
        },
        # Fields the server sent malformed: unknown, not empty.
        **({"unknown": list(state.info.unknown)} if state.info.unknown else {}),
    }


def snapshot_text(document: dict[str, Any]) -> str:
    """The human form: an indented tree, counts first, private rooms left out."""
    development = document["mode"] == DEVELOPMENT
    lines = [
        f"{document['url']}  ({document['mode']} mode)",
        f"features: {', '.join(document['features']) or 'none'}",
        f"servers ({len(document['servers'])})",
    ]
    for server in document["servers"]:
        health = "healthy" if server["healthy"] else "silent"
        lines.append(
            f"  {server['serverId']}  {server['hostname']} pid {server['pid']}, "
            f"up {format_duration(server['uptime'])}, {_count(server['clientsCount'], 'client')} "
            f"({server['pollingClientsCount']} polling), {health}"
        )
    lines.append(f"namespaces ({len(document['namespaces'])})")
    for nsp in document["namespaces"]:
        rooms = [room for room in nsp["rooms"] if not room["private"]]
        if not development:
            lines.append(
                f"  {nsp['name']}  {_count(nsp['socketsCount'], 'socket')} "
                "(rooms and sockets need development mode)"
            )
            continue
        lines.append(
            f"  {nsp['name']}  {_count(nsp['socketsCount'], 'socket')}, "
            f"{_count(len(rooms), 'room')}"
        )
        if rooms:
            lines.append(f"    rooms ({len(rooms)})")
            width = max(len(room["name"]) for room in rooms)
            lines += [
                f"      {room['name']:<{width}}  {_count(len(room['sockets']), 'member')}"
                for room in rooms
            ]
        if nsp["sockets"]:
            lines.append(f"    sockets ({len(nsp['sockets'])})")
            lines += [f"      {_socket_line(socket)}" for socket in nsp["sockets"]]
    return "\n".join(lines)


def _socket_line(socket: dict[str, Any]) -> str:
    rooms = [room for room in socket["rooms"] if room != socket["id"]]
    joined = ", ".join(rooms) if rooms else "no rooms"
    if "rooms" in socket.get("unknown", ()):
        joined = "rooms unknown (malformed)"
    return (
        f"{socket['id']}  {socket['transport']}  {socket['address'] or '?'}  "
        f"since {socket['connectedAt'] or '?'}  {joined}"
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


# --- watch -----------------------------------------------------------------------


def watch_text(line: dict[str, Any]) -> str:
    """One ``watch`` line: the figures of one interval, as ``watch --json`` gives them."""
    clock = str(line["time"])[11:19]
    sockets = " ".join(f"{name}={count}" for name, count in line["sockets"].items()) or "-"
    if line["eventsIn"] is None:
        events = "events n/a (production mode)"
    else:
        events = f"events in {_rate(line['eventsIn'])} out {_rate(line['eventsOut'])}"
    return (
        f"{clock}  clients {line['clients']}  sockets {sockets}  {events}  "
        f"bytes in {format_si(line['bytesIn'], 'B/s')} out {format_si(line['bytesOut'], 'B/s')}  "
        f"connects {line['connects']}  disconnects {line['disconnects']}"
    )


def _rate(value: float) -> str:
    return format_si(round(value, 1), "/s")
