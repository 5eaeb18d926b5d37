"""Benchmark operations, one module per area; importing a module registers its operations."""

from . import audits, console, parts, queue, search, sla, technicians_pages, tickets  # noqa: F401
