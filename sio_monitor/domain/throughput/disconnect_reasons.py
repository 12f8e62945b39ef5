"""The curves of the disconnections-by-reason chart, and what it says when it has none.

Reasons come from two places. Node's stats give every raw (engine)
disconnection its reason, so per server and in production mode too, and the
curves add up to the disconnections curve beside them. python-socketio's
stats give none; but in development mode both servers send each socket's
``socket_disconnected`` with its reason, which is the next best: counted per
socket (one client leaving two namespaces is two) and with no server id.
When neither has a reason, the chart says why in one line instead of
drawing nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sio_monitor.domain.throughput.chart_series import ALL_SERVERS, SeriesSpec
from sio_monitor.domain.throughput.rates import NO_REASON, SOCKET_DISCONNECTION, Rates

RAW = "rawDisconnection"
MAX_REASON_CURVES = 6
#: Reasons beyond ``MAX_REASON_CURVES`` are ranked by their count over this many seconds.
RANK_SECONDS = 60

TITLE = "Disconnections per second by reason"
#: Counted from socket events: per socket, so "socket" says what is counted.
SOCKET_TITLE = "Socket disconnections per second by reason"
NO_REASONS = "No reasons: python-socketio's stats send none"
NO_REASONS_DETAIL = (
    "The disconnections in this window came without a reason: python-socketio's stats "
    "send none. In development mode its socket events carry one, and are plotted then."
)
NONE_IN_WINDOW = "No disconnections in this window"


@dataclass(frozen=True, slots=True)
class ReasonPlan:
    """The reasons to plot (name order), the metric they are counted under, title and note.

    ``note`` is empty when there are curves; ``detail`` explains it further (a tooltip).
    """

    metric: str
    reasons: tuple[str, ...]
    title: str
    note: str = ""
    detail: str = ""

    def specs(self, server: str | None) -> list[SeriesSpec]:
        """A curve per reason; socket events carry no server id, so those are all servers."""
        if self.metric != RAW:
            server = None
        sid = server or ALL_SERVERS
        return [
            SeriesSpec(
                f"reasons:{self.metric}:{reason}@{sid}",
                reason,
                f"reason{index}",
                metric=self.metric,
                server=server,
                reason=reason,
            )
            for index, reason in enumerate(self.reasons)
        ]


def reason_plan(rates: Rates, server: str | None, window: int, development: bool) -> ReasonPlan:
    """Which reasons the chart shows for a server selection (``None``: all summed) and window.

    Cheap enough for every redraw tick: it reads when each reason was last
    counted, and ranks counts only when there are more reasons than curves.
    """
    suffix = f" · server {server}" if server else ""
    raw = rates.reasons(RAW, server, window)
    if raw and raw != [NO_REASON]:
        return ReasonPlan(RAW, _most(rates, RAW, server, raw), TITLE + suffix)
    sockets = rates.reasons(SOCKET_DISCONNECTION, None, window) if development else []
    if sockets:
        title = SOCKET_TITLE + (" · all servers" if server else "")  # events carry no server id
        return ReasonPlan(
            SOCKET_DISCONNECTION, _most(rates, SOCKET_DISCONNECTION, None, sockets), title
        )
    if raw:
        return ReasonPlan(RAW, (), TITLE + suffix, NO_REASONS, NO_REASONS_DETAIL)
    return ReasonPlan(RAW, (), TITLE + suffix, NONE_IN_WINDOW)


def _most(rates: Rates, metric: str, server: str | None, reasons: list[str]) -> tuple[str, ...]:
    """At most ``MAX_REASON_CURVES`` reasons, the most frequent lately, in name order."""
    if len(reasons) <= MAX_REASON_CURVES:
        return tuple(reasons)
    counts = dict(rates.disconnection_reasons(RANK_SECONDS, server, metric))
    ranked = sorted(reasons, key=lambda reason: (-counts.get(reason, 0), reason))
    return tuple(sorted(ranked[:MAX_REASON_CURVES]))
