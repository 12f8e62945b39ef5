"""The long-lived state objects of the socket tree, and the pending room memberships.

Namespaces, rooms, sockets and engine clients are mutable objects that live as
long as the thing they describe, so a Qt model can keep a pointer to one in an
index across batches (never a bare int). Every collection is a dict, used as
an ordered set where only keys matter, so that every update is O(1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sio_monitor.domain.events import SocketInfo

# A room event can precede its socket's socket_connected (Node sends the join
# of the socket's own room first) or follow its socket_disconnected (python
# flushes room events late). These bound what is kept for unknown sockets.
MAX_PENDING_SOCKETS = 10_000
MAX_PENDING_ROOMS = 256  # per unknown socket
MAX_GONE = 10_000


@dataclass(slots=True, eq=False)
class SocketState:
    """One connected socket: what it said at connection plus its current rooms."""

    info: SocketInfo
    rooms: dict[str, None]
    transport: str
    data: Any
    connected_at: float
    refreshed_at: float  # the last socket_connected seen for it (python re-sends)

    @property
    def id(self) -> str:
        return self.info.id

    @property
    def nsp(self) -> str:
        return self.info.nsp

    @property
    def client_id(self) -> str:
        return self.info.client_id


@dataclass(slots=True, eq=False)
class RoomState:
    """One room; ``private`` marks a socket's own id-room, hidden by default."""

    name: str
    nsp: str
    private: bool
    members: dict[str, None] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass(slots=True, eq=False)
class NamespaceState:
    """One namespace: its known sockets and rooms, and what servers' stats count."""

    name: str
    sockets: dict[str, SocketState] = field(default_factory=dict)
    rooms: dict[str, RoomState] = field(default_factory=dict)
    reported_by: dict[str, int] = field(default_factory=dict)  # serverId -> socketsCount
    reported_count: int = 0  # sum of reported_by, kept current
    private_rooms: int = 0

    @property
    def sockets_count(self) -> int:
        """Sockets known individually (development mode)."""
        return len(self.sockets)

    @property
    def public_rooms(self) -> int:
        return len(self.rooms) - self.private_rooms

    @property
    def is_complete(self) -> bool:
        return len(self.sockets) >= self.reported_count


@dataclass(slots=True, eq=False)
class ClientState:
    """One engine.io connection and the sockets it carries, one per namespace."""

    client_id: str
    sockets: dict[tuple[str, str], None] = field(default_factory=dict)  # (nsp, id)


class PendingMemberships:
    """Room joins for sockets not known yet, and ids of sockets known to be gone.

    Joins are kept until the socket appears and then applied; a leave for an
    unknown socket only cancels a kept join. Ids of disconnected sockets are
    remembered so that python's late-flushed joins for a socket that has
    already left are dropped instead of waiting forever. Both are bounded,
    oldest first out, because an id that never shows up must not grow memory.
    """

    def __init__(
        self,
        max_sockets: int = MAX_PENDING_SOCKETS,
        max_rooms: int = MAX_PENDING_ROOMS,
        max_gone: int = MAX_GONE,
    ) -> None:
        self._joins: dict[tuple[str, str], dict[str, None]] = {}
        self._gone: dict[tuple[str, str], float] = {}  # -> disconnection time
        self._max_sockets = max_sockets
        self._max_rooms = max_rooms
        self._max_gone = max_gone
        self.dropped = 0  # joins discarded for lack of room: a sign of trouble

    def __len__(self) -> int:
        return len(self._joins)

    def join(self, nsp: str, sid: str, room: str) -> None:
        key = (nsp, sid)
        if key in self._gone:
            return
        rooms = self._joins.get(key)
        if rooms is None:
            if len(self._joins) >= self._max_sockets:
                del self._joins[next(iter(self._joins))]
                self.dropped += 1
            rooms = self._joins[key] = {}
        if room not in rooms and len(rooms) >= self._max_rooms:
            self.dropped += 1
            return
        rooms[room] = None

    def leave(self, nsp: str, sid: str, room: str) -> None:
        rooms = self._joins.get((nsp, sid))
        if rooms is not None:
            rooms.pop(room, None)
            if not rooms:
                del self._joins[(nsp, sid)]

    def take(self, nsp: str, sid: str) -> dict[str, None] | None:
        """The kept joins of a socket that just appeared; it is no longer gone."""
        key = (nsp, sid)
        self._gone.pop(key, None)
        return self._joins.pop(key, None)

    def gone(self, nsp: str, sid: str, at: float) -> None:
        key = (nsp, sid)
        self._joins.pop(key, None)
        if key not in self._gone and len(self._gone) >= self._max_gone:
            del self._gone[next(iter(self._gone))]
        self._gone[key] = at

    def gone_at(self, nsp: str, sid: str) -> float | None:
        """When a socket of this id last disconnected, if that is remembered."""
        return self._gone.get((nsp, sid))

    def clear_joins(self) -> None:
        """A snapshot supersedes joins seen before it; the gone list stays valid."""
        self._joins.clear()
