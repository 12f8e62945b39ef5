"""Garbage collection for a Qt process that takes tens of thousands of events a second.

First, where: only on the GUI thread. CPython runs a collection in whichever
thread allocates past the threshold, and the recording writer, the payload
decoder and qasync's executor threads allocate plenty. A reference cycle that
holds a Qt object (a model and its timer, a view and its connected slots)
destroyed on such a thread leaves its timers registered with the GUI thread's
dispatcher ("Timers cannot be stopped from another thread"), and the next time
one fires Qt reads freed memory: a SIGSEGV in ``QTimerInfoList::activateTimers``.
pyqtgraph's ``util.garbage_collector`` documents the same trap. So collection
by allocation is off (``gc.disable``), and a GUI-thread timer collects instead
(tests/qt/test_gc_policy.py shows the trap in a child process, and that this
policy avoids it).

Then, how much. Measured with the whole app under a flooding admin stream
(tests/benchmarks/bench_app.py): CPython's default thresholds (700, 10, 10)
ran a young collection every few dozen events and a full collection every
second or so; each full one walked the ~130,000 objects left by start-up
(modules, functions, Qt wrappers) plus every event still in flight, for 70 to
120 ms of CPU on the GUI thread, which is what made a 10 ms timer fire up to
250 ms late and cost a third of the ingest rate. Start-up's objects are moved
out of the collector's sight (``gc.freeze``): they live as long as the process
and are never garbage. An event lives for one 30 ms coalescing tick, so most
die by reference count before any collection sees them.

Objects that arrive later and stay (a topology of 100,000 rooms, say) would
still be walked by every full collection, 60-200 ms each, so once a second the
timer collects the young generations and freezes what survived. Cyclic garbage
that outlives a second is then out of reach, so every ten minutes everything
is unfrozen and collected once (one pause of the length above), which bounds
what such garbage can hold; the memory benchmark
(tests/benchmarks/bench_memory.py) shows the heap flat over a long run.
"""

from __future__ import annotations

import gc

#: Seconds after start that the app settles the heap: after the first paint, which the
#: collection (about 70 ms) would otherwise delay.
SETTLE_AFTER_S = 1.0

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


def collect_on_gui_thread_only() -> None:
    """Stop collections triggered by allocation; call before any thread starts.

    From here on only ``freeze_survivors`` and ``settle_after_start_up`` collect,
    both called on the GUI thread. The window's command calls this before Qt
    loads, and ``Application`` again where it starts the collecting timer.
    """
    gc.disable()


def settle_after_start_up() -> None:
    """Collect once, then freeze what start-up built."""
    gc.collect()
    gc.freeze()
