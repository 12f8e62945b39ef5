"""The monitor's picture of the server side: servers, namespaces, rooms, sockets, clients.

``Topology.apply`` folds a batch of domain events into that picture and says
what changed. It holds up under both flavours' quirks: python re-sends
``socket_connected`` for every socket at every ping (a refresh, never a
duplicate), room events arrive before their socket (Node) or long after it
(python flushes them after the next ``server_stats``), and a reconnect or a
snapshot replaces the socket tree so that no ghost survives. Every event costs
O(1) dict operations, plus the socket's own rooms when it comes or goes.

Two events come from the app rather than from a server: ``ClockTicked``, so
that a server which falls silent is judged without waiting for a message that
will never come, and ``ReconnectScheduled``, the client's next attempt, so a
view can count down to it. Clock offsets (``ClockSkewMeasured``) are kept for
the views, and move a snapshot taken before they were known onto this
computer's clock, as every event's time already is. A clock that is off, and a
socket that a complete list never held disconnecting, are said once in the
change-set's ``notices``; every server's ordinary quirks are absorbed silently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sio_monitor.domain.events import (
    AllSocketsReceived,
    ClockSkewMeasured,
    ClockTicked,
    ConfigReceived,
    ConnectionChanged,
    ConnectionState,
    DomainEvent,
    PayloadRejected,
    ReconnectScheduled,
    RoomJoined,
    RoomLeft,
    ServerStalled,
    ServerStatsReceived,
    SessionReceived,
    SocketConnected,
    SocketDisconnected,
    SocketUpdated,
)
from sio_monitor.domain.topology.changes import ChangeSet, DiscardingChangeSet
from sio_monitor.domain.topology.clock_skew import ClockSentence, in_step
from sio_monitor.domain.topology.nodes import ClientState, NamespaceState, RoomState, SocketState
from sio_monitor.domain.topology.servers import (
    DEFAULT_INTERVAL,
    Moves,
    ServerRegistry,
    ServerState,
)
from sio_monitor.domain.topology.tree import SocketTree
from sio_monitor.domain.topology.unheard import UnheardSockets, outnumbered

ALL_EVENTS = "ALL_EVENTS"
DEVELOPMENT = "development"
PRODUCTION = "production"
SNAPSHOT_CORRECTION_WINDOW = 60.0  # s: a first clock offset still applies to a snapshot this old
RECENTLY_GONE = 60.0  # s: gone this recently yet in a snapshot, it was serialised before it left

__all__ = ["ClockTicked", "ReconnectScheduled", "Topology"]  # the first two live in events


class Topology:
    """Everything known about the server side, indexed for O(1) updates."""

    def __init__(self) -> None:
        self._servers = ServerRegistry()
        self._tree = SocketTree()
        self._unheard = UnheardSockets()  # sockets no reporting server counts
        self._connected_before = False
        self.features: frozenset[str] = frozenset()
        self.config_received = False  # the mode is unknown until the server said
        self.session_id: str | None = None
        self.snapshot_received = False
        self.malformed = 0
        self.last_rejection: PayloadRejected | None = None
        self.connection: ConnectionState = ConnectionState.IDLE
        self.reconnect: ReconnectScheduled | None = None  # while reconnecting: the next try
        self.stalled: ServerStalled | None = None  # why the connection was lost, if it hung
        self.clock_offset: float | None = None  # the event stream's, while it is off
        self._correct_snapshot_until: float | None = None
        self.clock_sentence = ClockSentence()  # what was last said about the clocks
        self._unknown_said = False
        self._clocks_moved = False
        self._handlers: dict[type, Callable[[Any, ChangeSet], None]] = {
            SocketConnected: self._socket_connected,
            SocketDisconnected: self._socket_disconnected,
            RoomJoined: self._room_joined,
            RoomLeft: self._room_left,
            SocketUpdated: self._socket_updated,
            ServerStatsReceived: self._server_stats,
            AllSocketsReceived: self._all_sockets,
            ConfigReceived: self._config,
            SessionReceived: self._session,
            ConnectionChanged: self._connection_changed,
            PayloadRejected: self._payload_rejected,
            ClockTicked: self._clock_ticked,
            ReconnectScheduled: self._reconnect_scheduled,
            ServerStalled: self._server_stalled,
            ClockSkewMeasured: self._clock_skew,
        }

    # --- applying ------------------------------------------------------------

    def apply(self, batch: Iterable[DomainEvent]) -> ChangeSet:
        """Fold a batch in, in order, and return its net changes.

        Events the topology has no use for (sent and received events) are
        skipped, so the bridge can hand the same batch to every consumer.
        """
        changes = ChangeSet()
        before = self._completeness()
        handlers = self._handlers
        for event in batch:
            handler = handlers.get(type(event))
            if handler is not None:
                handler(event, changes)
        self._servers.settle(self._tree.known_count)
        if (self._clocks_moved or changes.servers.added) and len(self._servers):
            self._say_clocks(changes)
        changes.completeness_changed = self._completeness() != before
        changes.finish()
        return changes

    def _completeness(self) -> tuple[bool, tuple[str, ...]]:
        return self.is_complete(), tuple(self._servers.unreported)

    # --- handlers --------------------------------------------------------------

    def _socket_connected(self, event: SocketConnected, changes: ChangeSet) -> None:
        self._tree.connect(event.socket, event.at, changes)

    def _socket_disconnected(self, event: SocketDisconnected, changes: ChangeSet) -> None:
        if not self._unknown_said and self.snapshot_received:  # said once per connection
            self._unknown_socket_left(event, changes)
        self._tree.disconnect(event.nsp, event.id, event.at, changes)

    def _unknown_socket_left(self, event: SocketDisconnected, changes: ChangeSet) -> None:
        key, tree = (event.nsp, event.id), self._tree
        if tree.find(*key)[1] or tree.pending.gone_at(*key) is not None or not self.is_complete():
            return
        self._unknown_said = True
        changes.notices.append(
            f"A socket this monitor never saw has disconnected ({event.nsp} {event.id[:40]}): "
            "the socket list may be missing others until the next reconnect."
        )

    def _room_joined(self, event: RoomJoined, changes: ChangeSet) -> None:
        self._tree.room_joined(event.nsp, event.room, event.id, changes)

    def _room_left(self, event: RoomLeft, changes: ChangeSet) -> None:
        self._tree.room_left(event.nsp, event.room, event.id, changes)

    def _socket_updated(self, event: SocketUpdated, changes: ChangeSet) -> None:
        self._tree.update(event.nsp, event.id, event.changes, changes)

    def _all_sockets(self, event: AllSocketsReceived, changes: ChangeSet) -> None:
        tree, offset = self._tree, self._snapshot_offset()
        gone_at, recent = tree.pending.gone_at, event.at - RECENTLY_GONE
        tree.reset(changes)
        scratch = DiscardingChangeSet()  # the caller re-reads everything after a reset
        for info in event.sockets:
            gone = gone_at(info.nsp, info.id)
            since = (info.connected_at or event.at) - (offset or 0.0)
            if gone is not None and gone >= recent and gone >= since:
                continue  # its disconnection overtook the snapshot: no ghost
            tree.add(info, event.at, scratch)
        if offset is not None:
            self._move_connection_times(offset, changes)
        else:
            self._correct_snapshot_until = event.at + SNAPSHOT_CORRECTION_WINDOW
        self.snapshot_received = True
        counts = {name: len(ns.sockets) for name, ns in self._tree.namespaces.items()}
        self._servers.start_tracking(counts)
        self._unheard.observe(self._outnumbered(), event.at)

    def _server_stats(self, event: ServerStatsReceived, changes: ChangeSet) -> None:
        server, added, moved = self._servers.apply(event)
        if added:
            changes.servers.note_added(server.server_id)
        else:
            changes.servers.note_updated(server.server_id)
        self._count(server, moved, changes)
        self._unheard.observe(self._outnumbered(), event.at)

    def _count(self, server: ServerState, moved: Moves, changes: ChangeSet) -> None:
        """Carry a server's count moves into the namespaces' reported totals."""
        counted = server.counted()
        for name, (old, new) in moved.items():
            ns = self._tree.namespace(name, changes)
            if name in counted:
                ns.reported_by[server.server_id] = new
            else:
                ns.reported_by.pop(server.server_id, None)
            ns.reported_count += new - old
            changes.namespaces.note_updated(name)

    def _clock_ticked(self, event: ClockTicked, changes: ChangeSet) -> None:
        """Judge health on the clock: a dead node sends nothing that would."""
        down = self._servers.judge(event.at)
        for server, moved in down:
            changes.servers.note_updated(server.server_id)
            self._count(server, moved, changes)
        if down and self._snapshot_can_be_refreshed():
            # No socket names its server: only a fresh snapshot from a live node
            # says which sockets the silent one took with it.
            changes.snapshot_stale = True
        # Sockets that no reporting server counts: a node never heard from holds
        # them, dead or silent. A fresh snapshot says which are still there.
        unheard = self._unheard.due(event.at, self._longest_interval())
        if unheard and self._snapshot_can_be_refreshed():
            changes.snapshot_stale = True

    def _outnumbered(self) -> bool:
        """Development mode: does a namespace hold more sockets than its servers count?"""
        if not self.snapshot_received or ALL_EVENTS not in self.features:
            return False
        namespaces = self._tree.namespaces.values()
        servers = self._servers.by_id.values()
        slack = sum(server.recent_connections for server in servers if server.healthy)
        return outnumbered(((len(ns.sockets), ns.reported_count) for ns in namespaces), slack)

    def _longest_interval(self) -> float:
        intervals = [s.interval for s in self._servers.by_id.values() if s.healthy]
        return max(intervals, default=DEFAULT_INTERVAL)

    def _snapshot_can_be_refreshed(self) -> bool:
        """Development mode, a snapshot to refresh, and some server still alive to answer.

        Without a snapshot since the last connect, one is already on its way.
        """
        return (
            ALL_EVENTS in self.features
            and self.snapshot_received
            and self.connection is ConnectionState.CONNECTED
            and self._servers.healthy_count() > 0
        )

    def _server_stalled(self, event: ServerStalled, changes: ChangeSet) -> None:
        self.stalled, changes.reconnect_changed = event, True

    def _clock_skew(self, event: ClockSkewMeasured, changes: ChangeSet) -> None:
        offset = None if in_step(event.offset) else event.offset
        if event.server_id is None:
            self.clock_offset = offset
        else:
            server = self._servers.get(event.server_id)
            if server is None:
                return
            server.clock_offset = offset
            changes.servers.note_updated(server.server_id)
        until = self._correct_snapshot_until
        if until is not None and offset is not None and event.at <= until:
            first = self._snapshot_offset()
            if first is not None:
                self._move_connection_times(first, changes)
        self._clocks_moved = True

    def _say_clocks(self, changes: ChangeSet) -> None:
        self._clocks_moved = False  # said once per batch, once a server is known to name
        offsets = {s.server_id: self.clock_of(s) for s in self._servers.by_id.values()}
        notice = self.clock_sentence.update(offsets, self.clock_offset)
        if notice is not None:
            changes.notices.append(notice)

    def _snapshot_offset(self) -> float | None:
        sole = list(self._servers.by_id.values()) if len(self._servers) == 1 else []
        return sole[0].clock_offset if self.clock_offset is None and sole else self.clock_offset

    def _move_connection_times(self, offset: float, changes: ChangeSet) -> None:
        """Put the snapshot's connection times on this computer's clock, once."""
        self._correct_snapshot_until = None
        for ns in self._tree.namespaces.values():
            if ns.sockets:
                group = changes.sockets_of(ns.name)
                for state in ns.sockets.values():
                    state.connected_at -= offset
                    group.note_updated(state.id)

    def _reconnect_scheduled(self, event: ReconnectScheduled, changes: ChangeSet) -> None:
        self.reconnect = event
        changes.reconnect_changed = True

    def _config(self, event: ConfigReceived, changes: ChangeSet) -> None:
        if event.features != self.features or not self.config_received:
            self.features = event.features
            self.config_received = True
            changes.config_changed = True
        if ALL_EVENTS not in event.features:
            # Production mode sends no socket events: anything held would go stale.
            if self._tree.socket_total or self.snapshot_received:
                self._tree.reset(changes)
            self.snapshot_received = False
            self._servers.stop_tracking()

    def _session(self, event: SessionReceived, changes: ChangeSet) -> None:
        if event.session_id != self.session_id:
            self.session_id = event.session_id
            changes.config_changed = True

    def _connection_changed(self, event: ConnectionChanged, changes: ChangeSet) -> None:
        self.connection = event.state
        changes.connection = event
        if event.state is not ConnectionState.RECONNECTING and self.reconnect is not None:
            self.reconnect = None
            changes.reconnect_changed = True
        if event.state is not ConnectionState.CONNECTED:
            return
        self.stalled = None
        self._unknown_said = False
        self._correct_snapshot_until = None
        self._servers.listening_since = event.at
        self._unheard.forget()
        if self._connected_before:
            # Whatever happened while away is unknown: start over, and let the
            # coming snapshot (development mode) fill the tree again.
            self._tree.reset(changes)
            self.snapshot_received = False
            self._servers.stop_tracking()
        self._connected_before = True

    def _payload_rejected(self, event: PayloadRejected, changes: ChangeSet) -> None:
        self.malformed += 1
        self.last_rejection = event
        changes.rejected += 1

    # --- queries ---------------------------------------------------------------

    @property
    def mode(self) -> str | None:
        """``DEVELOPMENT`` or ``PRODUCTION``; None until the server's config arrived."""
        if not self.config_received:
            return None
        return DEVELOPMENT if ALL_EVENTS in self.features else PRODUCTION

    @property
    def is_production(self) -> bool | None:
        """The one answer every view takes: None while unknown."""
        mode = self.mode
        return None if mode is None else mode == PRODUCTION

    def servers(self) -> list[ServerState]:
        return [self._servers.by_id[key] for key in sorted(self._servers.by_id)]

    def server(self, server_id: str) -> ServerState | None:
        return self._servers.get(server_id)

    def clock_of(self, server: ServerState) -> float | None:
        """A server's clock offset while off; a lone server's is the (finer) event stream's."""
        if len(self._servers) == 1 and self.clock_offset is not None:
            return self.clock_offset
        return server.clock_offset

    def unhealthy_servers(self, now: float) -> list[str]:
        return sorted(s.server_id for s in self._servers.by_id.values() if not s.is_healthy(now))

    def is_server_healthy(self, server: ServerState, now: float) -> bool:
        """The last verdict, and the rule itself for a view painted between two verdicts."""
        return server.healthy and server.is_healthy(now, self._servers.listening_since)

    def next_health_check(self) -> float | None:
        """When a ``ClockTicked`` may next change a verdict; None when none can."""
        unheard = self._unheard.deadline(self._longest_interval())
        deadlines = [self._servers.next_deadline(), unheard]
        return min((d for d in deadlines if d is not None), default=None)

    def namespaces(self) -> list[str]:
        return sorted(self._tree.namespaces)

    def namespace(self, name: str) -> NamespaceState | None:
        return self._tree.namespaces.get(name)

    def rooms(self, nsp: str, include_private: bool = False) -> list[RoomState]:
        ns = self._tree.namespaces.get(nsp)
        if ns is None:
            return []
        names = sorted(ns.rooms)
        return [ns.rooms[n] for n in names if include_private or not ns.rooms[n].private]

    def room(self, nsp: str, name: str) -> RoomState | None:
        ns = self._tree.namespaces.get(nsp)
        return ns.rooms.get(name) if ns is not None else None

    def sockets(self, nsp: str) -> list[SocketState]:
        ns = self._tree.namespaces.get(nsp)
        return list(ns.sockets.values()) if ns is not None else []

    def socket(self, nsp: str, sid: str) -> SocketState | None:
        ns = self._tree.namespaces.get(nsp)
        return ns.sockets.get(sid) if ns is not None else None

    def clients(self) -> list[ClientState]:
        return list(self._tree.clients.values())

    def client(self, client_id: str) -> ClientState | None:
        return self._tree.clients.get(client_id)

    def server_count(self) -> int:
        return len(self._servers)

    def namespace_count(self) -> int:
        return len(self._tree.namespaces)

    def socket_count(self, nsp: str | None = None) -> int:
        """Sockets known individually, in one namespace or in all (O(1))."""
        if nsp is None:
            return self._tree.socket_total
        return self._tree.known_count(nsp)

    def reported_socket_count(self, nsp: str) -> int:
        """Sockets the servers' stats count in a namespace, across servers."""
        return self._tree.reported_count(nsp)

    def room_count(self, nsp: str, include_private: bool = False) -> int:
        ns = self._tree.namespaces.get(nsp)
        if ns is None:
            return 0
        return len(ns.rooms) if include_private else ns.public_rooms

    def client_count(self) -> int:
        return len(self._tree.clients)

    def pending_count(self) -> int:
        """Unknown sockets with room joins kept for them (for diagnostics)."""
        return len(self._tree.pending)

    def unreported_servers(self) -> list[str]:
        """Servers whose sockets the monitor may not hold yet (cluster, python nodes).

        Without a serverId on sockets the attribution is by counts (see
        ServerRegistry): when two servers' counts cannot be told apart, the
        one named may be the wrong one until the namespaces add up.
        """
        return sorted(self._servers.unreported)

    def is_complete(self) -> bool:
        """True when the socket list can be shown as the whole truth."""
        return self.snapshot_received and not self._servers.unreported
