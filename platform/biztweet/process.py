"""What a long-running server process does once Django is loaded."""

from __future__ import annotations

import gc

# Young-generation threshold: Python's default (700 allocations) runs collections in the middle of
# nearly every request, which promote the request's still-live objects (40 cards of models) to older
# generations, whose growth then triggers full collections of everything — 50–70 ms pauses, the slowest
# home pages (bench/RESULTS.md, "Web"). Objects of a request are freed by reference counting when it
# ends; the collector is only for cycles, which can wait a little longer. Measured with bench/web.py:
# p99 of the home page 89–102 ms with the default, 67 ms at 50,000, 57–59 ms at 5,000.
GC_THRESHOLDS = (5_000, 20, 100)


def freeze_startup_objects() -> None:
    """Leave the objects made while loading Django and the apps (models, URL patterns, settings, the
    modules themselves) out of every later garbage collection, and collect the young generation less
    often. The start-up objects live as long as the process, yet each full collection walked them all.
    Python's documented recipe for servers: collect, then freeze."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
