"""Benchmark operations, one module per area; importing a module registers its operations."""

from . import audits, console, kpi_pages, parts, queue, search, sla, tickets  # noqa: F401
