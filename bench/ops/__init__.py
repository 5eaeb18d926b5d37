"""Benchmark operations, one module per area; importing a module registers its operations."""

from . import audits, console, parts, queue, search, sla, tickets, trail_pages  # noqa: F401
