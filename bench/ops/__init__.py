"""Benchmark operations, one module per area; importing a module registers its operations."""

from . import audits, console, parts, queue, sla, tickets  # noqa: F401
