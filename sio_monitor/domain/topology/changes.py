"""The change-set one applied batch produces: net row changes, grouped by parent.

A Qt model turns each group into a handful of begin/end calls, so the groups
hold *net* effects: a socket that connects and disconnects within one batch
appears nowhere, and a room that empties and refills is an update, not a
removal plus an insertion. Keys are kept in arrival order (dicts as ordered
sets) so that consecutive additions under one parent form one block.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sio_monitor.domain.events import ConnectionChanged

K = TypeVar("K", bound=Hashable)


@dataclass(slots=True)
class KeyChanges(Generic[K]):
    """Net additions, removals and updates of the rows under one parent.

    A key is in at most one of the three: the ``note_*`` methods fold a new
    fact into what is already there instead of appending, so the size of a
    change-set is bounded by the rows touched, not by the events applied.
    """

    added: dict[K, None] = field(default_factory=dict)
    removed: dict[K, None] = field(default_factory=dict)
    updated: dict[K, None] = field(default_factory=dict)

    def note_added(self, key: K) -> None:
        if key in self.removed:
            # Removed then back within one batch: the row never left the view.
            del self.removed[key]
            self.updated[key] = None
        else:
            self.added[key] = None

    def note_removed(self, key: K) -> None:
        if key in self.added:
            # Never shown, so nothing to remove either.
            del self.added[key]
            self.updated.pop(key, None)
            return
        self.updated.pop(key, None)
        self.removed[key] = None

    def note_updated(self, key: K) -> None:
        if key not in self.added and key not in self.removed:
            self.updated[key] = None

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.updated)

    def __len__(self) -> int:
        return len(self.added) + len(self.removed) + len(self.updated)


def _group(groups: dict[K, KeyChanges[str]], parent: K) -> KeyChanges[str]:
    changes = groups.get(parent)
    if changes is None:
        changes = groups[parent] = KeyChanges()
    return changes


@dataclass(slots=True)
class ChangeSet:
    """What one ``Topology.apply`` changed, for the models and the status bar.

    ``reset`` means the socket tree (namespaces, rooms, members, sockets,
    clients) was replaced wholesale, by an ``all_sockets`` snapshot, by a
    reconnect or by a switch to production mode: re-read it, and its groups
    here are left empty. ``servers`` stays valid either way, because servers
    come from ``server_stats`` and outlive a snapshot. ``replaced`` says more:
    the whole state (topology and rates) is a new server's, so whatever a
    consumer derived from the old one (samples, a filter index, picked curves)
    is to be dropped; it implies ``reset``. It is said once, by the first
    change-set after the replacement, so no consumer compares object identity.

    Parents: ``namespaces`` and ``servers`` and ``clients`` sit under the root;
    ``rooms`` and ``sockets`` are keyed by namespace name; ``members`` by
    ``(namespace, room)``, listing socket ids. Groups under a parent removed in
    the same batch are dropped, so a consumer never touches a row it has just
    deleted.
    """

    reset: bool = False
    replaced: bool = False
    servers: KeyChanges[str] = field(default_factory=KeyChanges)
    namespaces: KeyChanges[str] = field(default_factory=KeyChanges)
    rooms: dict[str, KeyChanges[str]] = field(default_factory=dict)
    sockets: dict[str, KeyChanges[str]] = field(default_factory=dict)
    members: dict[tuple[str, str], KeyChanges[str]] = field(default_factory=dict)
    clients: KeyChanges[str] = field(default_factory=KeyChanges)
    config_changed: bool = False  # features, mode or session id
    connection: ConnectionChanged | None = None  # the last state change in the batch
    rejected: int = 0  # malformed payloads dropped in this batch
    completeness_changed: bool = False  # is_complete() / unreported_servers() moved
    # A server fell silent while the socket list is live: that list may hold its
    # sockets, and only a fresh snapshot from a live node can tell which.
    snapshot_stale: bool = False
    reconnect_changed: bool = False  # the topology's next reconnect attempt moved
    #: Sentences for the status bar about what this batch revealed (a clock that is
    #: off, a socket never seen): each said once, when it becomes true.
    notices: list[str] = field(default_factory=list)

    def rooms_of(self, nsp: str) -> KeyChanges[str]:
        return _group(self.rooms, nsp)

    def sockets_of(self, nsp: str) -> KeyChanges[str]:
        return _group(self.sockets, nsp)

    def members_of(self, nsp: str, room: str) -> KeyChanges[str]:
        return _group(self.members, (nsp, room))

    def clear_tree(self) -> None:
        """Forget socket-tree changes: after a reset they would only mislead."""
        self.namespaces = KeyChanges()
        self.rooms.clear()
        self.sockets.clear()
        self.members.clear()
        self.clients = KeyChanges()

    def finish(self) -> None:
        """Drop empty groups and groups whose parent row went away in this batch."""
        if self.reset:
            self.clear_tree()
            return
        gone_namespaces = self.namespaces.removed
        for groups in (self.rooms, self.sockets):
            for nsp in [n for n, c in groups.items() if not c or n in gone_namespaces]:
                del groups[nsp]
        for key in [
            k
            for k, c in self.members.items()
            if not c or k[0] in gone_namespaces or k[1] in self._removed_rooms(k[0])
        ]:
            del self.members[key]

    def _removed_rooms(self, nsp: str) -> dict[str, None]:
        changes = self.rooms.get(nsp)
        return changes.removed if changes is not None else {}

    def tree_changed(self) -> bool:
        return self.reset or bool(
            self.namespaces or self.rooms or self.sockets or self.members or self.clients
        )

    def __bool__(self) -> bool:
        return (
            self.tree_changed()
            or self.replaced
            or bool(self.servers)
            or self.config_changed
            or self.connection is not None
            or self.rejected > 0
            or self.completeness_changed
            or self.snapshot_stale
            or self.reconnect_changed
            or bool(self.notices)
        )

    def iter_groups(self) -> Iterator[tuple[str, object, KeyChanges[str]]]:
        """Every non-empty group as (kind, parent, changes); handy for logs and tests."""
        if self.servers:
            yield "servers", None, self.servers
        if self.namespaces:
            yield "namespaces", None, self.namespaces
        for nsp, changes in self.rooms.items():
            yield "rooms", nsp, changes
        for nsp, changes in self.sockets.items():
            yield "sockets", nsp, changes
        for key, changes in self.members.items():
            yield "members", key, changes
        if self.clients:
            yield "clients", None, self.clients


class _Discard(KeyChanges[str]):
    """A change group that records nothing: for work that ends in a reset anyway."""

    __slots__ = ()

    def note_added(self, key: str) -> None:
        pass

    def note_removed(self, key: str) -> None:
        pass

    def note_updated(self, key: str) -> None:
        pass


_DISCARD = _Discard()


class DiscardingChangeSet(ChangeSet):
    """Used while a snapshot is built: its rows are re-read whole, so tracking them is waste."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(namespaces=_DISCARD, clients=_DISCARD)

    def rooms_of(self, nsp: str) -> KeyChanges[str]:
        return _DISCARD

    def sockets_of(self, nsp: str) -> KeyChanges[str]:
        return _DISCARD

    def members_of(self, nsp: str, room: str) -> KeyChanges[str]:
        return _DISCARD
