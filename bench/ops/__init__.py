"""Benchmark operations, one module per area; importing a module registers its operations."""

from . import audits, console, parts, quality_pages, queue, search, sla, tickets  # noqa: F401
