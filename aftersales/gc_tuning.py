"""The garbage collector's thresholds for the long-running processes (web, worker, bench).

A loaded application is about 310,000 Python objects. With Python's default thresholds
(700, 10, 10) a request that builds a few thousand objects (2,000 dispatch candidates, a
page of 50 tickets) triggers young collections every few hundred allocations and, about
one call in ten, a full collection of everything: 250 ms instead of 70 for the
candidates. ``(50000, 20, 100)`` lets the young generation grow to 50,000 objects (a few
megabytes) before it is collected and makes full collections rarer still (Python also
waits until a quarter of the long-lived objects are new). Measured in one process, the
policies alternating (bench/README.md, "The garbage collector"): the candidates' p95 went
from 318 to 152 ms, and the medians of list, detail, intake and candidates fell 2–7 %.
``gc.freeze()`` removed the spikes as well but raised the medians, so it is not used.

``PYTHON_GC_THRESHOLD``: three integers (``50000,20,100``, the default) or ``default`` for
Python's own.
"""

import gc
import os

from django.core.exceptions import ImproperlyConfigured

THRESHOLD = (50_000, 20, 100)


def gc_tune(value=None):
    """Set the thresholds from ``value`` or ``PYTHON_GC_THRESHOLD``; returns them."""
    value = value if value is not None else os.environ.get("PYTHON_GC_THRESHOLD", "")
    if value.strip().lower() == "default":
        return gc.get_threshold()
    if value.strip():
        try:
            threshold = tuple(int(part) for part in value.split(","))
        except ValueError:
            threshold = ()
        if len(threshold) != 3 or min(threshold) < 1:
            raise ImproperlyConfigured(
                f"PYTHON_GC_THRESHOLD={value!r}: three positive integers, or 'default'"
            )
    else:
        threshold = THRESHOLD
    gc.set_threshold(*threshold)
    return threshold
