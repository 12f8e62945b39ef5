"""The socket filter: which sockets match the text typed in the explorer, kept current per batch.

Wireshark's way rather than a proxy model's: every socket gets one lower-case
search string (id, client id, rooms, address, header and query values, and its
``data`` as JSON), built once and dropped when the socket changes, and the
filter is the set of keys whose string contains every typed term. The models
ask ``accepts`` in O(1) and hear, per batch, only the keys whose verdict moved.

The strings of a whole snapshot take a while (0.2-0.3 s for 100,000 sockets),
so ``prepare`` builds them in short slices ahead of the first pattern, while
the user is on their way to the filter box; the first pattern builds whatever
is still missing.
"""

from __future__ import annotations

import json
import time

import msgspec

from sio_monitor.domain.emit.emit_args import preview
from sio_monitor.domain.settings import DEFAULT_ADMIN_NAMESPACE
from sio_monitor.domain.topology.changes import ChangeSet
from sio_monitor.domain.topology.nodes import SocketState
from sio_monitor.domain.topology.topology import Topology

#: Characters of a socket's ``data`` searched when it is not plain JSON (or too deep).
SEARCH_LIMIT = 65_536

SocketKey = tuple[str, str]  # (namespace, socket id)


# msgspec writes compact JSON six times faster than the standard library. A typed term
# never holds whitespace, so it finds in the compact form whatever it found in the
# spaced one (only values JSON has no word for read differently: bytes as base64, NaN
# as null). What msgspec refuses (a cycle, a tuple key) goes to the stdlib encoder,
# one instance for every socket: json.dumps with options builds one per call.
_encode = msgspec.json.Encoder(enc_hook=str).encode
_encode_stdlib = json.JSONEncoder(ensure_ascii=False, default=str).encode

#: Sockets ``prepare`` builds between two looks at the clock.
PREPARE_STEP = 256


def data_text(data: object) -> str:
    """A socket's ``data`` as searched: JSON, or a bounded preview when it is not JSON."""
    if data is None or data == {}:
        return ""
    try:
        return _encode(data).decode()
    except (TypeError, ValueError, OverflowError, RecursionError):
        pass
    try:
        return _encode_stdlib(data)
    except (TypeError, ValueError, RecursionError):  # a cycle, an odd key, too deep
        return preview(data, SEARCH_LIMIT)


def search_text(state: SocketState) -> str:
    """Everything a user may type to find this socket, lower-cased, one field per line.

    The raw address is enough: the displayed one (without ``::ffff:``) is a part of it.
    """
    info = state.info
    handshake = info.handshake
    return "\n".join(
        (
            info.id,
            info.client_id,
            *state.rooms,
            handshake.address,
            *handshake.headers.values(),
            *handshake.query.values(),
            data_text(state.data),
        )
    ).lower()


class SocketFilter:
    """The matching sockets of one topology for one pattern; ``None`` pattern means all."""

    def __init__(self, hidden_namespace: str = DEFAULT_ADMIN_NAMESPACE) -> None:
        #: The monitor's own namespace: never shown, so never counted either.
        self.hidden_namespace = hidden_namespace
        self._texts: dict[SocketKey, str] = {}
        # What ``prepare`` has still to look at: namespaces (the next one last), and the
        # socket ids of the first of them (the next one last), copied when its turn came.
        self._pending: list[str] = []
        self._pending_sids: list[str] | None = None
        self._terms: tuple[str, ...] = ()
        self.pattern = ""
        #: Keys of the matching sockets; meaningless while ``active`` is False.
        self.matched: set[SocketKey] = set()
        self._matched_in: dict[str, int] = {}  # namespace -> how many of ``matched``
        self.total = 0

    @property
    def active(self) -> bool:
        return bool(self._terms)

    @property
    def built(self) -> int:
        """Search strings ready, of ``total``."""
        return len(self._texts)

    def accepts(self, nsp: str, sid: str) -> bool:
        return not self._terms or (nsp, sid) in self.matched

    def matched_in(self, nsp: str) -> int:
        return self._matched_in.get(nsp, 0)

    def _add(self, key: SocketKey) -> None:
        if key not in self.matched:
            self.matched.add(key)
            self._matched_in[key[0]] = self._matched_in.get(key[0], 0) + 1

    def _discard(self, key: SocketKey) -> None:
        if key in self.matched:
            self.matched.discard(key)
            self._matched_in[key[0]] -= 1

    def counts(self) -> tuple[int, int]:
        """(matching, all) sockets; with no pattern every socket matches."""
        return (len(self.matched) if self._terms else self.total), self.total

    # --- changing the pattern --------------------------------------------------

    def set_pattern(self, topology: Topology, pattern: str) -> bool:
        """Match every socket against a new pattern; False if nothing could change."""
        terms = tuple(pattern.lower().split())
        self.pattern = pattern
        self.total = self._visible_total(topology)
        if terms == self._terms:
            return False
        self._terms = terms
        self.matched = set()
        self._matched_in = {}
        if terms:
            self._complete_texts(topology)
            # The cached keys are reused: no new tuple per match for the collector to chase.
            items = self._texts.items()
            if len(terms) == 1:  # the usual case, without a generator per socket
                term = terms[0]
                matched = {key for key, text in items if term in text}
            else:
                matched = {key for key, text in items if all(t in text for t in terms)}
            self.matched = matched
            for nsp, _ in matched:
                self._matched_in[nsp] = self._matched_in.get(nsp, 0) + 1
        return True

    def _complete_texts(self, topology: Topology) -> None:
        """Build the search strings still missing; the cache holds exactly the shown sockets."""
        texts = self._texts
        if len(texts) == self.total:
            return
        for nsp in topology.namespaces():
            ns = topology.namespace(nsp)
            if ns is None or nsp == self.hidden_namespace:
                continue
            for sid, state in ns.sockets.items():
                key = (nsp, sid)
                if key not in texts:
                    texts[key] = search_text(state)

    def prepare(self, topology: Topology, seconds: float) -> bool:
        """Build missing search strings for about ``seconds``; True once none is missing.

        For an idle moment before the first pattern: each namespace's socket ids
        are copied when its turn comes, and sockets that left meanwhile are skipped.
        """
        texts = self._texts
        self.total = self._visible_total(topology)
        if len(texts) >= self.total:
            self._pending, self._pending_sids = [], None
            return True
        pending = self._pending
        if not pending:
            hidden = self.hidden_namespace
            pending.extend(nsp for nsp in reversed(topology.namespaces()) if nsp != hidden)
        deadline = time.perf_counter() + seconds
        while pending:
            nsp, sids = pending[-1], self._pending_sids
            ns = topology.namespace(nsp)
            if ns is None:  # gone meanwhile
                pending.pop()
                self._pending_sids = None
                continue
            if sids is None:
                sids = self._pending_sids = list(ns.sockets)
                sids.reverse()  # popped from the end: the first sockets first
            sockets = ns.sockets
            for _ in range(min(PREPARE_STEP, len(sids))):
                sid = sids.pop()
                key = (nsp, sid)
                if key not in texts:
                    state = sockets.get(sid)
                    if state is not None:
                        texts[key] = search_text(state)
            if not sids:
                pending.pop()
                self._pending_sids = None
            if time.perf_counter() >= deadline:
                break
        return not pending and len(texts) >= self.total

    def rebuild(self, topology: Topology) -> None:
        """Start over on a replaced tree (a snapshot, a new session)."""
        self._texts.clear()
        self._pending, self._pending_sids = [], None
        terms, self._terms = self._terms, ()
        self.set_pattern(topology, " ".join(terms))

    # --- following the topology ------------------------------------------------

    def apply(self, topology: Topology, changes: ChangeSet) -> set[SocketKey]:
        """Take in one batch; return the sockets that start or stop matching.

        Added sockets are not in the result: they are new rows anyway, and
        their verdict is ready in ``matched`` when the models ask.
        """
        self.total = self._visible_total(topology)
        flipped: set[SocketKey] = set()
        texts = self._texts
        for nsp, group in changes.sockets.items():
            if nsp == self.hidden_namespace:
                continue
            for sid in group.removed:
                texts.pop((nsp, sid), None)
                self._discard((nsp, sid))
            for sid in group.updated:
                texts.pop((nsp, sid), None)
            if not self._terms:
                continue
            ns = topology.namespace(nsp)
            if ns is None:
                continue
            for sid in group.added:
                state = ns.sockets.get(sid)
                if state is not None and self._matches((nsp, sid), state):
                    self._add((nsp, sid))
            for sid in group.updated:
                state = ns.sockets.get(sid)
                if state is None:
                    continue
                key = (nsp, sid)
                now = self._matches(key, state)
                if now != (key in self.matched):
                    flipped.add(key)
                    if now:
                        self._add(key)
                    else:
                        self._discard(key)
        return flipped

    def _visible_total(self, topology: Topology) -> int:
        return topology.socket_count() - topology.socket_count(self.hidden_namespace)

    def _matches(self, key: SocketKey, state: SocketState) -> bool:
        text = self._texts.get(key)
        if text is None:
            text = self._texts[key] = search_text(state)
        return all(term in text for term in self._terms)
