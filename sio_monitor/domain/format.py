"""Human-readable numbers and durations, shared by the window and the command-line tools."""

from __future__ import annotations

_SI = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))


def format_duration(seconds: float | None) -> str:
    """``3d 4h``, ``2h 05m``, ``4m 07s``, ``12s``: two units at most, as people read uptimes."""
    if seconds is None or seconds != seconds or seconds < 0:
        return "—"
    total = int(seconds)
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def format_si(value: float, unit: str = "") -> str:
    """``12.4 k/s``, ``3.1 MB/s``: three significant figures with an SI prefix."""
    magnitude = abs(value)
    for factor, prefix in _SI:
        if magnitude >= factor:
            return f"{value / factor:.3g} {prefix}{unit}"
    if magnitude == int(magnitude):
        return f"{int(value)} {unit}".rstrip()
    return f"{value:.3g} {unit}".rstrip()
