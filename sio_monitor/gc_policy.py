"""Garbage collection settings for a process that takes tens of thousands of events a second.

Measured with the whole app under a flooding admin stream
(tests/benchmarks/bench_app.py): CPython's default thresholds (700, 10, 10)
ran a young collection every few dozen events and a full collection every
second or so; each full one walked the ~130,000 objects left by start-up
(modules, functions, Qt wrappers) plus every event still in flight, for 70 to
120 ms of CPU on the GUI thread, which is what made a 10 ms timer fire up to
250 ms late and cost a third of the ingest rate.

Three changes. Start-up's objects are moved out of the collector's sight
(``gc.freeze``): they live as long as the process and are never garbage. And
the young generation is collected every 20,000 allocations instead of 700:
an event lives for one 30 ms coalescing tick, so most die by reference count
before a collection sees them, instead of being promoted and walked again and
again. Reference cycles are still found, only later; the memory benchmark
(tests/benchmarks/bench_memory.py) shows the heap flat over a long run.

Third: objects that arrive later and stay (a topology of 100,000 rooms, say)
would still be walked by every full collection, 60-200 ms each every few
thousand events in tests/integration/test_big_payloads.py, so once a second
the young generations are collected and what survived is frozen too. Cyclic
garbage that outlives a second is then out of reach, so every ten minutes
everything is unfrozen and collected once (one pause of the length above),
which bounds what such garbage can hold.
"""

from __future__ import annotations

import gc

#: Seconds after start that the app settles the heap: after the first paint, which the
#: collection (about 70 ms) would otherwise delay.
SETTLE_AFTER_S = 1.0

#: Allocations between young collections; the older generations keep their default ratios.
YOUNG_THRESHOLD = 20_000

#: Milliseconds between two freezes of what survived the young collections.
FREEZE_EVERY_MS = 1000
#: Freezes between two full collections of everything, frozen objects included.
FREEZES_PER_RECLAIM = 600

_freezes = 0


def freeze_survivors() -> None:
    """Collect the young generations and freeze what survived; now and then, reclaim all."""
    global _freezes
    _freezes += 1
    if _freezes % FREEZES_PER_RECLAIM == 0:
        gc.unfreeze()
        gc.collect()
    else:
        gc.collect(1)
    gc.freeze()


def settle_after_start_up() -> None:
    """Collect once, then freeze what start-up built and space out young collections."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
